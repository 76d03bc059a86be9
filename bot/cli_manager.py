"""Revenue managers per circle (`sahayak manager set|list|remove`) and the complaint SLA
escalation pass (`sahayak complaint escalate [--dry-run]`), which reports overdue tickets
to the consumer and to those managers."""

from __future__ import annotations

import click

from backend.platform.clock import utcnow
from backend.platform.errors import DomainError
from bot.cli_backend import command_backend

_backend = command_backend


@click.group()
def manager() -> None:
    """Revenue managers: who gets each circle's digest of overdue complaints."""


@manager.command("set")
@click.option("--circle", "circle_code", required=True, help="Circle code, e.g. PATNA.")
@click.option("--name", required=True)
@click.option("--mobile", required=True, help="Indian mobile, e.g. +919876543210.")
@click.option("--channel", type=click.Choice(["sms", "whatsapp"]), default="sms",
              show_default=True)
@click.option("--language", type=click.Choice(["hi", "hi-Latn", "en"]), default="hi",
              show_default=True)
def manager_set(circle_code: str, name: str, mobile: str, channel: str, language: str) -> None:
    """Set (or replace) the revenue manager of a circle."""
    from backend.care.circle_managers import set_manager
    from backend.messaging.senders import mask_address

    with _backend().sessions.begin() as s:
        try:
            view = set_manager(s, circle_code=circle_code, name=name, mobile=mobile,
                               channel=channel, language=language, now=utcnow())
        except DomainError as exc:
            raise click.ClickException(exc.reason) from exc
    click.echo(f"{view.circle}: {view.name}, {mask_address(view.mobile_e164)} "
               f"({view.channel}, {view.language})")


@manager.command("list")
@click.option("--full-numbers", is_flag=True, help="Show mobiles unmasked.")
def manager_list(full_numbers: bool) -> None:
    """Managers per circle (mobiles masked unless --full-numbers)."""
    from backend.care.circle_managers import list_managers
    from backend.messaging.senders import mask_address

    with _backend().sessions() as s:
        views = list_managers(s)
    if not views:
        click.echo("no managers yet: sahayak manager set --circle CODE --name N --mobile M")
    for v in views:
        mobile = v.mobile_e164 if full_numbers else mask_address(v.mobile_e164)
        click.echo(f"{v.circle:<16} {mobile:<14} {v.channel:<9} {v.language:<8} {v.name}")


@manager.command("remove")
@click.argument("circle_code")
def manager_remove(circle_code: str) -> None:
    """Remove the manager of CIRCLE_CODE (its overdue tickets are then only counted)."""
    from backend.care.circle_managers import remove_manager

    with _backend().sessions.begin() as s:
        try:
            remove_manager(s, circle_code)
        except DomainError as exc:
            raise click.ClickException(exc.reason) from exc
    click.echo(f"manager of {circle_code.upper()} removed")


@click.command("escalate")
@click.option("--dry-run", is_flag=True, help="Count what would happen; write nothing.")
def complaint_escalate(dry_run: bool) -> None:
    """Escalate open complaints past their SLA: flag them, tell the consumer, send each
    circle's manager one digest. A second run straight after does nothing."""
    from backend.care.escalation import escalate

    backend = _backend()
    with backend.engine.begin() as conn:
        result = escalate(conn, utcnow(), dry_run=dry_run)
    backend.close()
    click.echo(f"{'would escalate' if dry_run else 'escalated'} {result.escalated} overdue "
               "complaints")
    click.echo(f"{'would queue' if dry_run else 'queued'} {result.consumer_messages} "
               f"consumer messages and {result.digests} manager digests")
    for code, count in sorted(result.circles_without_manager.items()):
        click.echo(f"circle {code} has no manager: {count} overdue complaints not reported "
                   "(sahayak manager set)", err=True)
    if result.without_circle:
        click.echo(f"{result.without_circle} overdue reports have no connection, hence no "
                   "circle or manager", err=True)


def register(main: click.Group) -> None:
    from bot.cli_staff import complaint

    main.add_command(manager)
    complaint.add_command(complaint_escalate)
