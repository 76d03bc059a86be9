"""`GET /api/v1/consumers/{ca}/summary` latency under concurrent load, on PostgreSQL.

Seeds N consumers (default 1,000,000, 3 days of history) into a scratch database — or
uses `--database-url` as it is — starts the real server (`uvicorn --factory
bot.app:app_from_env`, `--workers W`) on loopback, and sends R requests for random consumers
with C in flight on the same machine (client and server share the 2 cores). The client is
`wrk` (Debian package, light) when installed, else an asyncio httpx client (heavier: it
eats CPU the server would use). Prints p50/p90/p99 and throughput.

    .venv/bin/python -m benchmarks.summary_latency --consumers 1000000 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from backend.demo import seed as demo
from backend.metering.rules import load_rules
from backend.models import Consumer
from backend.platform import migrate
from backend.platform.db import make_engine
from backend.platform.settings import DEFAULT_RULES_FILE, DEFAULT_TIMEZONE
from benchmarks._pg import scratch_database

KEY = "bench-operator-key"
TZ = ZoneInfo(DEFAULT_TIMEZONE)  # the default TIMEZONE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, consumers: int) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        if demo.is_empty(conn):
            print(f"seeding {consumers:,} consumers ...", file=sys.stderr, flush=True)
            demo.seed(conn, load_rules(DEFAULT_RULES_FILE), consumers=consumers, days=3,
                      end_day=date(2026, 7, 3), now=datetime(2026, 7, 4, 6, tzinfo=UTC), tz=TZ)
    engine.dispose()


def ca_numbers(url: str, sample: int) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Consumer)).scalar_one()
        step = max(1, total // sample)
        rows = conn.execute(select(Consumer.ca_number).where(Consumer.id % step == 0)
                            .limit(sample)).scalars().all()
    engine.dispose()
    return list(rows)


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "OPERATOR_API_KEYS": KEY, "LOG_LEVEL": "WARNING",
           "SCHEDULER_EMBEDDED": "0", "APP_ENV": "demo"}  # demo: shipped placeholder links
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bot.app:app_from_env", "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
         "--no-access-log"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


async def load(port: int, cas: list[str], requests: int, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = 0
    rng = random.Random(1)
    queue = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 headers={"X-API-Key": KEY}, timeout=30) as client:
        async def worker() -> None:
            nonlocal errors
            for _ in queue:
                ca = rng.choice(cas)
                started = time.perf_counter()
                response = await client.get(f"/api/v1/consumers/{ca}/summary")
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        # warm-up
        for ca in cas[:50]:
            await client.get(f"/api/v1/consumers/{ca}/summary")
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "p50_ms": q[49] * 1000, "p90_ms": q[89] * 1000, "p99_ms": q[98] * 1000}


WRK_SCRIPT = """
local cas = {%s}
math.randomseed(1)
request = function()
  local ca = cas[math.random(#cas)]
  return wrk.format("GET", "/api/v1/consumers/" .. ca .. "/summary", {["X-API-Key"] = "%s"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%.3f\\n", summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000))
end
"""


def load_wrk(port: int, cas: list[str], seconds: int, concurrency: int) -> dict:
    script = WRK_SCRIPT % (", ".join(f'"{ca}"' for ca in cas), KEY)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as handle:
        handle.write(script)
        handle.flush()
        subprocess.run(["wrk", "-t1", "-c", str(concurrency), "-d", "3s", "-s", handle.name,
                        f"http://127.0.0.1:{port}"], capture_output=True, check=True)  # warm-up
        out = subprocess.run(["wrk", "-t1", "-c", str(concurrency), "-d", f"{seconds}s",
                              "-s", handle.name, f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    if not match:
        raise RuntimeError(f"unexpected wrk output: {out}")
    requests, errors = int(match[1]), int(match[2])
    return {"requests": requests, "errors": errors, "rps": requests / float(match[3]),
            "p50_ms": float(match[4]), "p90_ms": float(match[5]), "p99_ms": float(match[6])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="use this database as it is")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20, help="wrk run length")
    parser.add_argument("--client", choices=["auto", "wrk", "httpx"], default="auto")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = args.database_url or stack.enter_context(
            scratch_database("bench_summary", keep=args.keep))
        if args.keep and not args.database_url:
            print(f"database kept: {url}", file=sys.stderr)
        seed(url, args.consumers)
        cas = ca_numbers(url, 10_000)
        port = free_port()
        server = start_server(url, port, args.workers)
        stack.callback(server.wait, 30)
        stack.callback(server.terminate)
        use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
        if use_wrk:
            result = load_wrk(port, cas, args.seconds, args.concurrency)
        else:
            result = asyncio.run(load(port, cas, args.requests, args.concurrency))
    client = "wrk" if use_wrk else "httpx"
    print("| consumers | workers | client | concurrency | requests | errors | req/s | p50 ms | "
          "p90 ms | p99 ms |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.consumers:,} | {args.workers} | {client} | {args.concurrency} | "
          f"{result['requests']:,} | {result['errors']} | {result['rps']:,.0f} | "
          f"{result['p50_ms']:.1f} | {result['p90_ms']:.1f} | {result['p99_ms']:.1f} |")


if __name__ == "__main__":
    main()
