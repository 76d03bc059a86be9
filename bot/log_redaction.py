"""No secret in a log line: tokens, API keys, auth headers and one-time codes are blanked
from every log record this process makes, whatever logged it (our code, httpx, uvicorn,
python-telegram-bot, twilio) and whichever handler writes it.

Two layers. The HTTP client loggers that put a bot token in every URL they log (httpx,
httpcore, telegram, twilio.http_client) are held at WARNING unless debug logging was
asked for. And a record factory (`logging.setLogRecordFactory`: it sees each record as it
is made, so handlers added later — uvicorn's, a worker process's — are covered too) runs
`RedactingFilter` on it: Telegram bot tokens, the configured secrets' values (every
`SecretStr` setting: Twilio auth token, API keys, webhook secret, …), `Authorization:
Basic/Bearer …` values and (above DEBUG: a developer's console sender shows them) codes
after "OTP"/"code" are replaced in the message, its arguments, its traceback and stack.
`install` is called where logging is set up: `sahayak` (bot/cli) and each `serve
--workers N` process (bot.app.app_from_env).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import SecretStr

MASK = "[redacted]"
#: Loggers of HTTP clients that log request URLs (a Telegram URL holds the bot token).
HTTP_CLIENT_LOGGERS = ("httpx", "httpcore", "telegram", "telegram.ext", "twilio.http_client")
#: Records whose formatter reads `args` as a fixed tuple: only their arguments are blanked.
_FIXED_ARGS_LOGGERS = frozenset({"uvicorn.access"})
#: A secret shorter than this is not searched for (it would blank ordinary words).
MIN_SECRET_CHARS = 6

_TELEGRAM_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
#: An HTTP credential: after "Authorization:" whatever the scheme, or a long Basic/Bearer one.
_AUTH = re.compile(r"(?i)(\bauthorization['\"]?\s*[:=]\s*['\"]?(?:[A-Za-z]+\s+)?)[^\s'\",;]+"
                   r"|(\b(?:basic|bearer)\s+)[A-Za-z0-9._~+/=-]{16,}")
_OTP = re.compile(r"(?i)(\b(?:otp|code|passcode)\b['\"]?\s*(?:is|hai|[:=-])?\s*['\"]?\s*)"
                  r"\d{4,8}\b")


class RedactingFilter(logging.Filter):
    """Blanks secrets in a record (never drops one). `add_secrets` adds configured values."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def add_secrets(self, values: Iterable[str]) -> None:
        with self._lock:
            known = set(self._secrets) | {v for v in values if len(v) >= MIN_SECRET_CHARS}
            self._secrets = tuple(sorted(known, key=len, reverse=True))

    def redact(self, text: str, *, codes: bool = True) -> str:
        """`text` with secrets blanked; one-time codes too unless `codes` is False."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _TELEGRAM_TOKEN.sub(MASK, text)
        text = _AUTH.sub(lambda m: f"{m.group(1) or m.group(2)}{MASK}", text)
        return _OTP.sub(lambda m: f"{m.group(1)}{MASK}", text) if codes else text

    def filter(self, record: logging.LogRecord) -> bool:
        with contextlib.suppress(Exception):  # a record that cannot be formatted stays
            self._redact_record(record)  # (its arguments already blanked one by one)
        return True

    def _redact_record(self, record: logging.LogRecord) -> None:
        # a DEBUG line may show a code (the console sender's, for a developer who asks)
        codes = record.levelno > logging.DEBUG
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg, codes=codes)
        if isinstance(record.args, Mapping):
            record.args = {k: self._arg(v, codes) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(self._arg(a, codes) for a in record.args)
        if record.args and record.name not in _FIXED_ARGS_LOGGERS:
            # a secret split across arguments, or an int code: blank the whole line
            message = record.getMessage()
            clean = self.redact(message, codes=codes)
            if clean != message:
                record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info),
                                          codes=codes)
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text, codes=codes)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info, codes=codes)

    def _arg(self, value: Any, codes: bool) -> Any:  # noqa: ANN401 - any log argument
        if isinstance(value, bool | int | float) or value is None:
            return value
        text = value if isinstance(value, str) else str(value)
        clean = self.redact(text, codes=codes)
        return value if clean == text else clean


REDACTOR = RedactingFilter()
_installed = threading.Lock()
_factory_installed = False


def secret_values(settings: object) -> list[str]:
    """Every configured secret: the values of the settings' `SecretStr` fields (and lists
    of them)."""
    values: list[str] = []
    for name in type(settings).model_fields:  # type: ignore[attr-defined]
        value = getattr(settings, name, None)
        items = value if isinstance(value, list | tuple) else [value]
        values += [i.get_secret_value() for i in items if isinstance(i, SecretStr)]
    return [v for v in values if v]


def install(settings: object | None = None, *, debug: bool = False) -> RedactingFilter:
    """Redact every record this process makes from now on (idempotent; each call adds the
    `settings`' secrets) and hold the HTTP client loggers at WARNING unless `debug`."""
    global _factory_installed
    if settings is not None:
        REDACTOR.add_secrets(secret_values(settings))
    with _installed:
        if not _factory_installed:
            make = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = make(*args, **kwargs)
                REDACTOR.filter(record)
                return record

            logging.setLogRecordFactory(factory)
            _factory_installed = True
    if not debug:
        for name in HTTP_CLIENT_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET or logger.level < logging.WARNING:
                logger.setLevel(logging.WARNING)
    return REDACTOR
