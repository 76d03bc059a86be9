"""`sahayak`: the command line. Each command builds what it needs from settings when run."""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import select

from backend.metering.types import to_jsonable
from backend.platform.clock import local_day, utcnow
from backend.platform.errors import DomainError
from backend.platform.settings import Settings
from bot.cli_backend import command_backend
from bot.formatting import rupees
from nlu.cli import nlu_group


def _settings() -> Settings:
    return Settings()


_backend = command_backend


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """Bijli Sahayak — assistant for smart prepaid electricity meter consumers."""
    from pydantic import ValidationError

    try:
        settings = _settings()
    except ValidationError as exc:
        raise click.ClickException(f"bad configuration: {exc}") from None
    level = logging.DEBUG if verbose else getattr(logging, settings.log_level.upper(),
                                                    logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


main.add_command(nlu_group)


# --- database -------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the latest)."""
    from backend.platform import migrate

    settings = _settings()
    migrate.upgrade(settings.database_url, revision)
    click.echo(f"database at revision {migrate.current_revision(settings.database_url)}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ("base" removes every table)."""
    from backend.platform import migrate

    migrate.downgrade(_settings().database_url, revision)
    click.echo(f"database at revision {migrate.current_revision(_settings().database_url)}")


# --- serving --------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              envvar="WEB_CONCURRENCY",
              help="Server processes sharing the port (env WEB_CONCURRENCY); about one per core.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app (landing page, REST API, docs, channel webhooks)."""
    import uvicorn

    from bot.app import create_app
    from bot.settings import AppSettings

    settings = AppSettings()
    try:  # built here even with --workers, so a bad SCHEDULER_* schedule stops us now
        app = create_app(settings, scheduler=settings.scheduler_embedded)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Bijli Sahayak on http://{host}:{port}  (API docs: /docs)"
               + (f", {workers} worker processes" if workers > 1 else ""))
    click.echo(channels_line(settings))
    click.echo("scheduler: embedded (one process runs the jobs; SCHEDULER_EMBEDDED=0 if a "
               "`sahayak scheduler` runs them)" if settings.scheduler_embedded
               else "scheduler: not embedded (run `sahayak scheduler`)")
    if not settings.operator_api_keys:
        click.echo("note: OPERATOR_API_KEYS is not set, so the REST API refuses every call")
    if workers > 1:  # each worker process builds its own app from the environment
        uvicorn.run("bot.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level=settings.log_level.lower())
    else:
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower())


@main.command()
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--poll-interval", default=1.0, show_default=True, type=float,
              help="Seconds to sleep when there is nothing to send.")
@click.option("--worker-id", default=None, help="Name in logs (default host:pid).")
@click.option("--concurrency", default=16, show_default=True, type=click.IntRange(1, 64),
              help="Sends in flight at once within a batch (rate per worker x provider "
              "latency, e.g. 50/s x 0.3 s = 15).")
@click.option("--lease", "lease_s", default=300.0, show_default=True,
              type=click.FloatRange(1, 86_400),
              help="Seconds a claimed batch stays this worker's; a killed worker's batch is "
              "sent again after it.")
def worker(batch_size: int, poll_interval: float, worker_id: str | None, concurrency: int,
           lease_s: float) -> None:
    """Send queued outbox messages until stopped (Ctrl-C / SIGTERM). Run several at once
    on PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED, and OUTBOX_RATE_LIMITS
    hold for all workers together."""
    import signal
    import threading

    from pydantic import ValidationError

    from backend.engagement.broadcasts.window import BROADCAST_HOLD
    from backend.messaging.pace import RateLimits
    from backend.messaging.retry import RetryPolicy
    from backend.messaging.worker import run_worker
    from backend.platform import migrate
    from backend.services import build_backend
    from bot.delivery import build_sender
    from bot.settings import AppSettings

    try:
        settings = AppSettings()
        limits = RateLimits.from_settings(settings)
    except (ValidationError, ValueError) as exc:
        raise click.ClickException(f"bad configuration: {exc}") from None
    problem = migrate.schema_problem(settings.database_url)
    if problem:
        raise click.ClickException(problem)
    backend = build_backend(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        sender = build_sender(settings, backend.sessions)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    on = settings.enabled_channels() or (["telegram"] if settings.telegram_bot_token else [])
    fallback = "HTTP gateway" if settings.outbox_http_url else "console: logged, not sent"
    click.echo(f"outbox worker started (channels: {', '.join(on) or 'none'}; "
               f"others: {fallback})")
    if limits.rates:
        click.echo("rate limits (msg/s, all workers together): " + ", ".join(
            f"{c}={r:g}" for c, r in sorted(limits.rates.items())))
    totals = run_worker(backend.sessions, sender, stop_event=stop,
                        poll_interval_s=poll_interval, batch_size=batch_size,
                        policy=RetryPolicy.from_settings(backend.settings), worker_id=worker_id,
                        lease_s=lease_s, limits=limits, concurrency=concurrency,
                        hold=BROADCAST_HOLD)
    click.echo(f"worker stopped: sent {totals.sent}, retried {totals.retried}, "
               f"dead {totals.dead}, throttled {totals.throttled}")


# --- demo data ------------------------------------------------------------------------------
@main.group()
def demo() -> None:
    """Synthetic demo consumers."""


@demo.command("seed")
@click.option("--consumers", default=200, show_default=True, type=click.IntRange(1, 5_000_000))
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 400))
@click.option("--seed", "seed_", default=7, show_default=True, type=int,
              help="Random seed: the same seed gives the same consumers.")
@click.option("--end-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day of history (default: yesterday, India time).")
@click.option("--if-empty", is_flag=True, help="Do nothing if there are consumers already.")
def demo_seed(consumers: int, days: int, seed_: int, end_date, if_empty: bool) -> None:  # noqa: ANN001
    """Create realistic synthetic consumers with readings, recharges and charges."""
    from backend.demo import seed as demo_mod

    backend = _backend()
    end = end_date.date() if end_date else local_day(utcnow(), backend.tz) - timedelta(days=1)
    with backend.engine.begin() as conn:
        if if_empty and not demo_mod.is_empty(conn):
            click.echo("demo data already present: nothing to do")
            return
        with click.progressbar(length=consumers, label="seeding consumers",
                               file=sys.stderr) as bar:
            report = demo_mod.seed(conn, backend.rules, consumers=consumers, days=days,
                                   seed=seed_, end_day=end, now=utcnow(),
                                   progress=bar.update)
    click.echo(f"seeded {report.consumers} consumers, {report.days} days "
               f"({report.readings} readings, {report.recharges} recharges); "
               f"{report.negative} negative, {report.disconnected} disconnected")
    click.echo("try: sahayak demo accounts")


@demo.command("accounts")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo_accounts(limit: int, as_json: bool) -> None:
    """Demo consumers to pretend to be: CA number, registered mobile, balance."""
    from backend.models import Account, Consumer, Meter

    backend = _backend()
    with backend.sessions() as session:
        rows = session.execute(
            select(Consumer.ca_number, Consumer.name, Consumer.mobile_e164, Consumer.language,
                   Account.balance_paise, Meter.status)
            .join(Account, Account.consumer_id == Consumer.id)
            .join(Meter, Meter.consumer_id == Consumer.id)
            .order_by(Consumer.id).limit(limit)).all()
    if as_json:
        click.echo(json.dumps([dict(ca_number=r[0], name=r[1], mobile=r[2], language=r[3],
                                    balance_paise=r[4], meter_status=str(r[5].value))
                               for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no consumers yet: run `sahayak demo seed`")
        return
    click.echo(f"{'CA number':<12} {'mobile':<14} {'balance':>12}  {'meter':<12} name")
    for ca, name, mobile, _lang, balance, status in rows:
        click.echo(f"{ca:<12} {mobile:<14} {rupees(balance):>12}  {status.value:<12} {name}")


# --- metering -------------------------------------------------------------------------------
@main.group()
def metering() -> None:
    """Ask the metering service (local database, or METERING_URL)."""


@metering.command("summary")
@click.argument("ca_number")
@click.option("--json", "as_json", is_flag=True)
def metering_summary(ca_number: str, as_json: bool) -> None:
    """Balance, days left, last recharge and meter status of one consumer."""
    try:
        summary = _backend().metering.summary(ca_number)
    except DomainError as exc:
        raise click.ClickException(exc.reason) from exc
    if as_json:
        click.echo(json.dumps(to_jsonable(summary), ensure_ascii=False, indent=2))
        return
    click.echo(f"{summary.name} (CA {summary.ca_number}, {summary.tariff_category})")
    click.echo(f"balance      {rupees(summary.balance_paise)}  "
               f"as of {summary.as_of:%Y-%m-%d %H:%M} UTC")
    if summary.estimated_days_left is not None:
        click.echo(f"days left    about {summary.estimated_days_left} "
                   f"(average {rupees(summary.average_daily_paise or 0)}/day)")
    if summary.last_recharge:
        click.echo(f"last recharge {rupees(summary.last_recharge.amount_paise)} on "
                   f"{summary.last_recharge.at:%Y-%m-%d}")
    click.echo(f"meter        {summary.meter_number} {summary.meter_status}")
    if summary.next_disconnection_at:
        click.echo(f"may be cut from {summary.next_disconnection_at:%Y-%m-%d %H:%M} UTC")


@metering.command("apply-day")
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
def metering_apply_day(day) -> None:  # noqa: ANN001
    """Charge every account that has a reading for DAY (idempotent)."""
    from backend.metering.charges import apply_day

    backend = _backend()
    with backend.engine.begin() as conn:
        result = apply_day(conn, backend.rules, day.date(), utcnow())
    click.echo(f"{result.day}: charged {result.charged}, turned negative "
               f"{result.turned_negative}, skipped {result.skipped}")


@metering.command("disconnect")
def metering_disconnect() -> None:
    """Cut meters negative past the grace period, if now is inside the cut window."""
    from backend.metering.disconnection import apply_disconnections

    backend = _backend()
    with backend.engine.begin() as conn:
        cut = apply_disconnections(conn, backend.rules.disconnection, utcnow(), backend.tz)
    click.echo(f"disconnected {cut} meters")


# --- readings -------------------------------------------------------------------------------
@main.group()
def readings() -> None:
    """Daily meter readings."""


@readings.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def readings_import(csv_file: Path) -> None:
    """Load a CSV (ca_number or meter_number, date, kwh, register_kwh), then charge.

    Bad rows are reported with their line numbers; good rows are loaded."""
    from backend.metering.readings import IngestReport, apply_days, ingest, read_csv

    backend = _backend()
    now = utcnow()
    report = IngestReport()
    with open(csv_file, "rb") as handle:
        lines = max(0, sum(1 for _ in handle) - 1)
    with click.progressbar(length=lines, label="importing readings", file=sys.stderr) as bar:
        seen = 1  # the header

        def advance(line: int) -> None:
            nonlocal seen
            bar.update(line - seen)
            seen = line

        try:
            with backend.engine.begin() as conn:
                ingest(conn, read_csv(csv_file, local_day(now, backend.tz), report, advance),
                       now, report)
                report.applied = apply_days(conn, backend.rules, report.days, now)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"loaded {report.inserted} readings ({report.duplicates} already present)")
    for day_result in report.applied:
        click.echo(f"  {day_result.day}: charged {day_result.charged} accounts")
    if report.applied:
        from backend.engagement.alerts import run_scan

        alerts = run_scan(backend.engine, backend.rules, utcnow())
        click.echo(f"alert scan: {alerts.examined} changed accounts, queued "
                   + (", ".join(f"{n} {name}" for name, n in sorted(alerts.queued.items()))
                      or "no alerts"))
    if report.unknown:
        click.echo(f"{len(report.unknown)} rows name unknown meters/consumers, e.g. "
                   f"{', '.join(report.unknown[:5])}", err=True)
    for line, reason in report.errors[:50]:
        click.echo(f"line {line}: {reason}", err=True)
    if len(report.errors) > 50:
        click.echo(f"... and {len(report.errors) - 50} more bad rows", err=True)


# --- talking to the assistant ---------------------------------------------------------------
@main.command()
@click.option("--as", "address", required=True, metavar="PHONE",
              help="Who you are: a phone (+91…) for whatsapp/sms, a chat id for telegram. "
              "A demo consumer's mobile (sahayak demo accounts) is recognised at once.")
@click.option("--channel", type=click.Choice(["whatsapp", "sms", "telegram"]),
              default="whatsapp", show_default=True,
              help="Which channel to pretend to be: buttons, SMS numbered lists and Rs.")
def chat(address: str, channel: str) -> None:
    """Talk to the assistant against the local database (DATABASE_URL).

    Interactive on a terminal; otherwise reads one message per line from stdin and prints
    the replies, so conversations can be scripted. One-time codes go to the outbox; here
    they are printed too, as this is the local demo (or run `sahayak worker`)."""
    import uuid

    from sqlalchemy import func

    from backend.models import OutboxMessage
    from bot.dialogue.types import SMS, TELEGRAM, WHATSAPP, InboundMessage
    from bot.i18n import translate
    from bot.wiring import build_assistant

    if logging.getLogger().level > logging.DEBUG:  # identity/NLU info lines clutter a chat
        logging.getLogger().setLevel(logging.WARNING)
    capabilities = {"whatsapp": WHATSAPP, "sms": SMS, "telegram": TELEGRAM}[channel]
    backend = _backend()
    assistant = build_assistant(backend)
    engine, renderer = assistant.engine, assistant.renderer
    with backend.sessions() as session:
        try:
            seen = session.scalar(select(func.max(OutboxMessage.id))) or 0
        except Exception as exc:  # noqa: BLE001 - most likely an unmigrated database
            raise click.ClickException(f"database not ready ({type(exc).__name__}): "
                                       "run `sahayak db upgrade` and `sahayak demo seed`") from exc
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"Bijli Sahayak chat as {address} on {channel}. Type a message; numbers "
                   "pick options; Ctrl-D or /quit to leave.")

    def lines():  # noqa: ANN202 - generator of user lines
        while True:
            try:
                line = input("you> ") if interactive else sys.stdin.readline()
            except EOFError:
                return
            if not interactive and line == "":
                return
            yield line.rstrip("\n")

    for text in lines():
        if text.strip() in ("/quit", "/exit"):
            break
        if not text.strip():
            continue
        now = utcnow()
        message = InboundMessage(channel=channel, address=address, text=text,  # type: ignore[arg-type]
                                 message_id=uuid.uuid4().hex, received_at=now)
        try:
            replies, language = engine.handle_with_language(message)
        except DomainError as exc:
            raise click.ClickException(exc.reason) from exc
        if not interactive:
            click.echo(f"you> {text}")
        for reply in replies:
            out = renderer.render(reply, language, capabilities, now=now)
            click.echo("bot> " + out.text.replace("\n", "\n     "))
            if out.buttons:
                click.echo("     " + "  ".join(f"[{i}] {label}"
                                               for i, (label, _) in enumerate(out.buttons, 1)))
        with backend.sessions() as session:
            queued = session.scalars(select(OutboxMessage).where(OutboxMessage.id > seen)
                                     .order_by(OutboxMessage.id)).all()
        for item in queued:
            seen = item.id
            if item.message_key == "otp.code":
                body = translate(item.message_key, item.language, item.params)
                click.echo(f"     (SMS to the registered mobile, from the outbox: {body})")


def channels_line(settings: Settings) -> str:
    """Which channels `serve` answers on, and the webhook URLs to give the providers."""
    from bot.settings import AppSettings

    names = settings.enabled_channels() if isinstance(settings, AppSettings) else []
    if not names:
        return ("channels: none on (set TWILIO_* + PUBLIC_BASE_URL for WhatsApp/SMS, "
                "TELEGRAM_BOT_TOKEN + TELEGRAM_WEBHOOK_SECRET for Telegram)")
    paths = {"whatsapp": "/webhooks/twilio/whatsapp", "sms": "/webhooks/twilio/sms",
             "telegram": "/webhooks/telegram"}
    base = getattr(settings, "public_base_url", None) or ""
    return "channels on: " + ", ".join(f"{n} ({base}{paths[n]})" for n in names)


# --- Telegram -------------------------------------------------------------------------------
@main.group()
def telegram() -> None:
    """Telegram bot: poll for development, or register the webhook."""


@telegram.command("poll")
def telegram_poll() -> None:
    """Answer Telegram by long polling (no public URL needed; removes any webhook)."""
    from telegram import Update

    from bot.channels.telegram import TelegramChannel
    from bot.settings import AppSettings
    from bot.wiring import build_assistant

    settings = AppSettings()
    if settings.telegram_bot_token is None:
        raise click.ClickException("set TELEGRAM_BOT_TOKEN first")
    from backend.services import build_backend

    backend = build_backend(settings)
    channel = TelegramChannel.from_settings(settings, build_assistant(backend), webhook=False)
    click.echo("polling Telegram; Ctrl-C to stop")
    channel.application.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
    backend.close()


@telegram.command("set-webhook")
@click.argument("url", required=False)
def telegram_set_webhook(url: str | None) -> None:
    """Point Telegram at URL (default PUBLIC_BASE_URL/webhooks/telegram), with the secret
    token Telegram will send back in every call."""
    import asyncio

    from telegram.ext import Application

    from bot.channels.telegram import configure_builder
    from bot.settings import AppSettings

    settings = AppSettings()
    if not (settings.telegram_bot_token and settings.telegram_webhook_secret):
        raise click.ClickException("set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first")
    url = url or (f"{settings.public_base_url}/webhooks/telegram"
                  if settings.public_base_url else None)
    if not url or not url.startswith("https://"):
        raise click.ClickException("give an https:// URL (or set PUBLIC_BASE_URL)")
    application = configure_builder(Application.builder(), settings).updater(None).build()

    async def register() -> bool:
        async with application.bot as bot:
            return await bot.set_webhook(
                url, secret_token=settings.telegram_webhook_secret.get_secret_value(),
                allowed_updates=["message", "callback_query"])

    try:
        asyncio.run(register())
    except Exception as exc:  # noqa: BLE001 - show the Bot API's refusal, not a traceback
        raise click.ClickException(f"Telegram refused: {type(exc).__name__}: {exc}") from exc
    click.echo(f"Telegram webhook set to {url}")


# --- alerts ---------------------------------------------------------------------------------
@main.group()
def alerts() -> None:
    """Low-balance, recharge and reconnection alerts."""


@alerts.command("scan")
@click.option("--dry-run", is_flag=True, help="Count what would be queued; write nothing.")
def alerts_scan(dry_run: bool) -> None:
    """Queue the alerts due now into the outbox (a second run straight after queues none)."""
    from backend.engagement.alerts import run_scan

    backend = _backend()
    result = run_scan(backend.engine, backend.rules, utcnow(), dry_run=dry_run)
    click.echo(f"looked at {result.examined} accounts changed since the last scan")
    verb = "would queue" if dry_run else "queued"
    if not result.queued:
        click.echo(f"{verb} no alerts")
    for name, count in sorted(result.queued.items()):
        click.echo(f"{verb} {count:>8} {name}")
    if result.queued:
        click.echo(f"{verb} {result.total:>8} in all")


# --- commands kept in their own modules -----------------------------------------------------
def _add_command_modules() -> None:
    """Staff (outages, adoption, complaints, handoffs), broadcasts, outbox, revenue managers
    and the scheduler. Imported here, once `main` exists: they use this module's helpers."""
    from bot import cli_broadcast, cli_manager, cli_outbox, cli_scheduler
    from bot.cli_staff import COMMANDS

    for command in (*COMMANDS, cli_broadcast.broadcast, cli_outbox.outbox):
        main.add_command(command)
    for module in (cli_manager, cli_scheduler):
        module.register(main)


_add_command_modules()

if __name__ == "__main__":  # pragma: no cover
    main()
