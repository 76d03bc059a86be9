"""No secret in any log line (hardening item 2), end to end: `sahayak serve` and `sahayak
worker` run as real processes with real-looking tokens, against the fake Twilio and Bot API
servers on loopback. A Telegram chat asks to link (an OTP goes by SMS through the worker
and Twilio's API), enters the code; a signed Twilio SMS asks its balance. Then every line
either process wrote (at INFO, the default) is searched for the tokens, keys, the Basic
credential and the code: none. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from nlu import NluSettings, build_parser
from tests.channels.conftest import TEMPLATES
from tests.channels.fakes import FakeTelegram, FakeTwilio, running
from tests.factories import make_consumer
from tests.servers import closed_port, filled_assistant_file

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 90.0  # a deadline for things to happen on a busy machine, not a timing assert
ACCOUNT_SID = "AC" + "3f" * 16
PUBLIC = "https://bijli.example.in"
SECRETS = {
    "TELEGRAM_BOT_TOKEN": "7012345678:AAHd9xQ_k2LmNoPqRsTuVwXyZ0123456789",
    "TELEGRAM_WEBHOOK_SECRET": "tgWebhookSecret_8c1f2e9a7b",
    "TWILIO_AUTH_TOKEN": "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "OPERATOR_API_KEYS": "opkey_5d41402abc4b2a76b9719d911017c592",
    "OTP_HASH_KEY": "otpHashKey_0cc175b9c0f1b6a831c399e269772661",
}
CA, MOBILE = "100000077", "+917000000077"
CHAT = 6006001


@pytest.fixture(scope="module")
def nlu_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nlu-logs") / "model.joblib"
    build_parser(NluSettings(model_path=path)).parse("namaste")  # trained once, then loaded
    return path


def _until(check: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[tuple[subprocess.Popen, object]] = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen:
        out = open(tmp_path / f"{args[0]}.log", "wb")  # noqa: SIM115 - closed below
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        started.append((proc, out))
        return proc

    yield start
    for proc, out in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()  # type: ignore[attr-defined]


def test_no_secret_or_code_in_any_log_line(db_url: str, session_factory: sessionmaker[Session],
                                           tmp_path: Path, nlu_model: Path,
                                           processes: Callable[..., subprocess.Popen]) -> None:
    with session_factory.begin() as s:
        make_consumer(s, ca=CA, mobile=MOBILE, balance_paise=20_000, language="en")
    templates = tmp_path / "templates.yml"
    templates.write_text(yaml.safe_dump(TEMPLATES), encoding="utf-8")
    port = closed_port()
    with running(FakeTwilio()) as twilio, running(FakeTelegram()) as telegram:
        env = {k: v for k, v in os.environ.items()
               if k.upper() not in {"APP_ENV", "LOG_LEVEL", "WEB_CONCURRENCY"}}
        env.update(SECRETS, DATABASE_URL=db_url, APP_ENV="production", LOG_LEVEL="INFO",
                   ASSISTANT_FILE=str(filled_assistant_file(tmp_path)),
                   NLU_MODEL_PATH=str(nlu_model), SCHEDULER_EMBEDDED="0",
                   TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_SMS_FROM="+15005550006",
                   TWILIO_WHATSAPP_FROM="whatsapp:+14155238886", PUBLIC_BASE_URL=PUBLIC,
                   TWILIO_API_BASE_URL=twilio.url, TELEGRAM_API_BASE_URL=telegram.url,
                   CHANNEL_TEMPLATES_FILE=str(templates), PYTHONUNBUFFERED="1")
        server = processes(env, "serve", "--port", str(port))
        worker = processes(env, "worker", "--poll-interval", "0.2")
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=30) as http:
            def up() -> bool:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                try:
                    return http.get(base + "/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            _until(up, "the server")
            updates = iter(range(900_001, 900_100))

            def say(text: str) -> None:
                replies = len(telegram.calls("/sendMessage"))
                body = {"update_id": next(updates), "message": {
                    "message_id": next(updates), "date": 1_770_000_000, "text": text,
                    "from": {"id": CHAT, "is_bot": False, "first_name": "Kiran"},
                    "chat": {"id": CHAT, "type": "private", "first_name": "Kiran"}}}
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRETS["TELEGRAM_WEBHOOK_SECRET"]}
                assert http.post(base + "/webhooks/telegram", json=body,
                                 headers=headers).status_code == 200
                _until(lambda: len(telegram.calls("/sendMessage")) > replies, f"reply to {text}")

            say("link my account")
            say(f"my CA number is {CA}")
            sms = _until(lambda: twilio.calls("/Messages.json"), "the OTP SMS")
            code = re.search(r"\b\d{6}\b", sms[0].form["Body"]).group()  # type: ignore[index]
            say(code)
            assert f"CA {CA}" in telegram.sent_texts()[-1], telegram.sent_texts()  # linked
            params = {"From": "+917000000078", "To": "+15005550006", "Body": "balance",
                      "MessageSid": "SM" + "7" * 32, "NumSegments": "1"}
            path = "/webhooks/twilio/sms"
            signature = RequestValidator(SECRETS["TWILIO_AUTH_TOKEN"]).compute_signature(
                PUBLIC + path, params)
            reply = http.post(base + path, data=params, headers={"X-Twilio-Signature": signature})
            assert reply.status_code == 200, reply.text
    for proc in (server, worker):  # stopped, so every line is written
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    logs = {name: (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
            for name in ("serve", "worker")}
    assert "Uvicorn running" in logs["serve"] or "Application startup" in logs["serve"]
    basic = base64.b64encode(f"{ACCOUNT_SID}:{SECRETS['TWILIO_AUTH_TOKEN']}".encode()).decode()
    forbidden = {**SECRETS, "basic": basic, "code": code, "bot id": "7012345678:"}
    for name, text in logs.items():
        for line in text.splitlines():
            leaks = [what for what, value in forbidden.items() if value in line]
            assert not leaks, f"{name} log leaks {leaks}: {line}"
