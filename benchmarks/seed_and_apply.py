"""Seeding throughput and applying one day of readings at scale.

For each size N: a fresh database, `demo.seed` N consumers with one day of history
(consumers/s), then one more day of readings for every account, charged by the set-based
`apply_day` (seconds, and the Python process's peak memory, which must not grow with N).

    .venv/bin/python -m benchmarks.seed_and_apply --sizes 100000,250000,500000,1000000
    .venv/bin/python -m benchmarks.seed_and_apply --sqlite --sizes 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from backend.demo import seed as demo
from backend.metering.charges import apply_day
from backend.metering.rules import load_rules
from backend.platform import migrate
from backend.platform.db import make_engine
from backend.platform.settings import DEFAULT_RULES_FILE, DEFAULT_TIMEZONE
from benchmarks._pg import scratch_database
from benchmarks._seed import peak_rss_mib

DAY = date(2026, 7, 1)
TZ = ZoneInfo(DEFAULT_TIMEZONE)  # the default TIMEZONE


def run(url: str, n: int) -> dict:
    rules = load_rules(DEFAULT_RULES_FILE)
    migrate.upgrade(url)
    engine = make_engine(url)
    now = datetime(2026, 7, 3, 6, 30, tzinfo=UTC)
    started = time.perf_counter()
    with engine.begin() as conn:
        demo.seed(conn, rules, consumers=n, days=1, end_day=DAY, now=now, tz=TZ)
    seed_s = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    nxt = DAY + timedelta(days=1)
    with engine.begin() as conn:  # one more day of readings for everybody, set-based
        conn.execute(text(
            "INSERT INTO daily_readings (consumer_id, day, units_wh, register_wh, received_at) "
            "SELECT id, :day, 2000 + (id * 7919) % 9000, 5000000 + (id * 104729) % 900000, "
            ":now FROM consumers"), {"day": nxt, "now": now})
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    with engine.begin() as conn:
        result = apply_day(conn, rules, nxt, now)
    apply_s = time.perf_counter() - started
    engine.dispose()
    assert result.charged == n, result
    return {"n": n, "seed_s": seed_s, "seed_rate": n / seed_s, "apply_s": apply_s,
            "charged": result.charged, "rss_mib_before": rss_before,
            "rss_mib_after": peak_rss_mib()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--sqlite", action="store_true", help="SQLite file instead of PG")
    args = parser.parse_args()
    print("| accounts | seed s | consumers/s | apply day s | peak RSS MiB (before→after apply) |")
    print("|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        if args.sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                r = run(f"sqlite:///{Path(tmp) / 'bench.db'}", n)
        else:
            with scratch_database("bench_apply") as url:
                r = run(url, n)
        print(f"| {r['n']:,} | {r['seed_s']:.1f} | {r['seed_rate']:,.0f} | {r['apply_s']:.1f} "
              f"| {r['rss_mib_before']:.0f}→{r['rss_mib_after']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
