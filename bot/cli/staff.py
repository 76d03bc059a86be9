"""Staff commands until the dashboard: outage notices (`sahayak outage
add|list|extend|close`, each a `backend.engagement.outages` use case), app adoption per
circle (`sahayak report adoption`), complaint status changes and the SLA escalation pass
(`sahayak complaint status|escalate`), and replies to handed-off conversations (all reach
the consumer through the outbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from bot.cli.context import CliApp, pass_app


def _told(kind: str, outcome) -> None:  # noqa: ANN001 - an engagement.outages.OutageOutcome
    """One line about the consumers' notice of an outage change, if one was sent."""
    if outcome.sent is not None:
        click.echo(f"{kind}: broadcast {outcome.sent.broadcast_id}, {outcome.sent.queued:,} "
                   f"queued, {outcome.sent.skipped_opted_out:,} skipped (opted out)")


def _fanned(done: int, chunks: int, queued: int) -> None:
    click.echo(f"  {done}/{chunks} chunks, {queued:,} queued", err=True)


# --- outages ----------------------------------------------------------------------------
@click.group()
def outage() -> None:
    """Outage notices: complaint triage answers "no light" with these."""


@outage.command("add")
@click.option("--circle", "circle_code", help="Circle code (see `sahayak outage list`).")
@click.option("--division-id", type=int)
@click.option("--subdivision-id", type=int)
@click.option("--hours", type=click.FloatRange(0, 24 * 14, min_open=True), default=None,
              help="Expected restoration, hours from now (omit if unknown).")
@click.option("--reason", default="", help="Short reason shown to consumers.")
@click.option("--notify", is_flag=True,
              help="Also message the area's consumers now (sahayak broadcast status ID).")
@click.option("--staff", help="Who posts it (needed with --notify).")
@pass_app
def outage_add(app: CliApp, circle_code: str | None, division_id: int | None,
               subdivision_id: int | None, hours: float | None, reason: str, notify: bool,
               staff: str | None) -> None:
    from backend.engagement.outages import OutageArea, open_outage

    if notify and (not staff or not reason.strip()):
        raise click.UsageError("--notify needs --staff and a --reason consumers can read")
    now = app.components.clock()
    backend = app.backend()
    outcome = open_outage(backend.sessions,
                          OutageArea(circle_code, division_id, subdivision_id), now=now,
                          reason=reason, notify=notify, staff=staff, progress=_fanned,
                          reach=backend.reach,
                          expected_restore_at=None if hours is None
                          else now + timedelta(hours=hours))
    click.echo(f"outage {outcome.notice_id} added")
    _told("outage notice", outcome)


@outage.command("list")
@pass_app
def outage_list(app: CliApp) -> None:
    from backend.care import outages

    backend = app.backend()
    with backend.sessions() as s:
        notices = outages.active(s)
        for n in notices:
            restore = (n.expected_restore_at.astimezone(backend.tz).strftime("%Y-%m-%d %H:%M")
                       if n.expected_restore_at else "unknown")
            click.echo(f"{n.id}\tcircle={n.circle_id} division={n.division_id} "
                       f"subdivision={n.subdivision_id}\trestore={restore}\t{n.reason}")
        if not notices:
            click.echo("no active outages")


@outage.command("extend")
@click.argument("notice_id", type=int)
@click.option("--hours", type=click.FloatRange(0, 24 * 14, min_open=True), required=True,
              help="New expected restoration, hours from now.")
@click.option("--notify", is_flag=True, help="Also tell the area's consumers the new time.")
@click.option("--staff", help="Who extends it (needed with --notify).")
@pass_app
def outage_extend(app: CliApp, notice_id: int, hours: float, notify: bool,
                  staff: str | None) -> None:
    from backend.engagement.outages import extend_outage

    if notify and not staff:
        raise click.UsageError("--notify needs --staff")
    backend, now = app.backend(), app.components.clock()
    outcome = extend_outage(backend.sessions, notice_id,
                            expected_restore_at=now + timedelta(hours=hours), now=now,
                            notify=notify, staff=staff, progress=_fanned, reach=backend.reach)
    assert outcome.expected_restore_at is not None
    restore = outcome.expected_restore_at.astimezone(backend.tz)
    click.echo(f"outage {notice_id} now expected back by {restore:%Y-%m-%d %H:%M}")
    _told("extension notice", outcome)


@outage.command("close")
@click.argument("notice_id", type=int)
@click.option("--notify", is_flag=True, help="Also tell the area's consumers it is restored.")
@click.option("--staff", help="Who closes it (needed with --notify).")
@pass_app
def outage_close(app: CliApp, notice_id: int, notify: bool, staff: str | None) -> None:
    from backend.engagement.outages import close_outage

    if notify and not staff:
        raise click.UsageError("--notify needs --staff")
    backend = app.backend()
    outcome = close_outage(backend.sessions, notice_id, now=app.components.clock(),
                           notify=notify, staff=staff, progress=_fanned, reach=backend.reach)
    click.echo(f"outage {notice_id} closed")
    _told("restored notice", outcome)


# --- reports ----------------------------------------------------------------------------
@click.group()
def report() -> None:
    """Reports for revenue managers."""


@report.command("adoption")
@pass_app
def report_adoption(app: CliApp) -> None:
    """App adoption per circle: connections, answered "is the app installed?", installed."""
    from backend.engagement import adoption

    with app.backend().sessions() as s:
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
@pass_app
def complaint_status(app: CliApp, ticket: str, status: str, note: str, staff: str) -> None:
    from backend.care import complaints

    with app.backend().sessions.begin() as s:
        queued = complaints.change_status(s, ticket, status, note, staff, app.components.clock())
    click.echo(f"{complaints.normalise_ticket(ticket)} -> {status}; {queued} message(s) queued")


@complaint.command("escalate")
@click.option("--dry-run", is_flag=True, help="Count what would happen; write nothing.")
@pass_app
def complaint_escalate(app: CliApp, dry_run: bool) -> None:
    """Escalate open complaints past their SLA: flag them, tell the consumer, send each
    circle's manager one digest. A second run straight after does nothing."""
    from backend.care.escalation import escalate

    backend = app.backend()
    with backend.engine.begin() as conn:
        result = escalate(conn, app.components.clock(), dry_run=dry_run)
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


@click.group()
def handoff() -> None:
    """Conversations handed to a person."""


@handoff.command("list")
@pass_app
def handoff_list(app: CliApp) -> None:
    from backend.care import handoff as service
    from backend.messaging.senders import mask_address

    with app.backend().sessions() as s:
        for c in service.pending(s):
            since = (c.handoff_at or datetime.min.replace(tzinfo=UTC)).isoformat()
            click.echo(f"{c.id}\t{c.channel.value}\t{mask_address(c.address)}\t"
                       f"{c.handoff_reason}\t{since}")


@handoff.command("reply")
@click.argument("contact_id", type=int)
@click.argument("text")
@click.option("--staff", required=True)
@click.option("--release", is_flag=True, help="Hand the conversation back to the bot too.")
@pass_app
def handoff_reply(app: CliApp, contact_id: int, text: str, staff: str, release: bool) -> None:
    from backend.care import handoff as service

    with app.backend().sessions.begin() as s:
        result = service.reply(s, contact_id, text, staff, app.components.clock(),
                               release_after=release)
    click.echo("reply queued" + (" and conversation released" if result.released else ""))
