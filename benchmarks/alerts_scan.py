"""Alert scan over every account on PostgreSQL: a full first scan and typical repeat scans.

For each size N: a scratch database, `demo.seed` of N consumers with 3 days of history,
a verified WhatsApp contact for ~10% of them (set-based), `VACUUM ANALYZE`, then:

1. first scan: every account is new to the scan (the case after migration 0005);
2. a scan straight after: looks at nothing, queues nothing (asserted);
3. one more day of readings for every account, charged by `apply_day` (timed too);
4. the repeat scan after that day: every account changed, only new crossings queued;
5. 100 recharges through `credit_recharge`, then a scan that looks at those 100 only.

Prints seconds, accounts looked at, alerts queued and the Python process's peak RSS (which
must not grow with N).

    .venv/bin/python -m benchmarks.alerts_scan --sizes 1000000,2000000
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from backend.demo import seed as demo
from backend.engagement.alerts import ScanResult, scan
from backend.metering.charges import apply_day
from backend.metering.recharges import credit_recharge
from backend.metering.rules import load_rules
from backend.platform import migrate
from backend.platform.db import make_engine, make_session_factory
from backend.platform.settings import DEFAULT_RULES_FILE, DEFAULT_TIMEZONE
from benchmarks._pg import scratch_database
from benchmarks._seed import add_contacts, peak_rss_mib

END_DAY = date(2026, 7, 1)
NOW = datetime(2026, 7, 2, 7, 0, tzinfo=UTC)  # 12:30 IST: outside quiet hours
TZ = ZoneInfo(DEFAULT_TIMEZONE)  # the default TIMEZONE


def run(url: str, n: int) -> dict:
    rules = load_rules(DEFAULT_RULES_FILE)
    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        demo.seed(conn, rules, consumers=n, days=3, end_day=END_DAY, now=NOW, tz=TZ)
        add_contacts(conn, NOW, "whatsapp", modulo=10)
    seed_s = time.perf_counter() - started
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    rss_before = peak_rss_mib()

    scans = 0

    def timed_scan() -> tuple[float, ScanResult]:
        # A minute apart, as real scans are: the fan-out picks states crossed at `now`.
        nonlocal scans
        scans += 1
        started = time.perf_counter()
        with engine.begin() as conn:
            result = scan(conn, rules, NOW + timedelta(minutes=scans), tz=TZ)
        return time.perf_counter() - started, result

    first = timed_scan()
    second = timed_scan()
    assert second[1].total == 0 and second[1].examined == 0, second
    nxt = END_DAY + timedelta(days=1)
    with engine.begin() as conn:  # one more day of readings for everybody, set-based
        conn.execute(text(
            "INSERT INTO daily_readings (consumer_id, day, units_wh, register_wh, received_at) "
            "SELECT consumer_id, :day, units_wh, register_wh + units_wh, :now "
            "FROM daily_readings WHERE day = :last"), {"day": nxt, "last": END_DAY, "now": NOW})
    started = time.perf_counter()
    with engine.begin() as conn:
        applied = apply_day(conn, rules, nxt, NOW)
    apply_s = time.perf_counter() - started
    assert applied.charged == n, applied
    repeat = timed_scan()
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        cas = session.execute(text(
            "SELECT ca_number FROM consumers ORDER BY id LIMIT 100")).scalars().all()
        for i, ca in enumerate(cas):
            credit_recharge(session, rules, ca_number=ca, amount_paise=20_000,
                            reference=f"BENCH{i:06d}", source="upi", at=NOW, tz=TZ)
    recharged = timed_scan()
    assert recharged[1].examined == len(cas), recharged
    engine.dispose()
    return {"n": n, "seed_s": seed_s, "first": first, "second": second, "apply_s": apply_s,
            "repeat": repeat, "recharged": recharged, "rss_before": rss_before,
            "rss_after": peak_rss_mib()}


def _queued(result: ScanResult) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(result.queued.items())) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,1000000")
    args = parser.parse_args()
    print("| accounts | seed s | scan | s | accounts looked at | queued |")
    print("|---:|---:|---|---:|---:|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        with scratch_database("bench_alerts") as url:
            r = run(url, n)
        rows = [("first (all new)", r["first"]), ("straight after", r["second"]),
                ("after apply_day", r["repeat"]), ("after 100 recharges", r["recharged"])]
        for i, (name, (seconds, result)) in enumerate(rows):
            head = f"| {n:,} | {r['seed_s']:.0f}" if i == 0 else "| | "
            print(f"{head} | {name} | **{seconds:.1f}** | {result.examined:,} "
                  f"| {_queued(result)} |")
        print(f"| | | (apply_day of one more day: {r['apply_s']:.1f} s; peak RSS "
              f"{r['rss_before']:.0f}→{r['rss_after']:.0f} MiB) | | | |", flush=True)


if __name__ == "__main__":
    main()
