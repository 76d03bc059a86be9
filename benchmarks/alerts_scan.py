"""Alert scan over every account on PostgreSQL.

For each size N: a scratch database, `demo.seed` of N consumers with 3 days of history,
a verified WhatsApp contact for ~10% of them (set-based), then `alerts.scan` twice: the
first queues every band crossing, the second (straight after) must queue nothing. Prints
seconds, alerts queued and the Python process's peak RSS (which must not grow with N).

    .venv/bin/python -m benchmarks.alerts_scan --sizes 200000,1000000
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, date, datetime

from sqlalchemy import text

from backend import demo, migrate
from backend.alerts import scan
from backend.db import make_engine
from backend.rules import load_rules
from backend.settings import DEFAULT_RULES_FILE
from benchmarks._pg import scratch_database

END_DAY = date(2026, 7, 1)
NOW = datetime(2026, 7, 2, 7, 0, tzinfo=UTC)  # 12:30 IST: outside quiet hours


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(url: str, n: int) -> dict:
    rules = load_rules(DEFAULT_RULES_FILE)
    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        demo.seed(conn, rules, consumers=n, days=3, end_day=END_DAY, now=NOW)
        conn.execute(text(
            "INSERT INTO contacts (channel, address, opted_out, created_at) "
            "SELECT DISTINCT 'whatsapp', mobile_e164, false, :now FROM consumers "
            "WHERE id % 10 = 0 ON CONFLICT DO NOTHING"), {"now": NOW})
        conn.execute(text(
            "INSERT INTO contact_links (contact_id, consumer_id, method, verified_phone, "
            "verified_at) SELECT ct.id, c.id, 'phone_match', c.mobile_e164, :now "
            "FROM consumers c JOIN contacts ct ON ct.channel = 'whatsapp' "
            "AND ct.address = c.mobile_e164 WHERE c.id % 10 = 0 ON CONFLICT DO NOTHING"),
            {"now": NOW})
    seed_s = time.perf_counter() - started
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    rss_before = peak_rss_mib()
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        with engine.begin() as conn:
            result = scan(conn, rules, NOW)
        timings.append((time.perf_counter() - started, result))
    engine.dispose()
    (first_s, first), (second_s, second) = timings
    assert second.total == 0, second
    return {"n": n, "seed_s": seed_s, "first_s": first_s, "queued": first.queued,
            "second_s": second_s, "rss_before": rss_before, "rss_after": peak_rss_mib()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,1000000")
    args = parser.parse_args()
    print("| accounts | seed s | first scan s | queued | second scan s | peak RSS MiB |")
    print("|---:|---:|---:|---|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        with scratch_database("bench_alerts") as url:
            r = run(url, n)
        queued = ", ".join(f"{k} {v:,}" for k, v in sorted(r["queued"].items()))
        print(f"| {r['n']:,} | {r['seed_s']:.0f} | **{r['first_s']:.1f}** | {queued} "
              f"| {r['second_s']:.1f} | {r['rss_before']:.0f}→{r['rss_after']:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
