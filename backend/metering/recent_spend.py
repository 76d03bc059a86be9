"""Each account's recent spend: Σ recurring charges and number of charge days over the
`estimate.average_days` days ending at its last charged day, kept on `accounts` so the
days-left estimate (and the alert scan) needs no ledger aggregate.

Recurring: a day's charge without the once-a-month fixed charge and the duty on it. Counted
in, the fixed charge of the 1st made a month-start week look two or three times as costly
(days left far too low, false 3-day/1-day alerts); replies say the average leaves it out.

`apply_day` moves the window by one day inside the UPDATE it runs anyway: add the day's
charge, drop the charge that left the window (one joined row). Accounts that skipped days
sum their few charges inside the window again. `rebuild` recomputes every account from the
ledger; it runs when the configured window differs from the one the sums were kept for
(the migration backfills with 7 days, the shipped default).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)

from backend.metering import counters
from backend.metering.rules import Rules
from backend.models import Account, LedgerEntry, LedgerKind

accounts = Account.__table__
ledger = LedgerEntry.__table__


def days_before(day: date, n: int) -> date | None:
    """`day` minus `n` days; None before the calendar starts (a reading may say year 1)."""
    return day - timedelta(days=n) if day.toordinal() > n else None


def recurring(amount: ColumnElement, fixed: ColumnElement, duty_bp: int) -> ColumnElement:
    """A ledger charge (≤ 0 paise) without its monthly fixed charge and that charge's duty
    (rounded half up as in backend.metering.charges; never above zero). NULL stays NULL."""
    monthly = func.coalesce(fixed, 0)
    monthly = monthly + (monthly * duty_bp + 5000) // 10000
    net = amount + monthly
    return case((net > 0, literal(0)), else_=net)


def moved_window(day: date, window: int, charge: ColumnElement,
                 dropped: ColumnElement, duty_bp: int) -> dict[str, ColumnElement]:
    """SET values for accounts charged `charge` (recurring, ≤ 0 paise) on `day`; `dropped`
    is the account's recurring charge of `day - window` (NULL if none), which leaves it."""
    last = accounts.c.last_charged_day
    spent = -charge
    cut, yesterday = days_before(day, window), days_before(day, 1)
    fresh = last.is_(None) if cut is None else or_(last.is_(None), last <= cut)
    contiguous = false() if yesterday is None else last == yesterday
    past = ledger.alias("past")
    earlier = and_(past.c.consumer_id == accounts.c.consumer_id,
                   past.c.kind == LedgerKind.CHARGE.value,
                   true() if cut is None else past.c.day > cut, past.c.day < day)
    # Only reached for accounts that skipped days: few rows, through the unique charge index.
    earlier_spent = (select(func.coalesce(func.sum(
        -recurring(past.c.amount_paise, past.c.fixed_paise, duty_bp)), 0))
                     .where(earlier).correlate(accounts).scalar_subquery())
    earlier_days = select(func.count()).select_from(past).where(earlier).correlate(
        accounts).scalar_subquery()
    return {
        "recent_spend_paise": case(
            (contiguous, accounts.c.recent_spend_paise + spent
             + func.coalesce(dropped, 0)),  # dropped ≤ 0: its spend leaves
            (fresh, spent), else_=spent + earlier_spent),
        "recent_charge_days": case(
            (contiguous, accounts.c.recent_charge_days + 1
             - case((dropped.is_(None), 0), else_=1)),
            (fresh, literal(1)), else_=earlier_days + 1),
    }


def _days_before(conn: Connection, day: ColumnElement, n: int) -> ColumnElement:
    if conn.dialect.name == "postgresql":
        return day - literal(n)  # date - integer is a date
    return func.date(day, f"-{n} days")


def rebuild(conn: Connection, window: int, duty_bp: int) -> None:
    """Recompute every account's recent spend from the ledger, set-based, and mark the
    accounts changed (their days-left band may have moved)."""
    last = accounts.c.last_charged_day
    inside = and_(ledger.c.consumer_id == accounts.c.consumer_id,
                  ledger.c.kind == LedgerKind.CHARGE.value,
                  ledger.c.day > _days_before(conn, last, window), ledger.c.day <= last)
    seq = counters.next_change(conn)
    conn.execute(update(accounts).values(
        recent_spend_paise=select(func.coalesce(func.sum(
            -recurring(ledger.c.amount_paise, ledger.c.fixed_paise, duty_bp)), 0))
        .where(inside).correlate(accounts).scalar_subquery(),
        recent_charge_days=select(func.count()).select_from(ledger).where(inside)
        .correlate(accounts).scalar_subquery(),
        change_seq=seq))
    counters.put(conn, counters.SPEND_WINDOW, window)


def ensure_window(conn: Connection, rules: Rules) -> bool:
    """Rebuild when the sums were kept for another window than the rules'; True if it did."""
    if counters.get(conn, counters.SPEND_WINDOW) == rules.average_days:
        return False
    rebuild(conn, rules.average_days, rules.charges.duty_bp)
    return True
