"""`GET /api/v1/consumers/{ca}/summary` latency under concurrent load, on PostgreSQL.

Seeds N consumers (default 1,000,000, 3 days of history) into a scratch database — or
uses `--database-url` as it is — starts the real server (`uvicorn --factory
bot.app:app_from_env`, `--workers W`) on loopback, and sends R requests for random consumers
with C in flight on the same machine (client and server share the 2 cores). Two modes:

- `--mode max` (default): as fast as the server answers, C in flight. The client is `wrk`
  (Debian package, light) when installed, else an asyncio httpx client (heavier: it eats
  CPU the server would use).
- `--mode rate --rate 100`: a fixed arrival rate for `--seconds` (open loop: each request
  is sent at its scheduled time whatever the others do, and its latency counts from that
  time, so a stalled server cannot hide its queue).

Prints p50/p90/p99, throughput, and the server's CPU time per request (user + system of
the uvicorn process and its worker processes, from /proc, over the measured run).

    .venv/bin/python -m benchmarks.summary_latency --consumers 1000000 --workers 2
    .venv/bin/python -m benchmarks.summary_latency --consumers 1000000 --mode rate --rate 100
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
from collections.abc import Callable
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


CpuMeter = Callable[[], float]


async def load(port: int, cas: list[str], requests: int, concurrency: int,
               cpu: CpuMeter) -> dict:
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
        cpu_before = cpu()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu_s = cpu() - cpu_before
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "cpu_s": cpu_s,
            "p50_ms": q[49] * 1000, "p90_ms": q[89] * 1000, "p99_ms": q[98] * 1000}


async def load_rate(port: int, cas: list[str], rate: float, seconds: int,
                    cpu: CpuMeter) -> dict:
    """Open loop at `rate` requests/s for `seconds`: request i goes at start + i/rate."""
    latencies: list[float] = []
    errors = 0
    rng = random.Random(1)
    total = int(rate * seconds)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 headers={"X-API-Key": KEY}, timeout=30) as client:
        for ca in cas[:50]:  # warm-up
            await client.get(f"/api/v1/consumers/{ca}/summary")

        async def one(due: float, ca: str) -> None:
            nonlocal errors
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                response = await client.get(f"/api/v1/consumers/{ca}/summary")
                errors += response.status_code != 200
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - due)

        cpu_before = cpu()
        started = time.perf_counter() + 0.1
        await asyncio.gather(*(one(started + i / rate, rng.choice(cas))
                               for i in range(total)))
        elapsed = time.perf_counter() - started
        cpu_s = cpu() - cpu_before
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "cpu_s": cpu_s,
            "p50_ms": q[49] * 1000, "p90_ms": q[89] * 1000, "p99_ms": q[98] * 1000}


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process `pid` and its children (uvicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pending.extend(int(child) for child in handle.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


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


def load_wrk(port: int, cas: list[str], seconds: int, concurrency: int,
             cpu: CpuMeter) -> dict:
    script = WRK_SCRIPT % (", ".join(f'"{ca}"' for ca in cas), KEY)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as handle:
        handle.write(script)
        handle.flush()
        subprocess.run(["wrk", "-t1", "-c", str(concurrency), "-d", "3s", "-s", handle.name,
                        f"http://127.0.0.1:{port}"], capture_output=True, check=True)  # warm-up
        cpu_before = cpu()
        out = subprocess.run(["wrk", "-t1", "-c", str(concurrency), "-d", f"{seconds}s",
                              "-s", handle.name, f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=True).stdout
        cpu_s = cpu() - cpu_before
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    if not match:
        raise RuntimeError(f"unexpected wrk output: {out}")
    requests, errors = int(match[1]), int(match[2])
    return {"requests": requests, "errors": errors, "rps": requests / float(match[3]),
            "cpu_s": cpu_s,
            "p50_ms": float(match[4]), "p90_ms": float(match[5]), "p99_ms": float(match[6])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="use this database as it is")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20,
                        help="run length (wrk, and --mode rate)")
    parser.add_argument("--mode", choices=["max", "rate"], default="max",
                        help="max: as fast as it answers; rate: a fixed --rate")
    parser.add_argument("--rate", type=float, default=100.0, help="requests/s for --mode rate")
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
        use_wrk = args.mode == "max" and (
            args.client == "wrk" or (args.client == "auto" and bool(shutil.which("wrk"))))
        def cpu() -> float:
            return server_cpu_s(server.pid)

        if args.mode == "rate":
            result = asyncio.run(load_rate(port, cas, args.rate, args.seconds, cpu))
        elif use_wrk:
            result = load_wrk(port, cas, args.seconds, args.concurrency, cpu)
        else:
            result = asyncio.run(load(port, cas, args.requests, args.concurrency, cpu))
    cpu_ms = result["cpu_s"] * 1000 / max(1, result["requests"])
    client = "wrk" if use_wrk else "httpx"
    load_desc = (f"{args.rate:g}/s fixed" if args.mode == "rate"
                 else f"max, {args.concurrency} in flight")
    print("| consumers | workers | client | load | requests | errors | req/s | p50 ms | "
          "p90 ms | p99 ms | server CPU ms/req |")
    print("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.consumers:,} | {args.workers} | {client} | {load_desc} | "
          f"{result['requests']:,} | {result['errors']} | {result['rps']:,.0f} | "
          f"{result['p50_ms']:.1f} | {result['p90_ms']:.1f} | {result['p99_ms']:.1f} | "
          f"{cpu_ms:.2f} |")


if __name__ == "__main__":
    main()
