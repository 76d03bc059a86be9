"""`MeteringService` over our own database."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Row, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from backend.metering import estimate
from backend.metering.disconnection import earliest_cut
from backend.metering.rules import Rules, Tariff
from backend.metering.types import (
    AccountSummary,
    ChargeExplanation,
    ChargeLine,
    DailyUsage,
    LastRecharge,
    Recharge,
)
from backend.models import Account, Consumer, LedgerEntry, LedgerKind, Meter, MeterStatus
from backend.platform.clock import utcnow
from backend.platform.db import read_retrying
from backend.platform.errors import InvalidInput, NotFound

MAX_USAGE_DAYS = 366


def energy_lines(tariff: Tariff, mtd_before_wh: int, units_wh: int,
                 energy_paise: int) -> list[ChargeLine]:
    """Split a day's units over the slabs they fell in ("units × rate" per slab).

    Per-slab rounding may differ from the stored total by a paisa; the last line absorbs
    it so the lines always add up to what was debited."""
    lines: list[ChargeLine] = []
    lower, start, end = 0, mtd_before_wh, mtd_before_wh + units_wh
    for slab in tariff.slabs:
        upper = None if slab.up_to_units is None else slab.up_to_units * 1000
        hi = end if upper is None else min(end, upper)
        overlap = max(0, hi - max(start, lower))
        if overlap:
            amount = (overlap * slab.rate_paise + 500) // 1000
            lines.append(ChargeLine("energy", amount, overlap, slab.rate_paise))
        if upper is None:
            break
        lower = upper
    if not lines:
        return [ChargeLine("energy", energy_paise, 0, tariff.slabs[0].rate_paise)]
    drift = energy_paise - sum(line.amount_paise for line in lines)
    last = lines[-1]
    lines[-1] = ChargeLine("energy", last.amount_paise + drift, last.units_wh, last.rate_paise)
    return lines


#: What the summary shows of CA number `:ca`: the hottest read, one round trip, plain rows
#: (three ORM objects a request cost more CPU than the query).
_SUMMARY = (select(Consumer.ca_number, Consumer.name, Consumer.tariff_category,
                   Account.balance_paise, Account.as_of, Account.recent_spend_paise,
                   Account.recent_charge_days, Account.last_recharge_paise,
                   Account.last_recharge_at, Account.negative_since, Account.arrears_paise,
                   Meter.meter_number, Meter.status, Meter.status_since)
            .join(Account, Account.consumer_id == Consumer.id)
            .join(Meter, Meter.consumer_id == Consumer.id)
            .where(Consumer.ca_number == bindparam("ca")))


def recent_average(account: Account | Row) -> int | None:
    """Average daily charge over the account's recent-spend window (backend.recent_spend),
    the same numbers the alert scan's days-left bands use, so a reply and an alert agree."""
    return estimate.average_daily(account.recent_spend_paise, account.recent_charge_days)


def days_left(account: Account | Row) -> int | None:
    """Whole days the balance lasts at the recent spend (backend.metering.estimate)."""
    return estimate.days_left(account.balance_paise, account.recent_spend_paise,
                              account.recent_charge_days)


_CHARGE_COLUMNS = (LedgerEntry.day, LedgerEntry.amount_paise, LedgerEntry.units_wh,
                   LedgerEntry.mtd_before_wh, LedgerEntry.energy_paise,
                   LedgerEntry.free_units_paise, LedgerEntry.rebate_paise,
                   LedgerEntry.fixed_paise, LedgerEntry.duty_paise, LedgerEntry.arrears_paise)
#: The last `:days` daily charges of CA number `:ca`, newest first, with the tariff; plain
#: rows, not ORM objects (two months of days would otherwise be 60 objects a question).
_USAGE = (select(*_CHARGE_COLUMNS, Consumer.tariff_category)
          .join(Consumer, Consumer.id == LedgerEntry.consumer_id)
          .where(Consumer.ca_number == bindparam("ca"), LedgerEntry.kind == LedgerKind.CHARGE)
          .order_by(LedgerEntry.day.desc())
          .limit(bindparam("days")))


class LocalMeteringService:
    def __init__(self, session_factory: sessionmaker[Session], rules: Rules,
                 clock: Callable[[], datetime] = utcnow, *, tz: ZoneInfo,
                 session: Session | None = None, reads: Engine | None = None) -> None:
        """`tz` is the local time of days and cut windows: the TIMEZONE setting. `reads`:
        the engine for one-statement reads outside a session (`platform.db.read_retrying`),
        by default the sessions' own."""
        self._sessions = session_factory
        self._reads: Engine | None = reads if reads is not None else session_factory.kw.get(
            "bind")
        self._rules = rules
        self._clock = clock
        self._tz = tz
        self._bound = session

    def within(self, session: Session) -> LocalMeteringService:
        """The same service reading through `session` (a webhook's transaction): no second
        connection, ping and rollback per question."""
        return LocalMeteringService(self._sessions, self._rules, self._clock, tz=self._tz,
                                    session=session, reads=self._reads)

    @contextlib.contextmanager
    def _session(self) -> Iterator[Session]:
        if self._bound is not None:
            yield self._bound
            return
        with self._sessions() as session:
            yield session

    def _consumer(self, session: Session, ca_number: str) -> Consumer:
        consumer = session.scalar(select(Consumer).where(Consumer.ca_number == ca_number))
        if consumer is None:
            raise NotFound(f"no consumer with CA number {ca_number}")
        return consumer

    def summary(self, ca_number: str) -> AccountSummary:
        """One statement; outside a session on the reads engine, tried once more if the
        pooled connection was dead (that engine does not pre-ping)."""
        if self._bound is not None or self._reads is None:
            with self._session() as session:
                row = session.execute(_SUMMARY, {"ca": ca_number}).one_or_none()
        else:
            row = read_retrying(
                self._reads, lambda conn: conn.execute(_SUMMARY, {"ca": ca_number}).one_or_none())
        if row is None:
            raise NotFound(f"no consumer with CA number {ca_number}")
        last = None
        if row.last_recharge_at and row.last_recharge_paise:
            last = LastRecharge(row.last_recharge_paise, row.last_recharge_at)
        next_cut = None
        if row.negative_since is not None and row.status == MeterStatus.CONNECTED:
            next_cut = earliest_cut(self._rules.disconnection, row.negative_since,
                                    self._clock(), self._tz)
        return AccountSummary(
            ca_number=row.ca_number, name=row.name, tariff_category=row.tariff_category,
            balance_paise=row.balance_paise, as_of=row.as_of,
            meter_number=row.meter_number, meter_status=str(row.status.value),
            meter_status_since=row.status_since,
            average_daily_paise=recent_average(row), estimated_days_left=days_left(row),
            last_recharge=last, negative_since=row.negative_since,
            next_disconnection_at=next_cut, arrears_paise=row.arrears_paise,
        )

    def usage(self, ca_number: str, days: int) -> list[DailyUsage]:
        if not 1 <= days <= MAX_USAGE_DAYS:
            raise InvalidInput(f"days must be between 1 and {MAX_USAGE_DAYS}")
        with self._session() as session:
            rows = session.execute(_USAGE, {"ca": ca_number, "days": days}).all()
            if not rows:
                self._consumer(session, ca_number)  # NotFound, or no charges yet
                return []
            tariff = self._rules.tariff(rows[0].tariff_category)
            return [DailyUsage(r.day, r.units_wh or 0, -r.amount_paise,
                               tuple(self._lines(tariff, r))) for r in rows]

    def recharges(self, ca_number: str, limit: int = 10) -> list[Recharge]:
        if not 1 <= limit <= 100:
            raise InvalidInput("limit must be between 1 and 100")
        with self._session() as session:
            consumer = self._consumer(session, ca_number)
            rows = session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.consumer_id == consumer.id,
                       LedgerEntry.kind == LedgerKind.RECHARGE)
                .order_by(LedgerEntry.posted_at.desc())
                .limit(limit)
            ).all()
            return [Recharge(r.reference or "", r.amount_paise, r.posted_at, r.source)
                    for r in rows]

    def explain_charge(self, ca_number: str, day: date) -> ChargeExplanation:
        with self._session() as session:
            consumer = self._consumer(session, ca_number)
            entry = session.scalar(
                select(LedgerEntry).where(LedgerEntry.consumer_id == consumer.id,
                                          LedgerEntry.kind == LedgerKind.CHARGE,
                                          LedgerEntry.day == day))
            if entry is None:
                raise NotFound(f"no charge on {day.isoformat()} for CA number {ca_number}")
            tariff = self._rules.tariff(consumer.tariff_category)
            return ChargeExplanation(
                ca_number=ca_number, day=day, units_wh=entry.units_wh or 0,
                month_units_before_wh=entry.mtd_before_wh or 0,
                total_paise=-entry.amount_paise, lines=tuple(self._lines(tariff, entry)),
            )

    @staticmethod
    def _lines(tariff: Tariff, entry: LedgerEntry | Row) -> list[ChargeLine]:
        lines = energy_lines(tariff, entry.mtd_before_wh or 0, entry.units_wh or 0,
                             entry.energy_paise or 0)
        for kind, amount, sign in (("free_units", entry.free_units_paise, -1),
                                   ("rebate", entry.rebate_paise, -1),
                                   ("fixed", entry.fixed_paise, 1),
                                   ("duty", entry.duty_paise, 1),
                                   ("arrears", entry.arrears_paise, 1)):
            if amount:
                lines.append(ChargeLine(kind, sign * amount))
        return lines
