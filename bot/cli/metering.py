"""`sahayak metering summary|apply-day|disconnect`: the metering service (the local
database, or METERING_URL) from the command line."""

from __future__ import annotations

import json

import click

from bot.cli.context import CliApp, pass_app


@click.group()
def metering() -> None:
    """Ask the metering service (local database, or METERING_URL)."""


@metering.command("summary")
@click.argument("ca_number")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def metering_summary(app: CliApp, ca_number: str, as_json: bool) -> None:
    """Balance, days left, last recharge and meter status of one consumer."""
    from backend.metering.types import to_jsonable
    from bot.formatting import rupees

    summary = app.backend().metering.summary(ca_number)
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
@pass_app
def metering_apply_day(app: CliApp, day) -> None:  # noqa: ANN001
    """Charge every account that has a reading for DAY (idempotent)."""
    from backend.metering.charges import apply_day

    backend = app.backend()
    with backend.engine.begin() as conn:
        result = apply_day(conn, backend.rules, day.date(), app.components.clock())
    click.echo(f"{result.day}: charged {result.charged}, turned negative "
               f"{result.turned_negative}, skipped {result.skipped}")


@metering.command("disconnect")
@pass_app
def metering_disconnect(app: CliApp) -> None:
    """Cut meters negative past the grace period, if now is inside the cut window."""
    from backend.metering.disconnection import apply_disconnections

    backend = app.backend()
    with backend.engine.begin() as conn:
        cut = apply_disconnections(conn, backend.rules.disconnection, app.components.clock(),
                                   backend.tz)
    click.echo(f"disconnected {cut} meters")
