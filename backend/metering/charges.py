"""Daily charges from readings, applied set-based: one INSERT…SELECT computes every
account's charge for a day with its breakdown, one UPDATE…FROM moves the balance snapshots.

The tariff is compiled from the rules file into SQL CASE expressions, so the arithmetic lives
in one place and runs inside the database whatever the number of accounts. All arithmetic is
integer: energy in Wh, rates in paise/kWh, percentages in basis points, rounding half up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from backend.metering import counters, recent_spend
from backend.metering.rules import Rules, Tariff
from backend.models import (
    Account,
    Consumer,
    DailyReading,
    EventKind,
    LedgerEntry,
    LedgerKind,
    MeterEvent,
)
from backend.platform.clock import month_key

ledger = LedgerEntry.__table__
accounts = Account.__table__
readings = DailyReading.__table__
consumers = Consumer.__table__
events = MeterEvent.__table__


def _least(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    return case((a < b, a), else_=b)


def _greatest(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    return case((a > b, a), else_=b)


def _round_div(numerator: ColumnElement, divisor: int) -> ColumnElement:
    """Integer division rounding half up, for non-negative numerators (both dialects)."""
    return (numerator + divisor // 2) // divisor


def _slab_milli_paise(tariff: Tariff, start: ColumnElement, end: ColumnElement,
                      cap_wh: int | None = None) -> ColumnElement:
    """Σ rate × (units of [start, end) inside each slab, and below cap_wh if given).

    Result is paise × 1000 (rate paise/kWh × Wh)."""
    total: ColumnElement = literal(0)
    lower = 0
    for slab in tariff.slabs:
        upper = None if slab.up_to_units is None else slab.up_to_units * 1000
        if cap_wh is not None:
            upper = cap_wh if upper is None else min(upper, cap_wh)
        if upper is not None and upper <= lower:
            break
        hi = end if upper is None else _least(end, literal(upper))
        overlap = _greatest(hi - _greatest(start, literal(lower)), literal(0))
        total = total + overlap * slab.rate_paise
        if upper is None:
            break
        lower = upper
    return total


def _by_category(rules: Rules, category: ColumnElement, build) -> ColumnElement:  # noqa: ANN001
    whens = [(category == code, build(tariff)) for code, tariff in rules.tariffs.items()]
    return case(*whens, else_=literal(0))


@dataclass(frozen=True)
class ApplyResult:
    day: date
    charged: int
    turned_negative: int
    skipped: int  # readings of the day left uncharged: the account was already past that day


def charge_select(rules: Rules, day: date, posted_at: datetime):
    """SELECT of (consumer_id, breakdown…) for every uncharged reading of `day`."""
    month = month_key(day)
    same_month = accounts.c.mtd_month == month
    mtd = case((same_month, accounts.c.mtd_units_wh), else_=literal(0))
    units = readings.c.units_wh
    end = mtd + units
    cat = consumers.c.tariff_category
    free_wh = rules.charges.free_units_per_month * 1000
    free_cats = rules.charges.free_units_categories

    def free_for(tariff: Tariff) -> ColumnElement:
        if tariff.code not in free_cats or free_wh <= 0:
            return literal(0)
        return _slab_milli_paise(tariff, mtd, end, cap_wh=free_wh)

    energy = _round_div(_by_category(rules, cat, lambda t: _slab_milli_paise(t, mtd, end)), 1000)
    free = _round_div(_by_category(rules, cat, free_for), 1000)
    # The monthly fixed charge goes with the first charge of the month.
    fixed = case(
        (same_month, literal(0)),
        else_=_round_div(
            _by_category(rules, cat, lambda t: literal(t.fixed_paise_per_kw_month))
            * consumers.c.sanctioned_load_w, 1000),
    )
    instalment = func.coalesce(accounts.c.arrears_instalment_paise,
                               rules.charges.arrears_daily_instalment_paise)
    arrears = _least(accounts.c.arrears_paise, instalment)
    step1 = (
        select(
            readings.c.consumer_id, units.label("units_wh"), mtd.label("mtd_before_wh"),
            energy.label("energy"), free.label("free"), fixed.label("fixed"),
            _greatest(arrears, literal(0)).label("arrears"),
        )
        .select_from(readings.join(consumers, consumers.c.id == readings.c.consumer_id)
                     .join(accounts, accounts.c.consumer_id == readings.c.consumer_id))
        .where(readings.c.day == day,
               or_(accounts.c.last_charged_day.is_(None), accounts.c.last_charged_day < day))
        .cte("step1")
    )
    net = step1.c.energy - step1.c.free
    rebate = _round_div(net * rules.charges.rebate_bp, 10000)
    step2 = select(step1, rebate.label("rebate")).cte("step2")
    taxable = step2.c.energy - step2.c.free - step2.c.rebate + step2.c.fixed
    duty = _round_div(taxable * rules.charges.duty_bp, 10000)
    total = taxable + duty + step2.c.arrears
    return select(
        step2.c.consumer_id,
        literal(LedgerKind.CHARGE.value).label("kind"),
        (-total).label("amount_paise"),
        literal(day).label("day"),
        literal(posted_at, LedgerEntry.posted_at.type).label("posted_at"),
        step2.c.units_wh, step2.c.mtd_before_wh,
        step2.c.energy.label("energy_paise"), step2.c.free.label("free_units_paise"),
        step2.c.rebate.label("rebate_paise"), step2.c.fixed.label("fixed_paise"),
        duty.label("duty_paise"), step2.c.arrears.label("arrears_paise"),
    )


_CHARGE_COLUMNS = ["consumer_id", "kind", "amount_paise", "day", "posted_at", "units_wh",
                   "mtd_before_wh", "energy_paise", "free_units_paise", "rebate_paise",
                   "fixed_paise", "duty_paise", "arrears_paise"]


def _record_turned_negative(conn: Connection, day: date, now: datetime) -> int:
    """Events for accounts this run pushed below zero: found through the small partial
    index on `negative_since` (just set to `now`), not by rescanning the day's charges."""
    charge = (
        select(ledger.c.amount_paise)
        .where(ledger.c.consumer_id == accounts.c.consumer_id, ledger.c.day == day,
               ledger.c.kind == LedgerKind.CHARGE.value)
        .scalar_subquery()
    )  # one row by the unique charge index
    crossed = (
        select(accounts.c.consumer_id, literal(EventKind.BALANCE_NEGATIVE.value),
               literal(now, MeterEvent.at.type), -charge, accounts.c.balance_paise)
        # Positive before this day's charge: not one already negative since `now`.
        .where(accounts.c.negative_since == literal(now, Account.negative_since.type),
               accounts.c.balance_paise - charge >= 0)
    )
    # Counted apart: psycopg reports rowcount -1 for INSERT…SELECT here.
    count = conn.execute(select(func.count()).select_from(crossed.subquery())).scalar_one()
    if count:
        conn.execute(insert(events).from_select(
            ["consumer_id", "kind", "at", "amount_paise", "balance_paise"], crossed))
    return count


def _refresh_statistics(conn: Connection, table: str) -> None:
    """A day's bulk rows make the planner's estimates stale (it would expect one row and
    pick nested loops); sampling statistics costs a fraction of a second on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {table}")


def apply_day(conn: Connection, rules: Rules, day: date, now: datetime) -> ApplyResult:
    """Charge every account that has a reading for `day` and was not charged for it yet.

    Runs in the caller's transaction; idempotent (a second run charges nobody). Also moves
    each charged account's recent-spend window and stamps it with a new change value."""
    window, duty_bp = rules.average_days, rules.charges.duty_bp
    recent_spend.ensure_window(conn, rules)
    _refresh_statistics(conn, "daily_readings")
    conn.execute(insert(ledger).from_select(_CHARGE_COLUMNS, charge_select(rules, day, now)))
    _refresh_statistics(conn, "ledger_entries")
    today, gone = ledger.alias("today"), ledger.alias("gone")
    left_window = recent_spend.days_before(day, window)  # its charge leaves the window
    # The day's charge with the one leaving the recent window (a hash join of two days).
    charged_rows = (
        select(today.c.consumer_id, today.c.amount_paise, today.c.mtd_before_wh,
               today.c.units_wh, today.c.arrears_paise,
               recent_spend.recurring(today.c.amount_paise, today.c.fixed_paise,
                                      duty_bp).label("recurring"),
               recent_spend.recurring(gone.c.amount_paise, gone.c.fixed_paise,
                                      duty_bp).label("dropped"))
        .select_from(today.outerjoin(gone, and_(
            gone.c.consumer_id == today.c.consumer_id,
            false() if left_window is None else gone.c.day == left_window,
            gone.c.kind == LedgerKind.CHARGE.value)))
        .where(today.c.day == day, today.c.kind == LedgerKind.CHARGE.value)
        .subquery("charged")
    )
    todays = and_(charged_rows.c.consumer_id == accounts.c.consumer_id,
                  or_(accounts.c.last_charged_day.is_(None), accounts.c.last_charged_day < day))
    new_balance = accounts.c.balance_paise + charged_rows.c.amount_paise
    seq = counters.next_change(conn)  # before the accounts are locked (see backend.counters)
    charged = conn.execute(
        update(accounts)
        .where(todays)
        .values(
            balance_paise=new_balance,
            as_of=now,
            mtd_month=month_key(day),
            mtd_units_wh=charged_rows.c.mtd_before_wh + charged_rows.c.units_wh,
            last_charged_day=day,
            arrears_paise=accounts.c.arrears_paise - charged_rows.c.arrears_paise,
            negative_since=case(
                (new_balance >= 0, None),
                (accounts.c.negative_since.is_(None), literal(now, Account.negative_since.type)),
                else_=accounts.c.negative_since,
            ),
            change_seq=seq,
            **recent_spend.moved_window(day, window, charged_rows.c.recurring,
                                        charged_rows.c.dropped, duty_bp),
        )
    ).rowcount
    turned_negative = _record_turned_negative(conn, day, now)
    # Two index counts, not a per-row anti-join: this runs over every account each day.
    readings_that_day = conn.execute(
        select(func.count()).select_from(readings).where(readings.c.day == day)).scalar_one()
    charges_that_day = conn.execute(
        select(func.count()).select_from(ledger)
        .where(ledger.c.day == day, ledger.c.kind == LedgerKind.CHARGE.value)).scalar_one()
    skipped = readings_that_day - charges_that_day
    return ApplyResult(day, charged, turned_negative, skipped)
