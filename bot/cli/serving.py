"""`sahayak serve | worker | scheduler`: the long-running processes, each built from the
composition root's components."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING

import click

from bot.cli.context import CliApp, pass_app

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.composition import Components
    from bot.settings import AppSettings


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              envvar="WEB_CONCURRENCY",
              help="Server processes sharing the port (env WEB_CONCURRENCY); about one per core.")
@pass_app
def serve(app: CliApp, host: str, port: int, workers: int) -> None:
    """Serve the web app (landing page, REST API, docs, channel webhooks)."""
    import uvicorn

    from bot.app import create_app

    settings = app.settings
    app.components.refuse_demo_placeholders()  # production: no dummy links to consumers
    _check_web_chat(settings)
    # built here even with --workers, so a bad SCHEDULER_* schedule stops us now
    web = create_app(app.components, scheduler=settings.scheduler_embedded)
    click.echo(f"Bijli Sahayak on http://{host}:{port}  (API docs: /docs)"
               + (f", {workers} worker processes" if workers > 1 else ""))
    click.echo(f"mode: {settings.app_env}")
    click.echo(channels_line(settings))
    if settings.web_chat_on:
        click.echo(WEB_CHAT_WARNING + (" (forced in production by WEB_CHAT_FORCE=1: no demo "
                   "consumers, account data only after a one-time code)"
                   if not settings.is_demo else ""), err=True)
    if not settings.allowed_hosts and not settings.is_demo:
        click.echo("note: ALLOWED_HOSTS is not set, so any Host header is accepted; set it "
                   "to this server's public host name(s)")
    click.echo("scheduler: embedded (one process runs the jobs; SCHEDULER_EMBEDDED=0 if a "
               "`sahayak scheduler` runs them)" if settings.scheduler_embedded
               else "scheduler: not embedded (run `sahayak scheduler`)")
    if not settings.operator_api_keys:
        click.echo("note: OPERATOR_API_KEYS is not set, so the REST API refuses every call")
    level = settings.log_level.upper()
    app_level = logging.getLevelName(logging.getLogger().getEffectiveLevel())  # -v: DEBUG
    if workers > 1:  # each worker process builds its own app from the environment
        # Start-up work happens here, once, before any worker takes traffic: the NLU model
        # is trained (if missing or stale) and saved, so workers only load the file. Two
        # workers training at once on a busy machine missed uvicorn's health check and
        # were killed and restarted, over and over.
        prepare_workers(app.components, web)
        uvicorn.run("bot.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level=level.lower(), log_config=log_config(app_level),
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)
    else:
        uvicorn.run(web, host=host, port=port, log_level=level.lower(),
                    log_config=log_config(app_level))


#: Seconds a worker may take to answer uvicorn's health check (uvicorn's default: 5).
#: Loading the saved model takes well under that; this is slack for a loaded machine.
WORKER_HEALTHCHECK_S = 30
LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


def prepare_workers(components: Components, web: FastAPI) -> None:
    """Load (training and saving if needed) the NLU model in the parent when the app
    will use it: some channel receives, or the web chat is on."""
    if web.state.channels.assistant is not None or components.settings.web_chat_on:
        components.parser.parse("namaste")


def log_config(level: str) -> dict:
    """uvicorn's logging configuration plus ours for the app's loggers (the root logger),
    with the process id on each line. uvicorn applies it in every worker process (they
    are spawned: the CLI's logging set-up does not reach them), so the app's own lines
    appear from each worker."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["app"] = {"format": LOG_FORMAT}
    config["handlers"]["app"] = {"class": "logging.StreamHandler", "formatter": "app",
                                 "stream": "ext://sys.stderr"}
    config["root"] = {"handlers": ["app"], "level": level}
    config["loggers"]["alembic"] = {"level": "WARNING"}
    return config


WEB_CHAT_WARNING = ("WARNING: the web chat is on at /chat: anyone who can reach this server "
                    "can talk to the assistant there, as a demo consumer in demo mode")


def _check_web_chat(settings: AppSettings) -> None:
    """The web chat is a demo: production refuses to start with it unless forced."""
    if settings.web_chat_enabled and not settings.web_chat_on:
        raise click.ClickException(
            "WEB_CHAT_ENABLED=1 is refused with APP_ENV=production (the web chat is a demo "
            "page open to anyone): unset it, use APP_ENV=demo, or set WEB_CHAT_FORCE=1 to "
            "serve it anyway")


def channels_line(settings: AppSettings) -> str:
    """Which channels are on, with the webhook URLs to give the providers."""
    from bot.channels.registry import channels_summary

    return channels_summary(settings)


@click.command()
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
@pass_app
def worker(app: CliApp, batch_size: int, poll_interval: float, worker_id: str | None,
           concurrency: int, lease_s: float) -> None:
    """Send queued outbox messages until stopped (Ctrl-C / SIGTERM). Run several at once
    on PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED, and OUTBOX_RATE_LIMITS
    hold for all workers together."""
    from backend.engagement.broadcasts.window import broadcast_hold
    from backend.messaging.pace import RateLimits
    from backend.messaging.retry import RetryPolicy
    from backend.messaging.worker import run_worker

    settings = app.settings
    limits = RateLimits.from_settings(settings)
    backend = app.backend()
    stop = _stop_on_signals()
    sender = app.components.sender  # the composition root's renderer: helpline and all
    from bot.channels.registry import enabled_channels

    on = enabled_channels(settings)
    fallback = "HTTP gateway" if settings.outbox_http_url else "console: logged, not sent"
    click.echo(f"outbox worker started (channels: {', '.join(on) or 'none'}; "
               f"others: {fallback})")
    if limits.rates:
        click.echo("rate limits (msg/s, all workers together): " + ", ".join(
            f"{c}={r:g}" for c, r in sorted(limits.rates.items())))
    totals = run_worker(backend.sessions, sender, stop_event=stop,
                        poll_interval_s=poll_interval, batch_size=batch_size,
                        policy=RetryPolicy.from_settings(settings), worker_id=worker_id,
                        lease_s=lease_s, limits=limits, concurrency=concurrency,
                        hold=broadcast_hold(backend.promotional_window))
    click.echo(f"worker stopped: sent {totals.sent}, retried {totals.retried}, "
               f"dead {totals.dead}, throttled {totals.throttled}")


@click.command("scheduler")
@pass_app
def scheduler(app: CliApp) -> None:
    """Run the scheduled jobs until stopped (Ctrl-C / SIGTERM). Several may run: one
    holds the lock and runs the jobs (alert scan, complaint SLA escalation, disconnection
    sweep, due broadcasts), the others wait to take over."""
    from backend.scheduler import NextRun, SchedulerService

    backend = app.backend()

    def show(runs: list[NextRun]) -> None:
        click.echo("scheduler is the leader; jobs:")
        for run in runs:
            when = (run.next_run_at.strftime("%Y-%m-%d %H:%M:%S %Z") if run.next_run_at
                    else "paused")
            click.echo(f"  {run.id:<22} {run.trigger:<28} next {when}")
        if not runs:
            click.echo("  (none: every SCHEDULER_* schedule is off)")

    service = SchedulerService(backend, on_leader=show)
    stop = _stop_on_signals()
    service.start()
    service.first_attempt.wait(60)
    if not service.is_leader and not stop.is_set():
        click.echo("scheduler on standby: another instance holds the lock; trying again every "
                   f"{service.retry_s:g} s")
    while not stop.wait(1.0):
        pass
    click.echo("scheduler stopping (waiting for running jobs)")
    service.stop()
    backend.close()
    click.echo("scheduler stopped")
