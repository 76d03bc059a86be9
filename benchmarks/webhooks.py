"""Sustained signed WhatsApp webhooks against `sahayak serve` on PostgreSQL.

A scratch PostgreSQL database (`BENCH_DATABASE_URL` admin URL) gets N demo consumers; one
or more `sahayak serve` processes (WhatsApp on, Twilio credentials fake, LOG_LEVEL=WARNING)
listen on loopback; a separate load process posts Twilio-signed webhooks from C
concurrent connections, round-robin over the servers (a load balancer's job), and
replays 5% of MessageSids as Twilio would on a timeout. Reported: msgs/s, p50/p99 latency,
lost (a MessageSid never answered with TwiML), duplicated (a MessageSid answered twice, or
stored other than once in processed_messages).

    .venv/bin/python -m benchmarks.webhooks --messages 3000 --servers 1,2 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from backend.db import make_engine
from benchmarks._pg import scratch_database
from benchmarks.dialogue import MESSAGES, prepare
from nlu import NluSettings, build_parser

PUBLIC = "https://bench.example.in"
PATH = "/webhooks/twilio/whatsapp"
TOKEN = "bench-auth-token"
REPLAY_SHARE = 0.05


# --------------------------------------------------------------------------- load process
async def _load(urls: list[str], phones: list[str], messages: int, concurrency: int,
                tag: str) -> dict:
    validator = RequestValidator(TOKEN)
    rng = random.Random(11)
    contacts = phones[:400]
    work: list[tuple[str, dict[str, str]]] = []
    for i in range(messages):
        phone = contacts[i % len(contacts)]
        params = {"From": f"whatsapp:{phone}", "To": "whatsapp:+14155238886",
                  "Body": rng.choice(MESSAGES), "MessageSid": f"SM{tag}{i:026d}",
                  "NumMedia": "0", "WaId": phone.lstrip("+"), "ProfileName": "Bench"}
        work.append(("first", params))
        if rng.random() < REPLAY_SHARE:
            work.append(("replay", params))  # may even overtake the first delivery
    queue: asyncio.Queue = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    latencies: list[float] = []
    answers: dict[str, int] = {p["MessageSid"]: 0 for _, p in work}
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def sender(n: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        base = urls[n % len(urls)]
        while not queue.empty():
            kind, params = queue.get_nowait()
            signature = validator.compute_signature(PUBLIC + PATH, params)
            started = time.perf_counter()
            try:
                response = await client.post(base + PATH, data=params,
                                              headers={"X-Twilio-Signature": signature})
            except httpx.HTTPError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
            if response.status_code == 200 and "<Message>" in response.text:
                answers[params["MessageSid"]] += 1

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(sender(n, client) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "first": messages, "rate": len(latencies) / elapsed,
            "p50": q[49] * 1000, "p90": q[89] * 1000, "p99": q[98] * 1000,
            "lost": sum(1 for n in answers.values() if n == 0),
            "answered_twice": sum(1 for n in answers.values() if n > 1), "errors": errors}


def load_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", required=True)
    parser.add_argument("--phones", type=Path, required=True)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--tag", required=True)
    args = parser.parse_args(argv)
    phones = json.loads(args.phones.read_text())
    result = asyncio.run(_load(args.urls.split(","), phones, args.messages, args.concurrency,
                               args.tag))
    print(json.dumps(result))


# --------------------------------------------------------------------------- orchestration
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(url: str, model: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TWILIO_", "TELEGRAM_", "PUBLIC_BASE_URL"))}
    env.update(DATABASE_URL=url, TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN=TOKEN,
               TWILIO_WHATSAPP_FROM="whatsapp:+14155238886", PUBLIC_BASE_URL=PUBLIC,
               NLU_MODEL_PATH=str(model), NLU_AUTO_RETRAIN="0", LOG_LEVEL="WARNING")
    return env


def _start(count: int, env: dict[str, str]) -> tuple[list[subprocess.Popen], list[str]]:
    sahayak = Path(sys.executable).with_name("sahayak")
    procs, urls = [], []
    for _ in range(count):
        port = closed_port()
        procs.append(subprocess.Popen([str(sahayak), "serve", "--port", str(port)], env=env,
                                      stdout=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    for url in urls:
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("sahayak serve did not start")
            time.sleep(0.2)
    return procs, urls


def _reset(url: str) -> None:
    """Start each run with no contacts: every sender is new, as in the first run."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE processed_messages, conversation_states, contact_links, "
                          "otp_challenges, contacts, outbox RESTART IDENTITY CASCADE"))
    engine.dispose()


def _stored(url: str, tag: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT count(*), count(DISTINCT message_id) FROM processed_messages "
            "WHERE channel = 'whatsapp' AND message_id LIKE :p"), {"p": f"SM{tag}%"}).one()
    engine.dispose()
    return int(rows[0]), int(rows[1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        load_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--servers", default="1,2", help="server processes per run")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir, \
            scratch_database("bench_webhooks") as url:
        tmp = Path(tmp_dir)
        model = tmp / "model.joblib"
        build_parser(NluSettings(model_path=model)).parse("namaste")  # train once
        print(f"seeding {args.consumers:,} consumers ...", file=sys.stderr, flush=True)
        phones = prepare(url, args.consumers)
        phones_file = tmp / "phones.json"
        phones_file.write_text(json.dumps(phones))
        for run, count in enumerate(int(s) for s in args.servers.split(",")):
            _reset(url)
            procs, urls = _start(count, _server_env(url, model))
            tag = f"{run:02d}"
            try:
                out = subprocess.run(
                    [sys.executable, "-m", "benchmarks.webhooks", "load", "--urls",
                     ",".join(urls), "--phones", str(phones_file), "--messages",
                     str(args.messages), "--concurrency", str(args.concurrency), "--tag", tag],
                    check=True, capture_output=True, text=True).stdout
            finally:
                for proc in procs:
                    proc.terminate()
                for proc in procs:
                    proc.wait(timeout=30)
            result = json.loads(out)
            stored, distinct = _stored(url, tag)
            result["duplicated"] = result["answered_twice"] + (stored - distinct)
            result["stored"] = stored
            rows.append((count, result))
            print(f"servers={count}: {result['rate']:.0f} req/s", file=sys.stderr)
    print("| server processes | concurrency | requests (5% replays) | msgs/s | p50 ms | "
          "p90 ms | p99 ms | lost | duplicated | MessageSids stored |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count, r in rows:
        print(f"| {count} | {args.concurrency} | {r['requests']:,} | {r['rate']:,.0f} | "
              f"{r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['lost']} | "
              f"{r['duplicated']} | {r['stored']:,} of {r['first']:,} |")


if __name__ == "__main__":
    main()
