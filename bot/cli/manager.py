"""Revenue managers per circle (`sahayak manager set|list|remove`): who gets each circle's
digest of overdue complaints (`sahayak complaint escalate`, in bot/cli/staff.py)."""

from __future__ import annotations

import click

from backend.platform.clock import utcnow
from bot.cli.context import CliApp, pass_app


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
@pass_app
def manager_set(app: CliApp, circle_code: str, name: str, mobile: str, channel: str,
                language: str) -> None:
    """Set (or replace) the revenue manager of a circle."""
    from backend.care.circle_managers import set_manager
    from backend.messaging.senders import mask_address

    with app.backend().sessions.begin() as s:
        view = set_manager(s, circle_code=circle_code, name=name, mobile=mobile,
                           channel=channel, language=language, now=utcnow())
    click.echo(f"{view.circle}: {view.name}, {mask_address(view.mobile_e164)} "
               f"({view.channel}, {view.language})")


@manager.command("list")
@click.option("--full-numbers", is_flag=True, help="Show mobiles unmasked.")
@pass_app
def manager_list(app: CliApp, full_numbers: bool) -> None:
    """Managers per circle (mobiles masked unless --full-numbers)."""
    from backend.care.circle_managers import list_managers
    from backend.messaging.senders import mask_address

    with app.backend().sessions() as s:
        views = list_managers(s)
    if not views:
        click.echo("no managers yet: sahayak manager set --circle CODE --name N --mobile M")
    for v in views:
        mobile = v.mobile_e164 if full_numbers else mask_address(v.mobile_e164)
        click.echo(f"{v.circle:<16} {mobile:<14} {v.channel:<9} {v.language:<8} {v.name}")


@manager.command("remove")
@click.argument("circle_code")
@pass_app
def manager_remove(app: CliApp, circle_code: str) -> None:
    """Remove the manager of CIRCLE_CODE (its overdue tickets are then only counted)."""
    from backend.care.circle_managers import remove_manager

    with app.backend().sessions.begin() as s:
        remove_manager(s, circle_code)
    click.echo(f"manager of {circle_code.upper()} removed")
