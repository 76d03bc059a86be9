"""Outbox dispatch with several real `sahayak worker` processes against a rate-limited
fake provider on loopback (benchmarks/fake_provider.py), on PostgreSQL.

Each run: a scratch database, N messages enqueued set-based (one recipient each, so the
fake's record tells which outbox row it accepted), W worker processes with
OUTBOX_RATE_LIMITS=sms=<rate>, sending through the lean HTTP gateway sender or the real
Twilio client (aimed at the fake). Reported: the sustained accepted rate over the middle
80% of the run, the provider's 429s, and with --kill one worker `kill -9`ed when 40% are
accepted: lost (rows never accepted by the fake, or not 'sent') and duplicates (accepted
more than once). Worker CPU is read from /proc.

    .venv/bin/python -m benchmarks.dispatch --messages 30000 --rate 500 --workers 2 \\
        --sender lean,twilio
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from backend.platform import migrate
from backend.platform.db import make_engine
from benchmarks._pg import scratch_database
from benchmarks.fake_provider import FakeProvider

SAHAYAK = str(Path(sys.executable).with_name("sahayak"))
ACCOUNT_SID = "AC" + "0" * 32
TICKS = os.sysconf("SC_CLK_TCK")


def address(i: int) -> str:
    return f"+9170{i:08d}"


def enqueue(url: str, n: int) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO outbox (idempotency_key, channel, address, message_key, params, "
            "language, status, attempts, next_attempt_at, created_at) "
            "SELECT 'bench-' || g, 'sms', '+9170' || lpad(g::text, 8, '0'), 'otp.code', "
            "json_build_object('code', lpad((g % 1000000)::text, 6, '0'), 'minutes', 10), "
            "CASE WHEN g % 3 = 0 THEN 'en' WHEN g % 3 = 1 THEN 'hi' ELSE 'hi-Latn' END, "
            "'pending', 0, now(), now() FROM generate_series(1, :n) g"), {"n": n})
        conn.execute(text("ANALYZE outbox"))
    engine.dispose()


def worker_env(url: str, fake: str, sender: str, rate: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TWILIO_", "TELEGRAM_", "OUTBOX_", "DATABASE_URL"))}
    env.update(DATABASE_URL=url, OUTBOX_RATE_LIMITS=f"sms={rate:g}", LOG_LEVEL="INFO",
               SMS_REQUIRE_DLT="0")
    if sender == "lean":
        env["OUTBOX_HTTP_URL"] = fake + "/send"
    else:
        env.update(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN="bench-token",
                   TWILIO_SMS_FROM="+15005550006", TWILIO_API_BASE_URL=fake,
                   PUBLIC_BASE_URL="https://bench.example.in")
    return env


def cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / TICKS


def db_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status")).all()
    engine.dispose()
    return {status: n for status, n in rows}


def one_run(args: argparse.Namespace, sender: str, kill: bool) -> dict:
    n = args.messages
    with scratch_database("bench_outbox") as url, \
            FakeProvider(args.rate, args.provider_burst) as fake, \
            tempfile.TemporaryDirectory() as cwd:  # no developer .env in the workers' way
        migrate.upgrade(url)
        enqueue(url, n)
        env = worker_env(url, fake.url, sender, args.rate)
        command = [SAHAYAK, "worker", "--batch-size", str(args.batch_size), "--concurrency",
                   str(args.concurrency), "--lease", str(args.lease), "--poll-interval", "0.2"]
        logs = [Path(cwd) / f"worker-{i}.log" for i in range(args.workers)]
        workers = [subprocess.Popen(command + ["--worker-id", f"bench-{i}"], env=env, cwd=cwd,
                                    stdout=subprocess.DEVNULL, stderr=log.open("wb"))
                   for i, log in enumerate(logs)]
        started = time.monotonic()
        deadline = started + n / args.rate * 3 + 60 + (args.lease if kill else 0)
        killed_at = None
        cpu: dict[int, float] = {}
        try:
            while time.monotonic() < deadline:
                accepted = len(fake.counts())
                if kill and killed_at is None and accepted >= 0.4 * n:
                    victim = workers[0]
                    cpu[victim.pid] = cpu_s(victim.pid)
                    victim.send_signal(signal.SIGKILL)
                    killed_at = time.monotonic() - started
                if accepted >= n and db_counts(url).get("sent", 0) >= n:
                    break
                if any(w.poll() not in (None, -signal.SIGKILL) for w in workers):
                    raise RuntimeError("a worker exited: " + "\n".join(
                        log.read_text()[-2000:] for log in logs))
                time.sleep(0.2)
            elapsed = time.monotonic() - started
            for w in workers:
                if w.poll() is None:
                    cpu[w.pid] = cpu_s(w.pid)
        finally:
            for w in workers:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in workers:
                try:
                    w.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    w.kill()
        counts = fake.counts()
        times = sorted(fake.times())
        status = db_counts(url)
        lines = [line for log in logs for line in log.read_text().splitlines()]
        problems = [line for line in lines if " WARNING " in line or " ERROR " in line]
        behind = sum(1 for line in lines if "behind its send slots" in line)
    wanted = {address(i) for i in range(1, n + 1)}
    lo, hi = times[int(0.1 * len(times))], times[int(0.9 * len(times)) - 1]
    return {
        "sender": sender, "kill": kill, "messages": n, "elapsed_s": round(elapsed, 1),
        "sustained_per_s": round((int(0.9 * len(times)) - int(0.1 * len(times))) / (hi - lo), 1),
        "overall_per_s": round(len(times) / (times[-1] - times[0]), 1),
        "provider_429": fake.rejected,
        "lost": len(wanted - set(counts)) + (n - status.get("sent", 0)),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "killed_at_s": round(killed_at, 1) if killed_at is not None else None,
        "db_status": status,
        "worker_cpu_ms_per_msg": round(sum(cpu.values()) * 1000 / n, 2),
        "batches_behind_slots": behind,
        "worker_warnings": len(problems), "first_warnings": problems[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=30_000)
    parser.add_argument("--rate", type=float, default=500.0, help="provider and worker limit")
    parser.add_argument("--provider-burst", type=float, default=100.0,
                        help="the fake's bucket: 100 at 500/s tolerates 0.2 s of jitter")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--lease", type=float, default=10.0)
    parser.add_argument("--sender", default="lean", help="lean, twilio or lean,twilio")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 run")
    args = parser.parse_args()
    for sender in args.sender.split(","):
        for kill in (False,) if args.no_kill else (False, True):
            print(one_run(args, sender.strip(), kill), flush=True)


if __name__ == "__main__":
    main()
