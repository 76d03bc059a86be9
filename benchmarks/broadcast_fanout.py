"""Broadcast fan-out into the outbox on PostgreSQL.

For each size N: a scratch database, `demo.seed` of N consumers (1 day of history), a
verified WhatsApp contact for 10% of them, a linked Telegram chat for 2% and an opted-out
SMS contact for 1% (set-based), then a service broadcast to everyone: preview, send (the
fan-out, target <= 30 s at 1M), a rerun (must queue nothing), status totals, one claim by
an outbox worker while the broadcast is paused (every row held back: the worst case for
the claim predicate) and cancel. Prints seconds per step and peak RSS.

    .venv/bin/python -m benchmarks.broadcast_fanout --sizes 1000000
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from backend.demo import seed as demo
from backend.engagement.broadcasts import delivery_report, service
from backend.engagement.broadcasts.spec import Draft
from backend.engagement.broadcasts.window import BROADCAST_HOLD
from backend.messaging.claim import claim_batch
from backend.metering.rules import load_rules
from backend.platform import migrate
from backend.platform.db import make_engine, make_session_factory
from backend.platform.settings import DEFAULT_RULES_FILE, DEFAULT_TIMEZONE
from benchmarks._pg import scratch_database
from benchmarks._seed import add_contacts, peak_rss_mib

END_DAY = date(2026, 7, 1)
NOW = datetime(2026, 7, 2, 7, 0, tzinfo=UTC)  # 12:30 IST
TZ = ZoneInfo(DEFAULT_TIMEZONE)  # the default TIMEZONE


def seed(url: str, n: int) -> float:
    rules = load_rules(DEFAULT_RULES_FILE)
    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        demo.seed(conn, rules, consumers=n, days=1, end_day=END_DAY, now=NOW, tz=TZ)
        add_contacts(conn, NOW, "whatsapp", modulo=10)
        add_contacts(conn, NOW, "telegram", modulo=50, remainder=1, address="'tg' || {c}id")
        add_contacts(conn, NOW, "sms", modulo=100, remainder=3, opted_out=True, link=False)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def timed(fn):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def run(url: str, n: int, chunk: int) -> dict:
    seed_s = seed(url, n)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        bid = service.create(s, Draft(
            title="bench", message_class="service", body_hi="बिजली बचाइए, पैसे बचाइए।",
            body_en="Save power, save money.", created_by="bench"), NOW).id
    with sessions() as s:
        preview_s, preview = timed(lambda: service.preview(s, bid))
    rss_before = peak_rss_mib()
    send_s, report = timed(lambda: service.send(sessions, bid, NOW, chunk=chunk))
    rerun_s, rerun = timed(lambda: service.send(sessions, bid, NOW, chunk=chunk))
    assert rerun.queued == 0 and rerun.recipients == report.recipients, rerun
    assert report.recipients == preview.total, (report, preview.total)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE outbox"))
    with sessions() as s:
        totals_s, totals = timed(lambda: delivery_report.totals(s, bid))
    with sessions.begin() as s:
        service.pause(s, bid, NOW)
    claim_s, claimed = timed(lambda: claim_batch(sessions, "bench", 100, NOW, 300,
                                                 hold=BROADCAST_HOLD))
    assert claimed == []
    with sessions.begin() as s:
        cancel_s, cancelled = timed(lambda: service.cancel(s, bid, NOW))
    engine.dispose()
    return {"n": n, "seed_s": seed_s, "preview_s": preview_s, "send_s": send_s,
            "queued": report.queued, "skipped": report.skipped_opted_out,
            "by_channel": preview.by_channel(), "rerun_s": rerun_s, "totals_s": totals_s,
            "queued_total": totals.queued, "claim_s": claim_s, "cancel_s": cancel_s,
            "cancelled": cancelled, "rss_before": rss_before, "rss_after": peak_rss_mib()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--chunk", type=int, default=service.CHUNK)
    args = parser.parse_args()
    print("| consumers | seed s | preview s | **send s** | queued (wa/tg/sms) | skipped "
          "| rerun s | totals s | claim while paused s | cancel s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        with scratch_database("bench_bcast") as url:
            r = run(url, n, args.chunk)
        ch = r["by_channel"]
        print(f"| {r['n']:,} | {r['seed_s']:.0f} | {r['preview_s']:.1f} | **{r['send_s']:.1f}** "
              f"| {r['queued']:,} ({ch.get('whatsapp', 0):,}/{ch.get('telegram', 0):,}/"
              f"{ch.get('sms', 0):,}) | {r['skipped']:,} | {r['rerun_s']:.1f} "
              f"| {r['totals_s']:.2f} | {r['claim_s']:.2f} | {r['cancel_s']:.1f} "
              f"| {r['rss_before']:.0f}→{r['rss_after']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
