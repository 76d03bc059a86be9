"""Daily readings in: validate, map meter/CA numbers to consumers, insert in batches
(a reading already stored for that day is a duplicate, not an error), then apply charges.
The whole import as callers use it is `backend.metering.readings_import`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, select

from backend.metering.charges import ApplyResult, apply_day
from backend.metering.rules import Rules
from backend.models import Consumer, DailyReading, Meter
from backend.platform.dialect import insert_for

MAX_DAILY_KWH = Decimal("1000")  # a household meter cannot use more in a day
MAX_REGISTER_KWH = Decimal("100000000")  # an 8-digit cumulative register
BATCH = 5000
CA_NUMBER = re.compile(r"^[0-9]{9,12}$")
METER_NUMBER = re.compile(r"^[^\x00-\x20\x7f]{1,24}$")  # no blanks or control characters


@dataclass(frozen=True)
class ReadingIn:
    day: date
    units_wh: int
    register_wh: int
    ca_number: str | None = None
    meter_number: str | None = None


@dataclass
class IngestReport:
    inserted: int = 0
    duplicates: int = 0
    unknown: list[str] = field(default_factory=list)  # meter/CA numbers we do not know
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    days: set[date] = field(default_factory=set)
    applied: list[ApplyResult] = field(default_factory=list)


def kwh_to_wh(raw: object, what: str) -> int:
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValueError(f"{what} is not a number: {raw!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be zero or more")
    if value.adjusted() > 12:  # "1e999999999" would overflow the arithmetic below
        raise ValueError(f"{what} is far too large: {raw!r}")
    wh = value * 1000
    if wh != wh.to_integral_value():
        raise ValueError(f"{what} has more than 3 decimals")
    return int(wh)


def parse_reading(row: dict[str, str], today: date) -> ReadingIn:
    """One CSV/API row -> ReadingIn, or ValueError with a reason a person can fix."""
    ca = (row.get("ca_number") or "").strip() or None
    meter = (row.get("meter_number") or "").strip() or None
    if not ca and not meter:
        raise ValueError("needs ca_number or meter_number")
    if ca and not CA_NUMBER.match(ca):
        raise ValueError(f"ca_number must be 9-12 digits, got {ca!r}")
    if meter and not METER_NUMBER.match(meter):
        # PostgreSQL refuses NUL in text: checked here, not as a database error.
        raise ValueError(f"meter_number must be 1-24 visible characters, got {meter!r}")
    try:
        day = date.fromisoformat((row.get("date") or "").strip())
    except ValueError as exc:
        raise ValueError(f"date must be YYYY-MM-DD, got {row.get('date')!r}") from exc
    if day > today:
        raise ValueError(f"date {day} is in the future")
    units = kwh_to_wh(row.get("kwh"), "kwh")
    if units > MAX_DAILY_KWH * 1000:
        raise ValueError(f"kwh {row.get('kwh')} is beyond {MAX_DAILY_KWH} for one day")
    register = kwh_to_wh(row.get("register_kwh") or "0", "register_kwh")
    if register > MAX_REGISTER_KWH * 1000:
        raise ValueError(f"register_kwh {row.get('register_kwh')} is beyond {MAX_REGISTER_KWH}")
    return ReadingIn(day=day, units_wh=units, register_wh=register, ca_number=ca,
                     meter_number=meter)


def _insert_ignoring_duplicates(conn: Connection, rows: list[dict]) -> int:
    table = DailyReading.__table__
    if not rows:
        return 0
    # RETURNING counts what was really inserted: with executemany the driver's rowcount is
    # -1 on PostgreSQL (psycopg), which made every batch report "inserted: -1".
    stmt = (insert_for(conn)(table)
            .on_conflict_do_nothing(index_elements=["consumer_id", "day"])
            .returning(table.c.id))
    return len(conn.execute(stmt, rows).all())


def _consumer_ids(conn: Connection, batch: list[ReadingIn]) -> dict[tuple[str, str], int]:
    cas = {r.ca_number for r in batch if r.ca_number}
    meters = {r.meter_number for r in batch if r.meter_number and not r.ca_number}
    found: dict[tuple[str, str], int] = {}
    if cas:
        for ca, cid in conn.execute(select(Consumer.ca_number, Consumer.id)
                                    .where(Consumer.ca_number.in_(cas))):
            found[("ca", ca)] = cid
    if meters:
        for number, cid in conn.execute(select(Meter.meter_number, Meter.consumer_id)
                                        .where(Meter.meter_number.in_(meters))):
            found[("meter", number)] = cid
    return found


def ingest(conn: Connection, readings: Iterable[ReadingIn], received_at: datetime,
           report: IngestReport | None = None) -> IngestReport:
    """Store readings in batches (caller's transaction); does not apply charges."""
    report = report or IngestReport()
    for batch in _batches(readings, BATCH):
        ids = _consumer_ids(conn, batch)
        rows = []
        for r in batch:
            key = ("ca", r.ca_number) if r.ca_number else ("meter", r.meter_number)
            cid = ids.get(key)  # type: ignore[arg-type]
            if cid is None:
                report.unknown.append(key[1] or "")
                continue
            report.days.add(r.day)
            rows.append(dict(consumer_id=cid, day=r.day, units_wh=r.units_wh,
                             register_wh=r.register_wh, received_at=received_at))
        inserted = _insert_ignoring_duplicates(conn, rows)
        report.inserted += inserted
        report.duplicates += len(rows) - inserted
    return report


def apply_days(conn: Connection, rules: Rules, days: Iterable[date],
               now: datetime) -> list[ApplyResult]:
    """Apply charges day by day, oldest first (slab positions depend on order)."""
    return [apply_day(conn, rules, day, now) for day in sorted(set(days))]


def _batches(items: Iterable[ReadingIn], size: int) -> Iterator[list[ReadingIn]]:
    batch: list[ReadingIn] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
