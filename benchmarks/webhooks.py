"""Sustained signed WhatsApp webhooks against `sahayak serve` on PostgreSQL.

A scratch PostgreSQL database (`BENCH_DATABASE_URL` admin URL) gets N demo consumers;
`sahayak serve --workers W` (WhatsApp on, Twilio credentials fake, LOG_LEVEL=WARNING)
listens on loopback; a separate load process posts Twilio-signed webhooks over C
keep-alive connections and replays 5% of MessageSids as Twilio would on a timeout. Each
run first warms every worker on other senders. Reported: msgs/s, p50/p99 latency, lost (a
MessageSid never answered with a 200 TwiML response), duplicated (a MessageSid answered
with a message twice, or stored other than once in processed_messages), and silent ones
(answered with an empty <Response/>: should be 0, since messages of contacts handed to a
person are acknowledged too; the handed-off count is shown beside it).

    .venv/bin/python -m benchmarks.webhooks --messages 3000 --workers 1,2 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import uvloop
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from backend.platform.db import make_engine
from benchmarks._pg import scratch_database
from benchmarks.dialogue import MESSAGES, prepare
from nlu import NluSettings, build_parser

PUBLIC = "https://bench.example.in"
PATH = "/webhooks/twilio/whatsapp"
TOKEN = "bench-auth-token"
REPLAY_SHARE = 0.05
_CONTENT_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


# --------------------------------------------------------------------------- load process
def _requests(phones: list[str], messages: int, tag: str, host: str) -> list[tuple[str, bytes]]:
    """Every request, signed and encoded up front, so the timed loop only writes bytes."""
    validator = RequestValidator(TOKEN)
    rng = random.Random(11)
    contacts = phones[:400]
    work: list[tuple[str, bytes]] = []
    for i in range(messages):
        phone = contacts[i % len(contacts)]
        params = {"From": f"whatsapp:{phone}", "To": "whatsapp:+14155238886",
                  "Body": rng.choice(MESSAGES), "MessageSid": f"SM{tag}{i:026d}",
                  "NumMedia": "0", "WaId": phone.lstrip("+"), "ProfileName": "Bench"}
        body = urlencode(params).encode()
        head = (f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\n"
                f"X-Twilio-Signature: {validator.compute_signature(PUBLIC + PATH, params)}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        work.append((params["MessageSid"], head + body))
        if rng.random() < REPLAY_SHARE:
            work.append((params["MessageSid"], head + body))  # may overtake the first
    return work


async def _load(url: str, phones: list[str], messages: int, concurrency: int,
                tag: str) -> dict:
    """C keep-alive connections, each sending its next request when the last is answered.
    A plain asyncio HTTP/1.1 client: httpx cost more CPU per request than the server's
    engine, on the same two cores."""
    parts = urlsplit(url)
    work = _requests(phones, messages, tag, parts.netloc)
    queue: asyncio.Queue = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    latencies: list[float] = []
    answers: dict[str, int] = {sid: 0 for sid, _ in work}  # 200 with a <Message>
    received: dict[str, int] = {sid: 0 for sid, _ in work}  # any 200 TwiML
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while not queue.empty():
                sid, raw = queue.get_nowait()
                started = time.perf_counter()
                writer.write(raw)
                head = await reader.readuntil(b"\r\n\r\n")
                length = _CONTENT_LENGTH.search(head)
                body = await reader.readexactly(int(length.group(1)) if length else 0)
                latencies.append(time.perf_counter() - started)
                if head.startswith(b"HTTP/1.1 200") and b"<Response" in body:
                    received[sid] += 1
                    answers[sid] += b"<Message>" in body
                else:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "first": messages, "rate": len(latencies) / elapsed,
            "p50": q[49] * 1000, "p90": q[89] * 1000, "p99": q[98] * 1000,
            "lost": sum(1 for n in received.values() if n == 0),
            "silent": sum(1 for sid, n in answers.items() if n == 0 and received[sid]),
            "answered_twice": sum(1 for n in answers.values() if n > 1), "errors": errors}


def load_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--phones", type=Path, required=True)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--tag", required=True)
    args = parser.parse_args(argv)
    phones = json.loads(args.phones.read_text())
    uvloop.install()
    result = asyncio.run(_load(args.url, phones, args.messages, args.concurrency, args.tag))
    print(json.dumps(result))


# --------------------------------------------------------------------------- orchestration
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(url: str, model: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TWILIO_", "TELEGRAM_", "PUBLIC_BASE_URL", "WEB_CONCURRENCY"))}
    env.update(DATABASE_URL=url, TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN=TOKEN,
               TWILIO_WHATSAPP_FROM="whatsapp:+14155238886", PUBLIC_BASE_URL=PUBLIC,
               NLU_MODEL_PATH=str(model), NLU_AUTO_RETRAIN="0", LOG_LEVEL="WARNING",
               APP_ENV="demo")  # production refuses the shipped store-link placeholders
    return env


def _start(workers: int, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`sahayak serve --workers N` on a free port, once it answers /healthz."""
    sahayak = Path(sys.executable).with_name("sahayak")
    port = closed_port()
    proc = subprocess.Popen([str(sahayak), "serve", "--port", str(port), "--workers",
                             str(workers)], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("sahayak serve did not start")
        time.sleep(0.2)


def _reset(url: str) -> None:
    """Start each run with no contacts: every sender is new, as in the first run."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE processed_messages, conversation_states, contact_links, "
                          "otp_challenges, contacts, outbox RESTART IDENTITY CASCADE"))
    engine.dispose()


def _stored(url: str, tag: str) -> tuple[int, int, int]:
    """MessageSids stored, distinct ones, and contacts handed to a person (their messages
    get a "with our staff" acknowledgement, not silence)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT count(*), count(DISTINCT message_id) FROM processed_messages "
            "WHERE channel = 'whatsapp' AND message_id LIKE :p"), {"p": f"SM{tag}%"}).one()
        handed = conn.execute(text(
            "SELECT count(*) FROM contacts WHERE handoff_at IS NOT NULL")).scalar_one()
    engine.dispose()
    return int(rows[0]), int(rows[1]), int(handed)


def _load_process(url: str, phones: Path, messages: int, concurrency: int, tag: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.webhooks", "load", "--url", url, "--phones",
         str(phones), "--messages", str(messages), "--concurrency", str(concurrency),
         "--tag", tag], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        load_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--workers", default="1,2", help="server worker processes per run")
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
        (tmp / "phones.json").write_text(json.dumps(phones[:400]))
        (tmp / "warmup.json").write_text(json.dumps(phones[400:800]))
        for run, workers in enumerate(int(s) for s in args.workers.split(",")):
            _reset(url)
            proc, base = _start(workers, _server_env(url, model))
            tag = f"{run:02d}"
            try:  # warm every worker (imports, NLU model, pools), on other senders
                _load_process(base, tmp / "warmup.json", 400, args.concurrency, f"w{tag}")
                result = _load_process(base, tmp / "phones.json", args.messages,
                                       args.concurrency, tag)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            stored, distinct, result["handed_off"] = _stored(url, tag)
            result["duplicated"] = result["answered_twice"] + (stored - distinct)
            result["stored"] = stored
            rows.append((workers, result))
            print(f"workers={workers}: {result['rate']:.0f} req/s", file=sys.stderr)
    print("| worker processes | concurrency | requests (5% replays) | msgs/s | p50 ms | "
          "p90 ms | p99 ms | lost | duplicated | errors | MessageSids stored | "
          "silent (contacts handed off) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for workers, r in rows:
        print(f"| {workers} | {args.concurrency} | {r['requests']:,} | {r['rate']:,.0f} | "
              f"{r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['lost']} | "
              f"{r['duplicated']} | {r['errors']} | {r['stored']:,} of {r['first']:,} | "
              f"{r['silent']} ({r['handed_off']}) |")


if __name__ == "__main__":
    main()
