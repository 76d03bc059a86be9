"""What one send attempt came to, and recording a whole batch's outcomes at once.

`attempt` sends one message (no database access) and says what should be recorded: sent,
retried later with backoff, dead-lettered, or throttled (a provider 429: back to the queue
without using up an attempt, and the channel paused). `record` writes a batch's outcomes
in one short transaction; a sent row loses its secret parameters (an OTP code) there.
Every update is fenced on (id, status 'sending', attempts): a
claim increments `attempts`, so a worker whose lease expired and was re-claimed by
another cannot overwrite the newer attempt's outcome.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, update
from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.clock import Clock
from backend.messaging.hold import Hold
from backend.messaging.pace import RateLimits
from backend.messaging.pace import pause as pace_pause
from backend.messaging.redact import error_text, without_secrets
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import (
    OutgoingMessage,
    PermanentSendError,
    RateLimitedError,
    Sender,
    TransientSendError,
)
from backend.messaging.sent_log import log_sent
from backend.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_PAUSE_S = 3600.0  # a provider's Retry-After beyond this is not believed


@dataclass(frozen=True)
class BatchResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0  # claimed but left to another worker: lease lost, or released unsent
    throttled: int = 0  # the provider said 429: retried later, no attempt used up

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.dead + self.skipped + self.throttled

    def __add__(self, other: BatchResult) -> BatchResult:
        return BatchResult(self.sent + other.sent, self.retried + other.retried,
                           self.dead + other.dead, self.skipped + other.skipped,
                           self.throttled + other.throttled)


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to, before it is recorded."""

    message: OutgoingMessage
    kind: str  # a BatchResult field: sent, retried, dead, throttled
    values: Mapping[str, Any]
    pause_until: datetime | None = None  # a 429: hold the channel back until then


def attempt(sender: Sender, message: OutgoingMessage, *, policy: RetryPolicy,
            clock: Clock, rng: random.Random, limits: RateLimits, hold: Hold) -> Outcome:
    """Send once (no database access here) and say what should be recorded, timed by
    `clock` when the send returned."""
    if message.attempt > policy.max_attempts:
        # Only reachable by re-claiming after the last attempt's lease expired.
        error = "lease expired during the last attempt (worker crashed or too slow)"
        return Outcome(message, "dead", {"status": OutboxStatus.DEAD, "last_error": error,
                                         "locked_until": None})
    try:
        result = sender.send(message)
    except RateLimitedError as exc:
        pause_s = exc.retry_after_s if exc.retry_after_s and exc.retry_after_s > 0 \
            else limits.pause_s
        until = clock.now() + timedelta(seconds=min(pause_s, MAX_PAUSE_S))
        log.info("outbox #%s: channel %s rate-limited by the provider, paused %.1fs",
                 message.id, message.channel, pause_s)
        return Outcome(message, "throttled", {**throttled(until, hold),
                                              "last_error": error_text(exc, message)},
                       pause_until=until)
    except PermanentSendError as exc:
        return _failed(message, exc, None, hold)
    except TransientSendError as exc:
        return _failed(message, exc, (policy, clock.now(), rng), hold)
    except Exception as exc:  # noqa: BLE001 - a sender bug must not stop the worker
        log.debug("outbox sender raised unexpectedly", exc_info=True)
        return _failed(message, exc, (policy, clock.now(), rng), hold)
    provider_id = result.provider_id
    if provider_id is not None and len(provider_id) > 64:
        log.warning("outbox #%s: provider id longer than 64 characters, truncated", message.id)
        provider_id = provider_id[:64]
    return Outcome(message, "sent", {"provider_id": provider_id,
                                     "provider_status": (result.status or "")[:32] or None,
                                     "sent_at": clock.now(), "text": result.text})


def throttled(until: datetime, hold: Hold) -> dict[str, Any]:
    """Back to the queue until the channel's pause ends, giving back the claim's attempt."""
    return {"status": hold.requeued_status(), "attempts": OutboxMessage.attempts - 1,
            "locked_until": None, "next_attempt_at": until}


def _failed(message: OutgoingMessage, exc: Exception,
            retry: tuple[RetryPolicy, datetime, random.Random] | None, hold: Hold) -> Outcome:
    error = error_text(exc, message)
    if retry is not None and message.attempt < retry[0].max_attempts:
        policy, now, rng = retry
        delay = policy.delay_s(message.attempt, rng)
        log.info("outbox #%s to %s: attempt %d failed, retry in %.0fs: %s", message.id,
                 message.masked_address, message.attempt, delay, error)
        return Outcome(message, "retried", {
            "status": hold.requeued_status(), "last_error": error, "locked_until": None,
            "next_attempt_at": now + timedelta(seconds=delay)})
    log.warning("outbox #%s to %s: dead after %d attempt(s): %s", message.id,
                message.masked_address, message.attempt, error)
    return Outcome(message, "dead", {"status": OutboxStatus.DEAD, "last_error": error,
                                     "locked_until": None})


def _fence(message: OutgoingMessage) -> tuple[ColumnElement[bool], ...]:
    return (OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.attempts == message.attempt)


_RECORD_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.id == bindparam("b_id"), OutboxMessage.status == OutboxStatus.SENDING,
           OutboxMessage.attempts == bindparam("b_attempt"))
    .values(status=OutboxStatus.SENT, provider_id=bindparam("b_provider_id"),
            provider_status=bindparam("b_provider_status"), sent_at=bindparam("b_sent_at"),
            locked_until=None))


_REDACT_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.id == bindparam("r_id"), OutboxMessage.status == OutboxStatus.SENT,
           OutboxMessage.attempts == bindparam("r_attempt"))
    .values(params=bindparam("r_params", type_=OutboxMessage.params.type)))


def _redact_sent(session: Session, sent: list[Outcome]) -> None:
    """Blank secret parameters (an OTP code) from the rows just marked sent, in one
    executemany UPDATE: once out, a code has no business in the table (fenced like the
    sent update, so only this attempt's rows)."""
    rows = [{"r_id": o.message.id, "r_attempt": o.message.attempt, "r_params": redacted}
            for o in sent if (redacted := without_secrets(o.message.params)) is not None]
    if rows:
        session.connection().execute(_REDACT_SENT, rows)


def record(session_factory: sessionmaker[Session], outcomes: list[Outcome],
           unsent: list[OutgoingMessage], worker_id: str, hold: Hold) -> BatchResult:
    """Record a batch's outcomes in one short transaction (one executemany UPDATE for the
    successes), each fenced; `unsent` messages go back to the queue with their attempt
    given back."""
    counts = {"sent": 0, "retried": 0, "dead": 0, "skipped": 0, "throttled": 0}
    if not outcomes and not unsent:
        return BatchResult()
    sent = sorted((o for o in outcomes if o.kind == "sent"), key=lambda o: o.message.id)
    others = [o for o in outcomes if o.kind != "sent"]
    lost: list[str] = []
    with session_factory() as session, session.begin():
        if sent:
            owned = session.connection().execute(_RECORD_SENT, [
                {"b_id": o.message.id, "b_attempt": o.message.attempt,
                 "b_provider_id": o.values["provider_id"],
                 "b_provider_status": o.values["provider_status"],
                 "b_sent_at": o.values["sent_at"]} for o in sent]).rowcount
            counts["sent"] += owned
            counts["skipped"] += len(sent) - owned
            if owned < len(sent):
                lost.append(f"{len(sent) - owned} sent")
            if owned:
                log_sent(session.connection(),
                         [(o.message, o.values.get("text")) for o in sent])
                _redact_sent(session, sent)
        for outcome in sorted(others, key=lambda o: o.message.id):
            stmt = (update(OutboxMessage).where(*_fence(outcome.message))
                    .values(**outcome.values).execution_options(synchronize_session=False))
            if session.execute(stmt).rowcount == 1:
                counts[outcome.kind] += 1
            else:
                counts["skipped"] += 1
                lost.append(f"#{outcome.message.id} {outcome.kind}")
        for channel, until in _pauses(outcomes).items():
            pace_pause(session, channel, until)
        for message in unsent:  # give them back, undoing the attempt their claim counted
            session.execute(update(OutboxMessage).where(*_fence(message))
                            .values(status=hold.requeued_status(), locked_until=None,
                                    attempts=OutboxMessage.attempts - 1)
                            .execution_options(synchronize_session=False))
            counts["skipped"] += 1
    if lost:
        log.warning("outbox worker %s: lease lost before recording (%s); another worker "
                    "owns those messages now", worker_id, ", ".join(lost))
    return BatchResult(**counts)


def _pauses(outcomes: Iterable[Outcome]) -> dict[str, datetime]:
    pauses: dict[str, datetime] = {}
    for o in outcomes:
        if o.pause_until is not None:
            channel = o.message.channel
            pauses[channel] = max(o.pause_until, pauses.get(channel, o.pause_until))
    return pauses
