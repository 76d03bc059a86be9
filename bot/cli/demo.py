"""`sahayak demo seed|accounts`: synthetic demo consumers."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click

from bot.cli.context import CliApp, pass_app


@click.group()
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
@pass_app
def demo_seed(app: CliApp, consumers: int, days: int, seed_: int, end_date,  # noqa: ANN001
              if_empty: bool) -> None:
    """Create realistic synthetic consumers with readings, recharges and charges."""
    from backend.demo import seed as demo_mod
    from backend.platform.clock import local_day

    backend = app.backend()
    now = app.components.clock()
    end = end_date.date() if end_date else local_day(now, backend.tz) - timedelta(days=1)
    with backend.engine.begin() as conn:
        if if_empty and not demo_mod.is_empty(conn):
            click.echo("demo data already present: nothing to do")
            return
        with click.progressbar(length=consumers, label="seeding consumers",
                               file=sys.stderr) as bar:
            report = demo_mod.seed(conn, backend.rules, consumers=consumers, days=days,
                                   seed=seed_, end_day=end, now=now, tz=backend.tz,
                                   progress=bar.update)
    click.echo(f"seeded {report.consumers} consumers, {report.days} days "
               f"({report.readings} readings, {report.recharges} recharges); "
               f"{report.negative} negative, {report.disconnected} disconnected")
    click.echo("try: sahayak demo accounts")


@demo.command("accounts")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def demo_accounts(app: CliApp, limit: int, as_json: bool) -> None:
    """Demo consumers to pretend to be: CA number, registered mobile, balance."""
    from sqlalchemy import select

    from backend.models import Account, Consumer, Meter
    from bot.formatting import rupees

    with app.backend().sessions() as session:
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
