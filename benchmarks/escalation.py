"""Complaint SLA escalation pass on PostgreSQL.

For each size N: a scratch database, `demo.seed` of N consumers (1 day of history), a
verified WhatsApp contact for every consumer, one open complaint per consumer of which
half are past due, a revenue manager for every circle but one. Then `escalation.escalate`
twice: the first flags and notifies every overdue ticket, the second (straight after) must
do nothing; then 100 more tickets fall due and a third pass escalates just those (the
steady state of a pass every 10 minutes). Prints seconds and counts.

    .venv/bin/python -m benchmarks.escalation --sizes 100000,300000
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from backend.care.escalation import escalate
from backend.demo import seed as demo
from backend.metering.rules import load_rules
from backend.platform import migrate
from backend.platform.db import make_engine
from backend.platform.settings import DEFAULT_RULES_FILE, DEFAULT_TIMEZONE
from benchmarks._pg import scratch_database
from benchmarks._seed import add_contacts

END_DAY = date(2026, 7, 1)
NOW = datetime(2026, 7, 2, 7, 0, tzinfo=UTC)
TZ = ZoneInfo(DEFAULT_TIMEZONE)  # the default TIMEZONE


def run(url: str, n: int) -> dict:
    rules = load_rules(DEFAULT_RULES_FILE)
    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        demo.seed(conn, rules, consumers=n, days=1, end_day=END_DAY, now=NOW, tz=TZ)
        add_contacts(conn, NOW, "whatsapp")
        # One open ticket each; even ids were due an hour ago, odd ids are due tomorrow.
        conn.execute(text(
            "INSERT INTO complaints (ticket, consumer_id, category, urgent, status, "
            "description, reports, created_at, due_at, updated_at) "
            "SELECT 'BX' || c.id, c.id, 'no_supply', true, 'open', '', 1, :created, "
            "CASE WHEN c.id % 2 = 0 THEN :past ELSE :future END, :created FROM consumers c"),
            {"created": NOW - timedelta(hours=5), "past": NOW - timedelta(hours=1),
             "future": NOW + timedelta(days=1)})
        conn.execute(text(
            "INSERT INTO circle_managers (circle_id, name, mobile_e164, channel, language, "
            "updated_at) SELECT id, 'Manager ' || code, '+9198765' || lpad(id::text, 5, '0'), "
            "'sms', 'hi', :now FROM circles WHERE id > (SELECT min(id) FROM circles)"),
            {"now": NOW})
        circles = conn.execute(text("SELECT count(*) FROM circles")).scalar_one()
    seed_s = time.perf_counter() - started
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        with engine.begin() as conn:
            result = escalate(conn, NOW)
        timings.append((time.perf_counter() - started, result))
    # Steady state: 100 more tickets fall overdue among all the others.
    with engine.begin() as conn:
        conn.execute(text("UPDATE complaints SET due_at = :past WHERE id IN (SELECT id FROM "
                          "complaints WHERE escalated_at IS NULL ORDER BY id LIMIT 100)"),
                     {"past": NOW + timedelta(minutes=5)})
    started = time.perf_counter()
    with engine.begin() as conn:
        steady = escalate(conn, NOW + timedelta(minutes=10))
    steady_s = time.perf_counter() - started
    engine.dispose()
    (first_s, first), (second_s, second) = timings
    assert second.escalated == 0 and second.consumer_messages == 0, second
    assert steady.escalated == 100, steady
    return {"n": n, "circles": circles, "seed_s": seed_s, "first_s": first_s, "first": first,
            "second_s": second_s, "steady_s": steady_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000")
    args = parser.parse_args()
    print("| open complaints | circles | seed s | first pass s | escalated | consumer msgs "
          "| digests | unreported | second pass s | 100 new overdue s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        with scratch_database("bench_escalation") as url:
            r = run(url, n)
        f = r["first"]
        print(f"| {r['n']:,} | {r['circles']} | {r['seed_s']:.0f} | **{r['first_s']:.2f}** "
              f"| {f.escalated:,} | {f.consumer_messages:,} | {f.digests} | {f.unreported:,} "
              f"| {r['second_s']:.3f} | {r['steady_s']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
