"""`sahayak serve --workers 2` starts cleanly under load: the real command in a subprocess
on loopback, requests fired at it from the first moment, and uvicorn's own log lines say
whether a worker was killed or replaced. SMS is on, so the app needs the NLU model, and
the model file is missing at start (the worst case: it must be trained); each worker's
app log lines must reach the output."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from backend.platform import migrate
from bot.settings import AppSettings
from tests.servers import closed_port

READY_WAIT_S = 120  # a generous bound on a busy 2-core machine; not a timing assert


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in {name.upper() for name in AppSettings.model_fields}
           and not k.upper().startswith(("NLU_", "RASA_", "WEB_CONCURRENCY"))}
    env.update(DATABASE_URL=url, APP_ENV="demo", WEB_CHAT_ENABLED="1", LOG_LEVEL="INFO",
               OPERATOR_API_KEYS="op-key", SCHEDULER_EMBEDDED="0",
               NLU_MODEL_PATH=str(tmp_path / "model" / "nlu.joblib"),
               # SMS on: each worker loads the NLU model before it serves (no send here)
               TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="test-token",
               TWILIO_SMS_FROM="+15005550006", PUBLIC_BASE_URL="https://bot.example.test",
               TWILIO_API_BASE_URL=f"http://127.0.0.1:{closed_port()}")
    return env


def _hammer(base: str, stop: threading.Event) -> int:
    """Requests, one after another, until `stop`: refused connections while nothing
    listens yet are expected; returns how many got an answer."""
    answered = 0
    with httpx.Client(base_url=base, timeout=10, headers={"X-API-Key": "op-key"}) as client:
        while not stop.is_set():
            for path in ("/healthz", "/api/v1/consumers/100000000001/summary", "/chat"):
                try:
                    client.get(path)
                    answered += 1
                except httpx.HTTPError:
                    stop.wait(0.05)
    return answered


@pytest.mark.slow
def test_two_workers_start_once_each_and_both_log(fresh_url: str, tmp_path: Path) -> None:
    migrate.upgrade(fresh_url)
    port = closed_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--workers", "2", "--port", str(port)],
        cwd=tmp_path, env=_env(fresh_url, tmp_path), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready_pids: set[str] = set()
    both_ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            match = re.search(r"app ready in process (\d+)", line)
            if match:
                ready_pids.add(match[1])
                if len(ready_pids) >= 2:
                    both_ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stop = threading.Event()
    try:
        with ThreadPoolExecutor(4) as pool:
            clients = [pool.submit(_hammer, f"http://127.0.0.1:{port}", stop)
                       for _ in range(4)]
            both_ready.wait(READY_WAIT_S)
            stop.set()
            answered = sum(c.result() for c in clients)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(10)
    output = "".join(lines)
    assert both_ready.is_set(), output
    assert answered > 0, output
    started = re.findall(r"Started server process \[(\d+)\]", output)
    assert len(started) == 2, output  # two workers, none replaced
    assert "died" not in output and "not ready in time" not in output, output
    # The app's own lines come from each worker, with its pid on the line.
    assert ready_pids == set(started), output
    for pid in started:
        assert re.search(rf"INFO \[{pid}\] bot\.app: app ready", output), output
