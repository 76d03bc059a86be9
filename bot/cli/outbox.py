"""`sahayak outbox dead|retry|stats`: dead letters with their error (addresses masked),
requeueing them after a fix, and counts by status and channel."""

from __future__ import annotations

import json

import click

from backend.platform.clock import utcnow
from bot.cli.context import CliApp, pass_app


@click.group()
def outbox() -> None:
    """Outbox messages: dead letters, requeueing, counts."""


@outbox.command("dead")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--channel", default=None, help="Only this channel (whatsapp, sms, ...).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_app
def dead(app: CliApp, limit: int, channel: str | None, as_json: bool) -> None:
    """Dead letters, newest first: id, channel, masked address, message key, attempts,
    when queued (UTC) and the last error."""
    from backend.messaging.admin import dead_letters

    with app.backend().sessions() as session:
        letters = dead_letters(session, limit=limit, channel=channel)
    for d in letters:
        if as_json:
            click.echo(json.dumps({"id": d.id, "channel": d.channel, "to": d.masked_address,
                                   "key": d.message_key, "attempts": d.attempts,
                                   "queued_at": d.queued_at.isoformat(),
                                   "error": d.last_error}, ensure_ascii=False))
        else:
            click.echo(f"#{d.id}\t{d.channel}\t{d.masked_address}\t{d.message_key}\t"
                       f"{d.attempts}\t{d.queued_at:%Y-%m-%d %H:%M:%S}\t{d.last_error or '-'}")
    if not letters and not as_json:
        click.echo("no dead letters" + (f" on {channel}" if channel else ""))


@outbox.command("retry")
@click.argument("ids", nargs=-1, required=True, type=click.IntRange(1))
@pass_app
def retry(app: CliApp, ids: tuple[int, ...]) -> None:
    """Queue dead letters IDS again, with a fresh set of attempts. Messages that are not
    dead (unknown, pending, being sent, sent) are left alone and make the exit code 1."""
    from backend.messaging.admin import requeue

    with app.backend().sessions.begin() as session:
        done = requeue(session, ids, utcnow())
    if done:
        click.echo(f"requeued {len(done)}: " + " ".join(f"#{i}" for i in done))
    left = sorted(set(ids) - set(done))
    if left:
        raise click.ClickException("not dead letters, left alone: "
                                   + " ".join(f"#{i}" for i in left))


@outbox.command("stats")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def stats(app: CliApp, as_json: bool) -> None:
    """Messages by channel and status."""
    from backend.messaging.admin import counts
    from backend.models import OutboxStatus

    with app.backend().sessions() as session:
        table = counts(session)
    if as_json:
        click.echo(json.dumps(table, sort_keys=True))
        return
    statuses = [s.value for s in OutboxStatus]
    click.echo("channel\t" + "\t".join(statuses) + "\ttotal")
    for channel in sorted(table):
        row = [table[channel].get(s, 0) for s in statuses]
        click.echo(f"{channel}\t" + "\t".join(map(str, row)) + f"\t{sum(row)}")
    totals = [sum(t.get(s, 0) for t in table.values()) for s in statuses]
    click.echo("all\t" + "\t".join(map(str, totals)) + f"\t{sum(totals)}")

