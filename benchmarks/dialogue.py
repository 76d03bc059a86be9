"""Messages handled per second by the dialogue engine, in-process: NLU parse + contact,
dedupe and state in the database + metering service + catalog render, one transaction per
message — everything a channel webhook would do except HTTP.

Seeds N demo consumers (30 days of history) into a scratch SQLite file and a scratch
PostgreSQL database (`BENCH_DATABASE_URL`, default postgresql+psycopg://postgres@127.0.0.1/test),
then C contacts talk: 80% WhatsApp senders whose number is a registered mobile (verified by
phone match), 20% unverified Telegram chats. The message mix is the usual one: balance and
usage questions in Hindi, romanized Hindi and English, "why so much?", recharge help, FAQ,
picks from the last numbered list, greetings and some gibberish. T threads share the
engine (PostgreSQL only benefits; SQLite has a single writer).

    .venv/bin/python -m benchmarks.dialogue --messages 5000 --threads 1,4
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from backend.demo import seed as demo
from backend.models import Consumer
from backend.platform import migrate
from benchmarks._pg import scratch_database
from bot.composition import compose
from bot.dialogue.types import WHATSAPP, InboundMessage
from bot.settings import AppSettings
from nlu import NluSettings, build_parser

MESSAGES = [
    "mera balance kitna hai", "मेरा बैलेंस कितना है", "what is my balance", "balance batao",
    "kal kitni bijli jali", "इस महीने कितनी बिजली जली", "how much did I use last week",
    "itna paisa kyu kata", "इतना पैसा क्यों कटा", "recharge kaise karein",
    "happy hours kya hai", "emergency credit kaise le", "1", "2", "namaste", "thank you",
    "asdf qwer", "menu",
]
END_DAY = date(2026, 7, 3)
NOW = datetime(2026, 7, 4, 6, tzinfo=UTC)


def _settings(url: str) -> AppSettings:
    return AppSettings(_env_file=None, database_url=url)  # type: ignore[call-arg]


def prepare(url: str, consumers: int) -> list[str]:
    """Migrate and seed; return registered mobiles to talk as."""
    migrate.upgrade(url)
    backend = compose(_settings(url)).backend
    with backend.engine.begin() as conn:
        if demo.is_empty(conn):
            demo.seed(conn, backend.rules, consumers=consumers, days=30, end_day=END_DAY,
                      now=NOW, tz=backend.tz)
    with backend.sessions() as session:
        phones = list(session.scalars(select(Consumer.mobile_e164).order_by(Consumer.id)))
    backend.close()
    return phones


def run(url: str, phones: list[str], messages: int, contacts: int, threads: int,
        model_path: Path) -> dict:
    parser = build_parser(NluSettings(model_path=model_path))  # this run's model file
    parser.parse("warm up")
    clock = itertools.count()
    components = compose(_settings(url), parser=parser,
                         clock=lambda: NOW + timedelta(milliseconds=next(clock)))
    backend = components.backend
    engine, renderer = components.assistant.engine, components.renderer
    rng = random.Random(7)
    people = [("whatsapp", phones[i % len(phones)]) if rng.random() < 0.8
              else ("telegram", f"tg-{i}") for i in range(contacts)]
    # Each contact's messages in order, contacts interleaved: like real traffic.
    work = [(people[i % contacts], rng.choice(MESSAGES), f"bench-{threads}-{i}")
            for i in range(messages)]
    per_thread = [work[t::threads] for t in range(threads)]
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(items: list) -> None:
        mine = []
        for (channel, address), text, mid in items:
            started = time.perf_counter()
            replies, language = engine.handle_with_language(InboundMessage(
                channel=channel, address=address, text=text, message_id=mid, received_at=NOW))
            for reply in replies:
                renderer.render(reply, language, WHATSAPP, now=NOW)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    # Contacts stick to one thread (t = i % threads), so no two threads share a contact.
    pool = [threading.Thread(target=worker, args=(items,)) for items in per_thread]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    backend.close()
    q = statistics.quantiles(latencies, n=100)
    return {"messages": len(latencies), "rate": len(latencies) / elapsed,
            "p50": q[49] * 1000, "p90": q[89] * 1000, "p99": q[98] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=2000)
    parser.add_argument("--contacts", type=int, default=400)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--threads", default="1,4", help="comma list, e.g. 1,4")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    rows = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        model = tmp / "model.joblib"
        targets = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
        if not args.skip_postgres:
            targets.append(("PostgreSQL", stack.enter_context(scratch_database("bench_dialogue"))))
        for name, url in targets:
            print(f"{name}: seeding {args.consumers:,} consumers ...", file=sys.stderr, flush=True)
            phones = prepare(url, args.consumers)
            for threads in (int(t) for t in args.threads.split(",")):
                result = run(url, phones, args.messages, args.contacts, threads, model)
                rows.append((name, threads, result))
                print(f"{name} threads={threads}: {result['rate']:.0f} msg/s", file=sys.stderr)
    print("| database | threads | messages | msg/s | p50 ms | p90 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, threads, r in rows:
        print(f"| {name} | {threads} | {r['messages']:,} | {r['rate']:,.0f} | {r['p50']:.1f} | "
              f"{r['p90']:.1f} | {r['p99']:.1f} |")


if __name__ == "__main__":
    main()
