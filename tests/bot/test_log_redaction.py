"""The log redaction (bot/log_redaction.py): what it blanks in a record's message, arguments
and traceback, what it leaves alone, and the HTTP client loggers held at WARNING."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot import log_redaction
from bot.log_redaction import MASK, RedactingFilter, secret_values
from bot.settings import AppSettings

TOKEN = "7012345678:AAHd9xQ_k2LmNoPqRsTuVwXyZ0123456789"
TWILIO = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@pytest.fixture
def redactor() -> RedactingFilter:
    f = RedactingFilter()
    f.add_secrets([TWILIO, "short"])
    return f


def _record(name: str, msg: str, *args: object, exc: BaseException | None = None
            ) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, exc_info)


@pytest.mark.parametrize(("text", "kept"), [
    (f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/sendMessage", "/sendMessage"),
    ("Authorization: Basic QUMzZjNmOjlmOGU3ZDZj", "Authorization: Basic "),
    ("headers={'authorization': 'Bearer abc.def'}", "authorization"),
    ("sent with Bearer eyJhbGciOiJIUzI1NiJ9xyz", "Bearer "),
    ("Bijli Sahayak: your OTP is 493817 (10 min).", "(10 min)"),
    ("बिजली सहायक OTP: 493817 (10 मिनट)।", "बिजली सहायक OTP"),
    ("Bijli Sahayak: aapka OTP 493817 hai", "hai"),
    ("params={'code': '493817', 'minutes': 10}", "'minutes': 10"),
    (f"twilio said: token {TWILIO} refused", "refused"),
])
def test_secrets_are_blanked(redactor: RedactingFilter, text: str, kept: str) -> None:
    clean = redactor.redact(text)
    assert MASK in clean and kept in clean
    assert TOKEN not in clean and TWILIO not in clean and "493817" not in clean
    assert "QUMzZjNmOjlmOGU3ZDZj" not in clean and "abc.def" not in clean


@pytest.mark.parametrize("text", [
    "otp 12 sent for contact 5 consumer 7", "basic charges apply", "short words stay",
    "telegram webhook: bad or missing secret token, refused", "outbox #1234 sent at 10:30",
    "CA 100200300 balance ₹330.40"])
def test_ordinary_lines_stay(redactor: RedactingFilter, text: str) -> None:
    assert redactor.redact(text) == text


def test_arguments_tracebacks_and_split_values(redactor: RedactingFilter) -> None:
    url = httpx.URL(f"http://127.0.0.1:1/bot{TOKEN}/getMe")  # httpx logs the URL object
    record = _record("httpx", 'HTTP Request: %s %s "%s %d %s"', "POST", url, "HTTP/1.1", 200,
                     "OK")
    redactor.filter(record)
    assert TOKEN not in record.getMessage() and "200 OK" in record.getMessage()
    code = _record("x", "sent the OTP: %d", 493817)  # an int: only the whole line shows it
    redactor.filter(code)
    assert code.getMessage() == f"sent the OTP: {MASK}"
    try:
        raise RuntimeError(f"connect failed for /bot{TOKEN}/sendMessage")
    except RuntimeError as exc:
        failed = _record("telegram.ext", "error", exc=exc)
    redactor.filter(failed)
    line = logging.Formatter().format(failed)
    assert "RuntimeError" in line and TOKEN not in line
    access = _record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET",
                     f"/x?t={TWILIO}", "1.1", 200)
    redactor.filter(access)
    assert isinstance(access.args, tuple) and len(access.args) == 5  # its formatter unpacks
    assert TWILIO not in access.getMessage()


def test_configured_secrets_come_from_every_secret_setting() -> None:
    settings = AppSettings(_env_file=None, twilio_auth_token=TWILIO,  # type: ignore[call-arg]
                           telegram_bot_token=TOKEN, operator_api_keys="opkey-1,opkey-2",
                           otp_hash_key="hash-key-value", outbox_http_token="gw-token-1")
    assert set(secret_values(settings)) >= {TWILIO, TOKEN, "opkey-1", "opkey-2",
                                            "hash-key-value", "gw-token-1"}


def test_install_covers_every_logger_and_holds_http_clients_at_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    settings = AppSettings(_env_file=None, twilio_auth_token="tw-secret-for-install")  # type: ignore[call-arg]
    log_redaction.install(settings)
    log_redaction.install(settings)  # idempotent
    for name in log_redaction.HTTP_CLIENT_LOGGERS:
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
    with caplog.at_level(logging.INFO, logger="some.library"):
        logging.getLogger("some.library").info("calling with %s", "tw-secret-for-install")
    assert caplog.messages == [f"calling with {MASK}"]


def test_each_serve_worker_process_installs_it(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """`serve --workers N` processes build the app with `app_from_env`, not the CLI."""
    from bot.app import app_from_env
    from tests.servers import clear_settings_env

    clear_settings_env(monkeypatch)
    for name, value in {"DATABASE_URL": db_url, "APP_ENV": "demo", "SCHEDULER_EMBEDDED": "0",
                        "METERING_API_KEY": "metering-key-in-a-worker"}.items():
        monkeypatch.setenv(name, value)
    app = app_from_env()
    app.state.backend.close()
    with caplog.at_level(logging.INFO, logger="some.library"):
        logging.getLogger("some.library").info("key %s", "metering-key-in-a-worker")
    assert caplog.messages == [f"key {MASK}"]


def test_a_debug_line_may_show_a_code_but_no_token(redactor: RedactingFilter) -> None:
    debug = logging.LogRecord("backend.messaging.senders", logging.DEBUG, __file__, 1,
                              "full message: params=%r via %s", ({"code": "493817"},
                                                                 f"/bot{TOKEN}/x"), None)
    redactor.filter(debug)
    assert "493817" in debug.getMessage() and TOKEN not in debug.getMessage()
