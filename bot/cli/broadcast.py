"""`sahayak broadcast create|preview|send|status|pause|resume|cancel|list|send-due`: staff
messages to a segment of consumers (backend.broadcasts), until the dashboard has them.
Outage notices are sent by `sahayak outage add|extend|close --notify` (bot/cli/staff.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from backend.platform.clock import utcnow
from bot.cli.context import CliApp, pass_app

if TYPE_CHECKING:
    from bot.i18n import Renderer


def _render_text(renderer: Renderer):  # noqa: ANN202
    """(key, language, outbox params) -> the text the recipient reads, with the
    composition root's renderer (the one the worker sends with)."""
    from bot.formatting import from_outbox

    def render(key: str, language: str, params: Mapping[str, Any]) -> str:
        return renderer.text(key, language, from_outbox(params), now=utcnow())

    return render


def _progress(done: int, chunks: int, queued: int) -> None:
    click.echo(f"  {done}/{chunks} chunks, {queued:,} queued", err=True)


# ----------------------------------------------------------------------------- inputs


def _body(text: str | None, path: Path | None, name: str) -> str | None:
    if text is not None and path is not None:
        raise click.UsageError(f"give the {name} body as text or as a file, not both")
    if path is None:
        return text
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read the {name} body from {path}: {exc}") from exc


def _paise(rupees: str | None) -> int | None:
    if rupees is None:
        return None
    try:
        value = Decimal(rupees.strip()) * 100
    except InvalidOperation as exc:
        raise click.BadParameter(f"{rupees!r} is not an amount in rupees",
                                 param_hint="--balance-rupees") from exc
    if value != value.to_integral_value() or not value.is_finite():
        raise click.BadParameter("at most two decimals (paise)", param_hint="--balance-rupees")
    return int(value)


def _variables(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: use NUMBER=VALUE, e.g. 1=Patna",
                                     param_hint="--template-var")
        out[key.strip()] = value
    return out


def _when(text: str | None, tz) -> datetime | None:  # noqa: ANN001
    """"YYYY-MM-DD HH:MM" in local (India) time, or ISO 8601 with an offset."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: use YYYY-MM-DD HH:MM (India time)",
                                 param_hint="--at") from exc
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _show(b) -> str:  # noqa: ANN001
    when = b.scheduled_at.isoformat(timespec="minutes") if b.scheduled_at else "-"
    count = "-" if b.recipients is None else f"{b.recipients:,}"
    return (f"{b.id}\t{b.status.value}\t{b.message_class.value}\t{when}\t{count}\t"
            f"{b.title}")


# ----------------------------------------------------------------------------- commands


@click.group()
def broadcast() -> None:
    """Broadcasts: awareness and service messages to a segment of consumers."""


@broadcast.command("create")
@click.option("--title", required=True)
@click.option("--class", "message_class", type=click.Choice(["service", "promotional"]),
              required=True, help="promotional goes out only 10:00-21:00 (rules file).")
@click.option("--body-hi", help="Hindi (Devanagari) text.")
@click.option("--body-hi-file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--body-en", help="English text (GSM-7: plain Latin letters).")
@click.option("--body-en-file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--body-hi-latn", help="Romanized Hindi; without it those readers get English.")
@click.option("--body-hi-latn-file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--template-sid", help="Approved WhatsApp template (HX...) for WhatsApp readers.")
@click.option("--template-var", "template_vars", multiple=True, metavar="N=VALUE")
@click.option("--discom", help="Discom code, e.g. SBPDCL.")
@click.option("--circle", help="Circle code, e.g. PATNA.")
@click.option("--division-id", type=int)
@click.option("--subdivision-id", type=int)
@click.option("--tariff", "tariffs", multiple=True, help="Tariff category; repeat for more.")
@click.option("--language", help="Only readers of hi, hi-Latn or en.")
@click.option("--app-installed/--no-app", "app_installed", default=None,
              help="Latest answer to 'is the app installed?' (no: said no or never asked).")
@click.option("--balance", type=click.Choice(["negative", "zero", "low", "above"]),
              help="low: at or below --balance-rupees; above: more than it.")
@click.option("--balance-rupees", help="The amount for --balance low/above, e.g. 100.")
@click.option("--open-complaint/--no-open-complaint", "open_complaint", default=None)
@click.option("--at", "at_text", help="Send at YYYY-MM-DD HH:MM India time (else a draft).")
@click.option("--staff", required=True, help="Who creates it (kept on the broadcast).")
@pass_app
def create(app: CliApp, title: str, message_class: str, body_hi: str | None,
           body_hi_file: Path | None,
           body_en: str | None, body_en_file: Path | None, body_hi_latn: str | None,
           body_hi_latn_file: Path | None, template_sid: str | None,
           template_vars: tuple[str, ...], discom: str | None, circle: str | None,
           division_id: int | None, subdivision_id: int | None, tariffs: tuple[str, ...],
           language: str | None, app_installed: bool | None, balance: str | None,
           balance_rupees: str | None, open_complaint: bool | None, at_text: str | None,
           staff: str) -> None:
    """Create a broadcast (a draft, or scheduled with --at). Check it with `preview`."""
    from backend.engagement.broadcasts import service
    from backend.engagement.broadcasts.spec import Draft, Segment

    hi = _body(body_hi, body_hi_file, "Hindi")
    en = _body(body_en, body_en_file, "English")
    if hi is None or en is None:
        raise click.UsageError("both a Hindi and an English body are needed "
                               "(--body-hi/--body-hi-file, --body-en/--body-en-file)")
    backend = app.backend()
    now = utcnow()
    draft = Draft(
        title=title, message_class=message_class, body_hi=hi, body_en=en, created_by=staff,
        body_hi_latn=_body(body_hi_latn, body_hi_latn_file, "romanized Hindi"),
        content_sid=template_sid, content_variables=_variables(template_vars),
        segment=Segment(discom=discom, circle=circle, division_id=division_id,
                        subdivision_id=subdivision_id, tariffs=tariffs, language=language,
                        app_installed=app_installed, balance=balance,
                        balance_paise=_paise(balance_rupees), open_complaint=open_complaint),
        scheduled_at=_when(at_text, backend.tz))
    with backend.sessions.begin() as s:
        b = service.create(s, draft, now)
        bid, status = b.id, b.status.value
    click.echo(f"broadcast {bid} created ({status}); next: sahayak broadcast preview {bid}")


@broadcast.command("preview")
@click.argument("broadcast_id", type=int)
@pass_app
def preview(app: CliApp, broadcast_id: int) -> None:
    """Who would get it (per channel and language), who is skipped, SMS cost per language."""
    from backend.engagement.broadcasts import service
    from backend.engagement.broadcasts.spec import Segment

    backend = app.backend()
    with backend.sessions() as s:
        b = service.get(s, broadcast_id)
        segment = Segment.from_dict(b.segment).describe()
        result = service.preview(s, broadcast_id, _render_text(app.components.renderer),
                                 reach=backend.reach)
    click.echo(f"broadcast {broadcast_id}: {segment}")
    click.echo(f"{'channel':<10}{'language':<10}{'recipients':>12}")
    for (channel, language), n in sorted(result.recipients.items()):
        click.echo(f"{channel:<10}{language:<10}{n:>12,}")
    click.echo(f"{'total':<20}{result.total:>12,}")
    click.echo(f"skipped (opted out): {result.skipped_opted_out:,}")
    for language, cost in result.sms.items():
        text = "n/a" if cost is None else f"{cost.segments} segment(s), {cost.encoding}"
        click.echo(f"SMS per message, {language}: {text}")


@broadcast.command("send")
@click.argument("broadcast_id", type=int)
@click.option("--chunk", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Consumers per transaction (progress is shown per chunk).")
@pass_app
def send(app: CliApp, broadcast_id: int, chunk: int) -> None:
    """Queue it into the outbox now (a rerun queues nobody twice)."""
    from backend.engagement.broadcasts import service

    backend = app.backend()
    report = service.send(backend.sessions, broadcast_id, app.components.clock(), chunk=chunk,
                          progress=_progress, window=backend.promotional_window,
                          reach=backend.reach)
    assert report is not None
    click.echo(f"broadcast {broadcast_id}: {report.queued:,} queued now, "
               f"{report.recipients:,} recipients in all, "
               f"{report.skipped_opted_out:,} skipped (opted out)")


@broadcast.command("send-due")
@pass_app
def send_due(app: CliApp) -> None:
    """Send scheduled broadcasts whose time has come (for cron, until the scheduler)."""
    from backend.engagement.broadcasts import service

    backend = app.backend()
    reports = service.send_due(backend.sessions, app.components.clock(), progress=_progress,
                               window=backend.promotional_window, reach=backend.reach)
    for r in reports:
        click.echo(f"broadcast {r.broadcast_id}: {r.queued:,} queued")
    if not reports:
        click.echo("nothing due")


@broadcast.command("status")
@click.argument("broadcast_id", type=int)
@click.option("--recipients", "show", type=click.IntRange(min=0), default=0,
              help="Also list this many recipients (masked).")
@click.option("--outcome", type=click.Choice(["queued", "sent", "delivered", "read", "failed",
                                              "dead", "cancelled"]),
              help="List only recipients with this outcome.")
@click.option("--offset", type=click.IntRange(min=0), default=0)
@pass_app
def status(app: CliApp, broadcast_id: int, show: int, outcome: str | None, offset: int) -> None:
    """Totals from the outbox rows, and optionally recipients one page at a time."""
    from backend.engagement.broadcasts import delivery_report, service

    backend = app.backend()
    with backend.sessions() as s:
        b = service.get(s, broadcast_id)
        click.echo(_show(b))
        totals = delivery_report.totals(s, broadcast_id)
        rows = (delivery_report.recipients(s, broadcast_id, outcome=outcome, limit=show,
                                           offset=offset) if show else [])
    for name in ("queued", "sent", "delivered", "read", "failed", "dead", "cancelled",
                 "skipped_opted_out"):
        click.echo(f"{name:<20}{getattr(totals, name):>12,}")
    click.echo(f"{'recipients':<20}{totals.recipients:>12,}")
    for r in rows:
        sent = r.sent_at.isoformat(timespec="seconds") if r.sent_at else "-"
        click.echo(f"{r.outbox_id}\t{r.channel}\t{r.address}\t{r.language}\t{r.outcome}\t"
                   f"{sent}\t{r.error or ''}")


def _control(app: CliApp, action: str, broadcast_id: int) -> None:
    from backend.engagement.broadcasts import service

    backend = app.backend()
    with backend.sessions.begin() as s:
        if action == "cancel":
            n = service.cancel(s, broadcast_id, utcnow())
            message = f"broadcast {broadcast_id} cancelled; {n:,} unsent message(s) dropped"
        else:
            b = getattr(service, action)(s, broadcast_id, utcnow())
            message = f"broadcast {broadcast_id} {b.status.value}"
    click.echo(message)


@broadcast.command("pause")
@click.argument("broadcast_id", type=int)
@pass_app
def pause(app: CliApp, broadcast_id: int) -> None:
    """Hold it: workers send none of its messages until `resume`."""
    _control(app, "pause", broadcast_id)


@broadcast.command("resume")
@click.argument("broadcast_id", type=int)
@pass_app
def resume(app: CliApp, broadcast_id: int) -> None:
    """Carry on after `pause`."""
    _control(app, "resume", broadcast_id)


@broadcast.command("cancel")
@click.argument("broadcast_id", type=int)
@pass_app
def cancel(app: CliApp, broadcast_id: int) -> None:
    """Stop for good; messages not yet sent are marked cancelled."""
    _control(app, "cancel", broadcast_id)


@broadcast.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@pass_app
def list_(app: CliApp, limit: int) -> None:
    """The latest broadcasts: id, status, class, scheduled time, recipients, title."""
    from backend.engagement.broadcasts import service

    with app.backend().sessions() as s:
        rows = [_show(b) for b in service.list_broadcasts(s, limit)]
    for row in rows:
        click.echo(row)
    if not rows:
        click.echo("no broadcasts yet")
