"""Deterministic synthetic consumers for demos and benchmarks.

Realistic enough to talk to: both discoms' districts, Indian names, mobiles in the obviously
fake +91 70000 xxxxx range, seasonal daily consumption, recharges, arrears, some accounts
negative and cut. Loaded in bulk; charges are then applied by the real set-based code."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from backend.demo.data import (
    DISCOMS,
    DISTRICTS,
    FEMALE_NAMES,
    FEMALE_ONLY_SURNAMES,
    MALE_NAMES,
    MALE_ONLY_SURNAMES,
    METER_MAKERS,
    SURNAMES,
)
from backend.metering.charges import apply_day
from backend.metering.counters import next_change
from backend.metering.disconnection import apply_disconnections
from backend.metering.rules import Rules
from backend.models import (
    Account,
    Circle,
    Consumer,
    DailyReading,
    Discom,
    Division,
    LedgerEntry,
    Meter,
    Subdivision,
)
from backend.platform import bulk

FAKE_MOBILE_BASE = 7_000_000_000  # +91 70000 00000 upwards: not handed out to people
CA_BASE = {"SBPDCL": 100_000_000, "NBPDCL": 200_000_000}
# Relative consumption by month: hot, humid summers and a mild winter.
SEASON = [0.75, 0.7, 0.85, 1.1, 1.35, 1.4, 1.3, 1.25, 1.15, 0.95, 0.8, 0.75]
CATEGORIES = [("DS-I", 0.45), ("DS-II", 0.45), ("NDS-II", 0.10)]


@dataclass(frozen=True)
class SeedReport:
    consumers: int
    days: int
    readings: int
    recharges: int
    negative: int
    disconnected: int


def _local_noon(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(12), tz).astimezone(UTC)


def is_empty(conn: Connection) -> bool:
    return not conn.execute(select(func.count()).select_from(Consumer)).scalar_one()


def _ensure_org(conn: Connection) -> list[int]:
    """Discoms, one circle per district, two divisions and four subdivisions each.

    Returns subdivision ids in a stable order."""
    if conn.execute(select(func.count()).select_from(Discom)).scalar_one():
        return list(conn.execute(select(Subdivision.id).order_by(Subdivision.id)).scalars())
    subdivisions = []
    for d_id, (code, (name, name_hi)) in enumerate(DISCOMS.items(), start=1):
        conn.execute(Discom.__table__.insert(), [dict(id=d_id, code=code, name=name,
                                                      name_hi=name_hi)])
        for district, district_hi in DISTRICTS[code]:
            circle_id = conn.execute(Circle.__table__.insert().values(
                discom_id=d_id, code=district.upper().replace(" ", "_"),
                name=district, name_hi=district_hi)).inserted_primary_key[0]
            for side, side_hi in (("East", "पूर्वी"), ("West", "पश्चिमी")):
                div_id = conn.execute(Division.__table__.insert().values(
                    circle_id=circle_id, name=f"{district} {side}",
                    name_hi=f"{district_hi} {side_hi}")).inserted_primary_key[0]
                for n in (1, 2):
                    subdivisions.append(conn.execute(Subdivision.__table__.insert().values(
                        division_id=div_id, name=f"{district} {side} {n}",
                        name_hi=f"{district_hi} {side_hi} {n}")).inserted_primary_key[0])
    for table in (Circle.__table__, Division.__table__, Subdivision.__table__):
        bulk.bump_sequence(conn, table)
    return subdivisions


def _circles_by_subdivision(conn: Connection) -> dict[int, tuple[int, str]]:
    rows = conn.execute(
        select(Subdivision.id, Circle.id, Discom.code)
        .join(Division, Division.id == Subdivision.division_id)
        .join(Circle, Circle.id == Division.circle_id)
        .join(Discom, Discom.id == Circle.discom_id))
    return {sub: (circle, discom) for sub, circle, discom in rows}


def seed(conn: Connection, rules: Rules, *, consumers: int, days: int, seed: int = 7,
         end_day: date, now: datetime, tz: ZoneInfo, batch: int = 5000,
         progress: Callable[[int], None] | None = None) -> SeedReport:
    """Add `consumers` consumers with `days` days of history ending `end_day` (inclusive).

    Each day is charged as if processed at local noon (`tz`, the TIMEZONE setting) the day
    after, but never later than `now`."""
    rng = random.Random(seed)
    subdivisions = _ensure_org(conn)
    circle_of = _circles_by_subdivision(conn)
    start_id = (conn.execute(select(func.max(Consumer.id))).scalar() or 0) + 1
    first_day = end_day - timedelta(days=days - 1)
    created = _local_noon(first_day, tz) - timedelta(days=1)
    counters = {"readings": 0, "recharges": 0}
    change = next_change(conn)

    for offset in range(0, consumers, batch):
        rows = _generate(rng, rules, start_id + offset, min(batch, consumers - offset),
                         subdivisions, circle_of, first_day, days, created,
                         counters, change, tz)
        for table, columns, values in rows:
            bulk.bulk_insert(conn, table, columns, values)
        if progress:
            progress(min(batch, consumers - offset))
    for table in (Consumer.__table__, Meter.__table__, LedgerEntry.__table__,
                  DailyReading.__table__):
        bulk.bump_sequence(conn, table)

    for i in range(days):
        apply_day(conn, rules, first_day + timedelta(days=i),
                  min(now, _local_noon(first_day + timedelta(days=i + 1), tz)))
    cut = apply_disconnections(conn, rules.disconnection, now, tz, respect_window=False)
    negative = conn.execute(select(func.count()).select_from(Account)
                            .where(Account.balance_paise < 0)).scalar_one()
    return SeedReport(consumers, days, counters["readings"], counters["recharges"],
                      negative, cut)


def _name(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return f"{rng.choice(MALE_NAMES)} {rng.choice(SURNAMES + MALE_ONLY_SURNAMES)}"
    return f"{rng.choice(FEMALE_NAMES)} {rng.choice(SURNAMES + FEMALE_ONLY_SURNAMES)}"


def _generate(rng: random.Random, rules: Rules, first_id: int, count: int,
              subdivisions: list[int], circle_of: dict[int, tuple[int, str]],
              first_day: date, days: int, created: datetime,
              counters: dict[str, int], change: int, tz: ZoneInfo) -> list[tuple]:
    consumers, meters, accounts, readings, ledger = [], [], [], [], []
    weights = [w for _, w in CATEGORIES]
    for cid in range(first_id, first_id + count):
        sub = rng.choice(subdivisions)
        circle, discom = circle_of[sub]
        category = rng.choices([c for c, _ in CATEGORIES], weights)[0]
        load_w = rng.choice([1000, 1000, 2000, 2000, 3000, 5000])
        name = _name(rng)
        language = "hi" if rng.random() < 0.85 else "en"
        ca = str(CA_BASE[discom] + cid)
        consumers.append((cid, ca, name, f"+91{FAKE_MOBILE_BASE + cid}", language, category,
                          load_w, circle, sub, created))
        meters.append((cid, cid, f"{rng.choice(METER_MAKERS)}{cid:08d}", "connected",
                       created))
        # Typical daily units: most homes 3-8 kWh, some much more.
        base_kwh = rng.lognormvariate(math.log(5 if category != "NDS-II" else 9), 0.45)
        forgetful = rng.random() < 0.08
        arrears = rng.choice([0] * 8 + [150_000, 420_000])
        opening = rng.randrange(20_000, 150_000, 100)
        balance_estimate = opening
        register = rng.randrange(1_000_000, 9_000_000)
        last_recharge: tuple[datetime, int] | None = None
        recharged = 0
        daily_cost = int(base_kwh * rules.tariff(category).slabs[0].rate_paise * 1.1) + 3000
        for i in range(days):
            day = first_day + timedelta(days=i)
            factor = SEASON[day.month - 1] * rng.uniform(0.7, 1.3)
            wh = int(base_kwh * factor * 1000)
            register += wh
            readings.append((cid, day, wh, register,
                             _local_noon(day + timedelta(days=1), tz)))
            balance_estimate -= daily_cost
            stop_recharging = forgetful and i > days - 12
            if balance_estimate < daily_cost * 3 and not stop_recharging:
                amount = rng.choice([20_000, 30_000, 50_000, 50_000, 100_000, 200_000])
                at = _local_noon(day, tz) + timedelta(minutes=rng.randrange(-240, 400))
                ref = f"DEMO{cid:08d}D{i:04d}"
                ledger.append((cid, "recharge", amount, day, at, ref,
                               rng.choice(["upi", "app", "upi", "counter", "wallet"])))
                balance_estimate += amount
                recharged += amount
                last_recharge = (at, amount)
        if forgetful:
            opening = min(opening, daily_cost * 2)
        ledger.append((cid, "adjustment", opening, first_day, created, f"OPEN{cid:08d}",
                       None))
        credits = opening + recharged
        accounts.append((cid, credits, created, None, 0, None,
                         created if credits < 0 else None, arrears, None,
                         last_recharge[0] if last_recharge else None,
                         last_recharge[1] if last_recharge else None, change))
    counters["readings"] += len(readings)
    counters["recharges"] += sum(1 for e in ledger if e[1] == "recharge")
    return [
        (Consumer.__table__, ["id", "ca_number", "name", "mobile_e164", "language",
                              "tariff_category", "sanctioned_load_w", "circle_id",
                              "subdivision_id", "created_at"], consumers),
        (Meter.__table__, ["id", "consumer_id", "meter_number", "status", "status_since"],
         meters),
        (Account.__table__, ["consumer_id", "balance_paise", "as_of", "mtd_month",
                             "mtd_units_wh", "last_charged_day", "negative_since",
                             "arrears_paise", "arrears_instalment_paise", "last_recharge_at",
                             "last_recharge_paise", "change_seq"], accounts),
        (LedgerEntry.__table__, ["consumer_id", "kind", "amount_paise", "day", "posted_at",
                                 "reference", "source"], ledger),
        (DailyReading.__table__, ["consumer_id", "day", "units_wh", "register_wh",
                                  "received_at"], readings),
    ]
