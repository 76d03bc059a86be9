"""Pluggable senders for outbox messages.

The outbox worker knows only the `Sender` protocol; channel adapters (Twilio, Telegram, ...)
implement it later and are plugged in through `RoutingSender`. Until then the embedded
default is `ConsoleSender`, which writes to the log like Django's console e-mail backend.
Privacy rule (docs/ARCHITECTURE.md, "Privacy"): never log a full phone number or a message
body at INFO.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    """What a sender gets: a snapshot of one claimed outbox row, one attempt of it.

    `address` and `params` are left out of `repr` so that a message which ends up in a log
    line or a traceback does not leak the number or the body.
    """

    id: int
    channel: str
    address: str = field(repr=False)
    message_key: str
    params: Mapping[str, Any] = field(repr=False)
    language: str
    attempt: int  # 1 for the first try

    @property
    def masked_address(self) -> str:
        return mask_address(self.address)


@dataclass(frozen=True)
class SendResult:
    provider_id: str | None  # the provider's message id, for delivery callbacks
    status: str  # the provider's status at hand-over, e.g. "queued", "sent"
    #: The text that went out, if the sender rendered it: kept (codes blanked) in the
    #: conversation log (backend/messaging/sent_log.py).
    text: str | None = field(default=None, repr=False)


class SendError(Exception):
    """A send failed. The message text is stored (truncated) as the row's `last_error`, so
    it should say what went wrong without repeating the message body."""


class TransientSendError(SendError):
    """Worth retrying later: timeouts, 5xx, rate limits."""


class RateLimitedError(TransientSendError):
    """The provider said 429 (too many requests): the whole channel backs off for
    `retry_after_s` (the provider's Retry-After, else the configured pause) and the message
    is retried then without using up an attempt."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermanentSendError(SendError):
    """Retrying cannot help (invalid number, blocked, unknown channel): dead-letter now."""


@runtime_checkable
class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> SendResult:
        """Deliver one message or raise `TransientSendError` / `PermanentSendError`.

        Called outside any database transaction, possibly from several threads."""
        ...


def mask_address(address: str) -> str:
    """Hide the middle of an address for logs: "+919876543210" -> "+91******3210".

    A scheme prefix such as "whatsapp:" is kept; short ids keep less so that little of a
    short number is ever shown.
    """
    scheme, sep, rest = address.rpartition(":")
    prefix = scheme + sep
    if len(rest) >= 10:
        head = 3 if rest.startswith("+") else 0
        tail = 4
    elif len(rest) >= 6:
        head, tail = 0, 2
    else:
        head, tail = 0, 0
    return prefix + rest[:head] + "*" * (len(rest) - head - tail) + rest[len(rest) - tail:]


class ConsoleSender:
    """Embedded default: "sends" by logging. One masked INFO line per message; the full
    address and params only at DEBUG, for a developer who asks for them."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or log

    def send(self, message: OutgoingMessage) -> SendResult:
        self._log.info("console send #%s via %s to %s: %s (%s, attempt %s)", message.id,
                       message.channel, message.masked_address, message.message_key,
                       message.language, message.attempt)
        self._log.debug("console send #%s full message: to=%s key=%s params=%r", message.id,
                        message.address, message.message_key, dict(message.params))
        return SendResult(provider_id=f"console-{message.id}", status="logged")


class RecordingSender:
    """Keeps what it sent, for tests and for channel work before a real provider exists.

    `fail_next(n)` makes the next n calls raise a transient error (or a permanent one);
    `calls` records every attempt, `sent` only the successful ones. Thread-safe.
    """

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self.calls: list[OutgoingMessage] = []
        self._failures: list[SendError] = []
        self._lock = threading.Lock()
        self._counter = 0

    def fail_next(self, count: int = 1, *, permanent: bool = False,
                  reason: str = "simulated failure") -> None:
        error = PermanentSendError if permanent else TransientSendError
        with self._lock:
            self._failures.extend(error(reason) for _ in range(count))

    def send(self, message: OutgoingMessage) -> SendResult:
        with self._lock:
            self.calls.append(message)
            if self._failures:
                raise self._failures.pop(0)
            self._counter += 1
            self.sent.append(message)
            return SendResult(provider_id=f"rec-{self._counter}", status="sent")


class RoutingSender:
    """Picks a sender by channel, so each channel adapter plugs in on its own. A channel
    with no sender (and no default) is a permanent error: retrying will not add one."""

    def __init__(self, routes: Mapping[str, Sender], default: Sender | None = None) -> None:
        self._routes = dict(routes)
        self._default = default

    def send(self, message: OutgoingMessage) -> SendResult:
        sender = self._routes.get(message.channel, self._default)
        if sender is None:
            raise PermanentSendError(f"no sender for channel {message.channel!r}")
        return sender.send(message)
