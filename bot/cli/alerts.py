"""`sahayak alerts scan`: queue the low-balance, recharge and reconnection alerts due now."""

from __future__ import annotations

import click

from bot.cli.context import CliApp, pass_app


@click.group()
def alerts() -> None:
    """Low-balance, recharge and reconnection alerts."""


@alerts.command("scan")
@click.option("--dry-run", is_flag=True, help="Count what would be queued; write nothing.")
@pass_app
def alerts_scan(app: CliApp, dry_run: bool) -> None:
    """Queue the alerts due now into the outbox (a second run straight after queues none)."""
    from backend.engagement.alerts import run_scan

    backend = app.backend()
    result = run_scan(backend.engine, backend.rules, app.components.clock(), tz=backend.tz,
                      dry_run=dry_run, reach=backend.reach)
    click.echo(f"looked at {result.examined} accounts changed since the last scan")
    verb = "would queue" if dry_run else "queued"
    if not result.queued:
        click.echo(f"{verb} no alerts")
    for name, count in sorted(result.queued.items()):
        click.echo(f"{verb} {count:>8} {name}")
    if result.queued:
        click.echo(f"{verb} {result.total:>8} in all")
