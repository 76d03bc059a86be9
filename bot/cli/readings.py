"""`sahayak readings import`: daily meter readings from a CSV, then charges and alerts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.context import CliApp, pass_app


@click.group()
def readings() -> None:
    """Daily meter readings."""


@readings.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def readings_import(app: CliApp, csv_file: Path) -> None:
    """Load a CSV (ca_number or meter_number, date, kwh, register_kwh), then charge.

    Bad rows are reported with their line numbers; good rows are loaded."""
    from backend.engagement.readings_intake import import_and_alert

    backend = app.backend()
    with open(csv_file, "rb") as handle:
        lines = max(0, sum(1 for _ in handle) - 1)
    with click.progressbar(length=lines, label="importing readings", file=sys.stderr) as bar:
        seen = 1  # the header

        def advance(line: int) -> None:
            nonlocal seen
            bar.update(line - seen)
            seen = line

        intake = import_and_alert(backend.engine, backend.rules, backend.tz, csv_file,
                                  app.components.clock(), progress=advance,
                                  reach=backend.reach)
    report, alerts = intake.report, intake.alerts
    click.echo(f"loaded {report.inserted} readings ({report.duplicates} already present)")
    for day_result in report.applied:
        click.echo(f"  {day_result.day}: charged {day_result.charged} accounts")
    if alerts is not None:
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
