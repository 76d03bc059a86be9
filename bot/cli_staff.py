"""Staff commands until the dashboard: outage notices (`sahayak outage add|list|close`),
app adoption per circle (`sahayak report adoption`), complaint status changes and replies
to handed-off conversations (both reach the consumer through the outbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import select

from backend.platform.clock import utcnow
from backend.platform.errors import DomainError
from bot.cli_backend import command_backend

_backend = command_backend


def _fail(exc: DomainError) -> click.ClickException:
    return click.ClickException(exc.reason)


# --- outages ----------------------------------------------------------------------------
@click.group()
def outage() -> None:
    """Outage notices: complaint triage answers "no light" with these."""


@outage.command("add")
@click.option("--circle", "circle_code", help="Circle code (see `sahayak outage list`).")
@click.option("--division-id", type=int)
@click.option("--subdivision-id", type=int)
@click.option("--hours", type=float, default=None,
              help="Expected restoration, hours from now (omit if unknown).")
@click.option("--reason", default="", help="Short reason shown to consumers.")
@click.option("--notify", is_flag=True,
              help="Also message the area's consumers now (sahayak broadcast status ID).")
@click.option("--staff", help="Who posts it (needed with --notify).")
def outage_add(circle_code: str | None, division_id: int | None, subdivision_id: int | None,
               hours: float | None, reason: str, notify: bool, staff: str | None) -> None:
    from backend.care import outages
    from backend.models import Circle

    if notify and (not staff or not reason.strip()):
        raise click.UsageError("--notify needs --staff and a --reason consumers can read")
    backend = _backend()
    now = utcnow()
    with backend.sessions.begin() as s:
        circle_id = None
        if circle_code:
            circle_id = s.scalars(select(Circle.id).where(Circle.code == circle_code)).first()
            if circle_id is None:
                raise click.ClickException(f"no circle {circle_code}")
        try:
            notice = outages.add(s, now=now, circle_id=circle_id, division_id=division_id,
                                 subdivision_id=subdivision_id, reason=reason,
                                 expected_restore_at=None if hours is None
                                 else now + timedelta(hours=hours))
        except DomainError as exc:
            raise _fail(exc) from exc
        notice_id = notice.id
        click.echo(f"outage {notice_id} added")
    if notify and staff:
        from bot.cli_broadcast import notify_outage

        notify_outage(backend, notice_id, restored=False, staff=staff)


@outage.command("list")
def outage_list() -> None:
    from backend.care import outages

    backend = _backend()
    with backend.sessions() as s:
        notices = outages.active(s)
        for n in notices:
            restore = (n.expected_restore_at.astimezone(backend.tz).strftime("%Y-%m-%d %H:%M")
                       if n.expected_restore_at else "unknown")
            click.echo(f"{n.id}\tcircle={n.circle_id} division={n.division_id} "
                       f"subdivision={n.subdivision_id}\trestore={restore}\t{n.reason}")
        if not notices:
            click.echo("no active outages")


@outage.command("close")
@click.argument("notice_id", type=int)
@click.option("--notify", is_flag=True, help="Also tell the area's consumers it is restored.")
@click.option("--staff", help="Who closes it (needed with --notify).")
def outage_close(notice_id: int, notify: bool, staff: str | None) -> None:
    from backend.care import outages

    if notify and not staff:
        raise click.UsageError("--notify needs --staff")
    backend = _backend()
    with backend.sessions.begin() as s:
        try:
            outages.close(s, notice_id)
        except DomainError as exc:
            raise _fail(exc) from exc
    click.echo(f"outage {notice_id} closed")
    if notify and staff:
        from bot.cli_broadcast import notify_outage

        notify_outage(backend, notice_id, restored=True, staff=staff)


# --- reports ----------------------------------------------------------------------------
@click.group()
def report() -> None:
    """Reports for revenue managers."""


@report.command("adoption")
def report_adoption() -> None:
    """App adoption per circle: connections, answered "is the app installed?", installed."""
    from backend.engagement import adoption

    with _backend().sessions() as s:
        rows = adoption.per_circle(s)
    click.echo(f"{'circle':<16}{'consumers':>10}{'answered':>10}{'installed':>10}{'%':>7}")
    for r in rows:
        click.echo(f"{r.circle:<16}{r.consumers:>10}{r.answered:>10}{r.installed:>10}"
                   f"{r.percent:>6.1f}%")


# --- complaints and handoffs --------------------------------------------------------------
@click.group()
def complaint() -> None:
    """Complaints: show one, change its status (pushed to the consumer)."""


@complaint.command("status")
@click.argument("ticket")
@click.argument("status", type=click.Choice(["open", "in_progress", "resolved", "closed"]))
@click.option("--note", default="")
@click.option("--staff", required=True, help="Who makes the change (kept in the history).")
def complaint_status(ticket: str, status: str, note: str, staff: str) -> None:
    from backend.care import complaints

    with _backend().sessions.begin() as s:
        try:
            queued = complaints.change_status(s, ticket, status, note, staff, utcnow())
        except DomainError as exc:
            raise _fail(exc) from exc
    click.echo(f"{complaints.normalise_ticket(ticket)} -> {status}; {queued} message(s) queued")


@click.group()
def handoff() -> None:
    """Conversations handed to a person."""


@handoff.command("list")
def handoff_list() -> None:
    from backend.care import handoff as service
    from backend.messaging.senders import mask_address

    with _backend().sessions() as s:
        for c in service.pending(s):
            since = (c.handoff_at or datetime.min.replace(tzinfo=UTC)).isoformat()
            click.echo(f"{c.id}\t{c.channel.value}\t{mask_address(c.address)}\t"
                       f"{c.handoff_reason}\t{since}")


@handoff.command("reply")
@click.argument("contact_id", type=int)
@click.argument("text")
@click.option("--staff", required=True)
@click.option("--release", is_flag=True, help="Hand the conversation back to the bot too.")
def handoff_reply(contact_id: int, text: str, staff: str, release: bool) -> None:
    from backend.care import handoff as service
    from backend.models import Contact

    with _backend().sessions.begin() as s:
        try:
            service.staff_reply(s, contact_id, text, staff, utcnow())
        except DomainError as exc:
            raise _fail(exc) from exc
        if release:
            contact = s.get(Contact, contact_id)
            if contact is not None:
                service.release(s, contact)
    click.echo("reply queued" + (" and conversation released" if release else ""))


COMMANDS = (outage, report, complaint, handoff)
