"""The outbox: messages the system starts (OTP codes, alerts, broadcasts).

Callers `enqueue` in the same transaction as the cause, so a message exists if and only if
its cause was committed. Workers claim a batch of due rows in a short transaction (within
the per-channel rate limits of backend/messaging/pace.py), send it outside any transaction,
then record the batch's outcomes in one transaction. Delivery is at-least-once: a worker
that dies after sending but before recording will have its leases expire and the batch
sent again, so the lease must comfortably exceed a batch's send time.

Every outcome update is fenced on (id, status 'sending', attempts): a claim increments
`attempts`, so a worker whose lease expired and was re-claimed by another cannot overwrite
the newer attempt's outcome.

On SQLite every transaction here starts with a write (the claim's UPDATE, or the pace
upsert when rate limits are set), so the writer lock is taken before any read and the busy
timeout applies (no "database is locked" from a stale read snapshot); SQLite's single
writer serialises concurrent claims. (Without rate limits a claim first reads the pace
rows for 429 pauses; pysqlite runs that read before BEGIN, so it holds no snapshot.)
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from backend.engagement.broadcasts.window import claimable, requeued_status
from backend.messaging.pace import Pace, RateLimits, Slots
from backend.messaging.pace import pause as pace_pause
from backend.messaging.senders import (
    OutgoingMessage,
    PermanentSendError,
    RateLimitedError,
    Sender,
    TransientSendError,
)
from backend.models import OutboxMessage, OutboxStatus
from backend.platform.clock import utcnow
from backend.platform.settings import Settings

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 500
LEASE_BUDGET = 0.8  # stop sending from a batch once this share of its lease has gone
MAX_SLOT_LAG_S = 0.1  # further behind its booked send slots, a worker books new ones
_LIMITS = {"channel": 16, "address": 64, "message_key": 64, "language": 8,
           "idempotency_key": 128}
# Delivery statuses in the order providers report them; a late callback never moves a
# message back (e.g. "sent" arriving after "delivered"). Unknown statuses always apply.
_STATUS_RANK = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4,
                "undelivered": 4, "failed": 4, "read": 5}


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry transient failures."""

    max_attempts: int = 6
    backoff_base_s: float = 30.0
    backoff_max_s: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(max_attempts=settings.outbox_max_attempts,
                   backoff_base_s=settings.outbox_backoff_base_s,
                   backoff_max_s=settings.outbox_backoff_max_s)

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter in [50%, 100%] of the step: the jitter spreads a
        burst of failures (a provider outage) so the retries don't all land at once, while
        the floor keeps a retry from coming back almost immediately."""
        step = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(attempt - 1, 30))
        return step * rng.uniform(0.5, 1.0)


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


# ---------------------------------------------------------------------------- enqueue


def enqueue(session: Session, *, channel: str, address: str, message_key: str,
            params: Mapping[str, Any], language: str, idempotency_key: str,
            not_before: datetime | None = None,
            now: datetime | None = None) -> OutboxMessage | None:
    """Add a message in the caller's transaction (no commit): it is sent only if the cause
    commits. The same idempotency key twice enqueues once; the duplicate returns None.

    Uses INSERT ... ON CONFLICT DO NOTHING, so a duplicate neither raises nor aborts the
    caller's transaction (on PostgreSQL a concurrent insert of the same key waits for the
    first transaction and then does nothing).
    """
    now = now or utcnow()
    for moment in (now, not_before):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("naive datetime: pass an aware (UTC) datetime")
    fields = {"channel": channel, "address": address, "message_key": message_key,
              "language": language, "idempotency_key": idempotency_key}
    for name, value in fields.items():
        if not value or len(value) > _LIMITS[name]:
            raise ValueError(f"{name} must be 1-{_LIMITS[name]} characters")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:
        raise NotImplementedError(f"outbox enqueue is not implemented for {dialect}")
    stmt = (insert(OutboxMessage)
            .values(**fields, params=dict(params), status=OutboxStatus.PENDING, attempts=0,
                    next_attempt_at=not_before or now, created_at=now)
            .on_conflict_do_nothing(index_elements=[OutboxMessage.idempotency_key])
            .returning(OutboxMessage))
    return session.scalars(stmt).one_or_none()


# ---------------------------------------------------------------------------- claiming

_CLAIMED = (OutboxMessage.id, OutboxMessage.channel, OutboxMessage.address,
            OutboxMessage.message_key, OutboxMessage.params, OutboxMessage.language,
            OutboxMessage.attempts)


@dataclass(frozen=True)
class Claim:
    """One claimed batch: the messages and, per rate-limited channel, the send slots."""

    messages: list[OutgoingMessage]
    slots: Mapping[str, Slots]

    def schedule(self) -> list[tuple[OutgoingMessage, datetime | None]]:
        """Each message with the earliest time it may go (None: at once), in send order."""
        index: dict[str, int] = {}
        timed: list[tuple[OutgoingMessage, datetime | None]] = []
        for message in self.messages:  # sorted by id
            slots = self.slots.get(message.channel)
            if slots is None:
                timed.append((message, None))
            else:
                i = index[message.channel] = index.get(message.channel, -1) + 1
                timed.append((message, slots.at(i)))
        return sorted(timed, key=lambda t: (t[1] is not None, t[1] or datetime.min.replace(
            tzinfo=UTC), t[0].id))


def claim_batch(session_factory: sessionmaker[Session], worker_id: str, limit: int,
                now: datetime, lease_s: float) -> list[OutgoingMessage]:
    """Claim up to `limit` due messages, ignoring rate limits (see `claim_paced`)."""
    return claim_paced(session_factory, worker_id, limit, now, lease_s).messages


def claim_paced(session_factory: sessionmaker[Session], worker_id: str, limit: int,
                now: datetime, lease_s: float, limits: RateLimits | None = None) -> Claim:
    """Claim up to `limit` due messages in one short transaction, within the channels'
    rate limits, and book their send slots (backend/messaging/pace.py).

    Due means pending with `next_attempt_at <= now`, or still 'sending' with an expired
    lease (its worker crashed). Expired leases go first, so a crash is not starved by a big
    broadcast. Each claim marks the row 'sending', leases it until now + lease_s and counts
    the attempt. PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so workers never wait on or
    claim each other's rows. SQLite: one UPDATE ... WHERE id IN (SELECT ... LIMIT).
    A rate-limited channel gets at most its bucket's tokens; a paused channel nothing.
    """
    if limit <= 0:
        return Claim([], {})
    if lease_s <= 0:
        raise ValueError("lease_s must be positive")
    lease_until = now + timedelta(seconds=lease_s)
    expired = and_(OutboxMessage.status == OutboxStatus.SENDING,
                   OutboxMessage.locked_until < now)
    pending = and_(OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.next_attempt_at <= now,
                   claimable(now))  # not a paused/cancelled/out-of-hours broadcast's

    def take(session: Session, channels: ColumnElement[bool], most: int
             ) -> list[OutgoingMessage]:
        got: list[OutgoingMessage] = []
        for due in (expired, pending):
            if len(got) < most:
                got += _claim(session, and_(due, channels), most - len(got), lease_until)
        return got

    claimed: list[OutgoingMessage] = []
    slots: dict[str, Slots] = {}
    with session_factory() as session, session.begin():
        pace = Pace.lock(session, limits or RateLimits(), now)
        for channel in pace.limited():
            most = min(pace.quota(channel), limit - len(claimed))
            got = take(session, OutboxMessage.channel == channel, most) if most > 0 else []
            if got:
                slots[channel] = pace.take(channel, len(got))
                claimed += got
        blocked = pace.blocked()
        if len(claimed) < limit:
            claimed += take(session, OutboxMessage.channel.not_in(blocked) if blocked
                            else true(), limit - len(claimed))
        pace.save(session)
    if claimed:
        log.debug("outbox worker %s claimed %d message(s)", worker_id, len(claimed))
    return Claim(sorted(claimed, key=lambda m: m.id), slots)


def _claim(session: Session, due: ColumnElement[bool], limit: int,
           lease_until: datetime) -> list[OutgoingMessage]:
    ids = (select(OutboxMessage.id).where(due)
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        # Lock first, then update exactly those rows: a LIMIT inside `IN (...)` of an
        # UPDATE may be planned as a re-executed semi-join on PostgreSQL.
        locked = session.scalars(ids.with_for_update(skip_locked=True)).all()
        if not locked:
            return []
        target = OutboxMessage.id.in_(locked)
    else:
        target = OutboxMessage.id.in_(ids)
    stmt = (update(OutboxMessage).where(target, due)
            .values(status=OutboxStatus.SENDING, locked_until=lease_until,
                    attempts=OutboxMessage.attempts + 1)
            .returning(*_CLAIMED)
            .execution_options(synchronize_session=False))
    return [OutgoingMessage(id=r.id, channel=r.channel, address=r.address,
                            message_key=r.message_key, params=r.params or {},
                            language=r.language, attempt=r.attempts)
            for r in session.execute(stmt)]


# ---------------------------------------------------------------------------- processing


@dataclass(frozen=True)
class _Outcome:
    """What one send attempt came to, before it is recorded."""

    message: OutgoingMessage
    kind: str  # a BatchResult field: sent, retried, dead, throttled
    values: Mapping[str, Any]
    pause_until: datetime | None = None  # a 429: hold the channel back until then


def process_batch(session_factory: sessionmaker[Session], sender: Sender, *, worker_id: str,
                  policy: RetryPolicy = RetryPolicy(), limit: int = 100,
                  lease_s: float = 300.0, now: datetime | None = None,
                  rng: random.Random | None = None, limits: RateLimits | None = None,
                  concurrency: int = 1) -> BatchResult:
    """Claim one batch, send it outside any transaction (up to `concurrency` sends at a
    time, rate-limited channels at their booked slot times), then record every outcome in
    one transaction: one fenced executemany UPDATE for the successes.

    At-least-once: a worker killed mid-batch records nothing for that batch; its leases
    expire and the batch is sent again, so a kill duplicates at most one batch's sends.
    `now` fixes the clock (tests); by default each step reads the real clock. Messages not
    yet sent when 80% of the lease has gone are released for another worker, unsent and
    without using up an attempt, rather than risk a second worker sending them too.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    rng = rng or random.Random()
    limits = limits or RateLimits()
    started = time.monotonic()
    claim = claim_paced(session_factory, worker_id, limit, now or utcnow(), lease_s, limits)

    paused: dict[str, datetime] = {}  # channels a 429 paused during this batch

    def attempt(message: OutgoingMessage) -> _Outcome:
        until = paused.get(message.channel)
        if until is not None:  # hold the rest of the channel back too, unsent
            return _Outcome(message, "throttled", _throttled(until), pause_until=until)
        outcome = _attempt(sender, message, policy, now, rng, limits)
        if outcome.pause_until is not None:
            paused[message.channel] = max(outcome.pause_until,
                                          paused.get(message.channel, outcome.pause_until))
        return outcome

    budget_s = lease_s * LEASE_BUDGET
    outcomes, unsent, late = _send_all(claim, attempt, started, budget_s, concurrency,
                                       check_lag=now is None)
    if late:
        log.info("outbox worker %s: more than %.2fs behind its send slots, released %d "
                 "message(s) to book new ones", worker_id, MAX_SLOT_LAG_S, late)
    if len(unsent) > late:
        log.warning("outbox worker %s: lease nearly over, released %d unsent message(s)",
                    worker_id, len(unsent) - late)
    return _record(session_factory, outcomes, unsent, worker_id)


def _send_all(claim: Claim, attempt: Callable[[OutgoingMessage], _Outcome], started: float,
              budget_s: float, concurrency: int, *, check_lag: bool,
              ) -> tuple[list[_Outcome], list[OutgoingMessage], int]:
    """Send in schedule order. Returns the outcomes, the messages left unsent, and how
    many of those were left because the worker fell behind its slots (a stalled worker
    that caught up at once would burst past the provider's limit)."""
    futures: list[Future[_Outcome]] = []
    outcomes: list[_Outcome] = []
    unsent: list[OutgoingMessage] = []
    behind: set[str] = set()  # channels whose slots this worker could not keep
    free = threading.Semaphore(concurrency)
    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="outbox-send") \
        if concurrency > 1 else None
    schedule = claim.schedule()
    try:
        for index, (message, when) in enumerate(schedule):
            if message.channel in behind:
                unsent.append(message)
                continue
            if not _wait_until(when, started, budget_s):
                unsent += [m for m, _ in schedule[index:]]
                break
            if pool is not None:
                free.acquire()
            if check_lag and when is not None and \
                    (utcnow() - when).total_seconds() > MAX_SLOT_LAG_S:
                behind.add(message.channel)
                unsent.append(message)
                if pool is not None:
                    free.release()
                continue
            if pool is None:
                outcomes.append(attempt(message))
                continue
            if time.monotonic() - started > budget_s:
                free.release()
                unsent += [m for m, _ in schedule[index:]]
                break
            future = pool.submit(attempt, message)
            future.add_done_callback(lambda _: free.release())
            futures.append(future)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    outcomes += [f.result() for f in futures]
    return outcomes, unsent, sum(1 for m in unsent if m.channel in behind)


def _wait_until(when: datetime | None, started: float, budget_s: float) -> bool:
    """Sleep until a booked slot; False if the lease budget would run out first."""
    if when is not None:
        delay = (when - utcnow()).total_seconds()
        if delay > 0:
            if time.monotonic() - started + delay > budget_s:
                return False
            time.sleep(delay)
    return time.monotonic() - started <= budget_s


def _attempt(sender: Sender, message: OutgoingMessage, policy: RetryPolicy,
             now: datetime | None, rng: random.Random, limits: RateLimits) -> _Outcome:
    """Send once (no database access here) and say what should be recorded."""
    if message.attempt > policy.max_attempts:
        # Only reachable by re-claiming after the last attempt's lease expired.
        error = "lease expired during the last attempt (worker crashed or too slow)"
        return _Outcome(message, "dead", {"status": OutboxStatus.DEAD, "last_error": error,
                                          "locked_until": None})
    try:
        result = sender.send(message)
    except RateLimitedError as exc:
        pause_s = exc.retry_after_s if exc.retry_after_s and exc.retry_after_s > 0 \
            else limits.pause_s
        until = (now or utcnow()) + timedelta(seconds=min(pause_s, 3600.0))
        log.info("outbox #%s: channel %s rate-limited by the provider, paused %.1fs",
                 message.id, message.channel, pause_s)
        return _Outcome(message, "throttled", {**_throttled(until),
                                               "last_error": error_text(exc, message)},
                        pause_until=until)
    except PermanentSendError as exc:
        return _failed(message, exc, None)
    except TransientSendError as exc:
        return _failed(message, exc, (policy, now, rng))
    except Exception as exc:  # noqa: BLE001 - a sender bug must not stop the worker
        log.debug("outbox sender raised unexpectedly", exc_info=True)
        return _failed(message, exc, (policy, now, rng))
    provider_id = result.provider_id
    if provider_id is not None and len(provider_id) > 64:
        log.warning("outbox #%s: provider id longer than 64 characters, truncated", message.id)
        provider_id = provider_id[:64]
    return _Outcome(message, "sent", {"provider_id": provider_id,
                                      "provider_status": (result.status or "")[:32] or None,
                                      "sent_at": now or utcnow()})


def _throttled(until: datetime) -> dict[str, Any]:
    """Back to pending until the channel's pause ends, giving back the claim's attempt."""
    return {"status": requeued_status(), "attempts": OutboxMessage.attempts - 1,
            "locked_until": None, "next_attempt_at": until}


def _failed(message: OutgoingMessage, exc: Exception,
            retry: tuple[RetryPolicy, datetime | None, random.Random] | None) -> _Outcome:
    error = error_text(exc, message)
    if retry is not None and message.attempt < retry[0].max_attempts:
        policy, now, rng = retry
        delay = policy.delay_s(message.attempt, rng)
        log.info("outbox #%s to %s: attempt %d failed, retry in %.0fs: %s", message.id,
                 message.masked_address, message.attempt, delay, error)
        return _Outcome(message, "retried", {
            "status": requeued_status(), "last_error": error, "locked_until": None,
            "next_attempt_at": (now or utcnow()) + timedelta(seconds=delay)})
    log.warning("outbox #%s to %s: dead after %d attempt(s): %s", message.id,
                message.masked_address, message.attempt, error)
    return _Outcome(message, "dead", {"status": OutboxStatus.DEAD, "last_error": error,
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


def _record(session_factory: sessionmaker[Session], outcomes: list[_Outcome],
            unsent: list[OutgoingMessage], worker_id: str) -> BatchResult:
    """Record a batch's outcomes in one short transaction, each fenced on (id, 'sending',
    attempts) so a worker whose lease was lost cannot overwrite a newer attempt."""
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
                            .values(status=requeued_status(), locked_until=None,
                                    attempts=OutboxMessage.attempts - 1)
                            .execution_options(synchronize_session=False))
            counts["skipped"] += 1
    if lost:
        log.warning("outbox worker %s: lease lost before recording (%s); another worker "
                    "owns those messages now", worker_id, ", ".join(lost))
    return BatchResult(**counts)


def _pauses(outcomes: Iterable[_Outcome]) -> dict[str, datetime]:
    pauses: dict[str, datetime] = {}
    for o in outcomes:
        if o.pause_until is not None:
            channel = o.message.channel
            pauses[channel] = max(o.pause_until, pauses.get(channel, o.pause_until))
    return pauses


def error_text(exc: BaseException, message: OutgoingMessage) -> str:
    """The error as stored and logged: type and text, with the address masked and any
    parameter value (an OTP code, a name, an amount) redacted, truncated."""
    text = f"{type(exc).__name__}: {exc}"
    secrets = {str(v) for v in _leaves(message.params)} | {message.address}
    for secret in sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, message.masked_address if secret == message.address
                            else "[redacted]")
    return text[:MAX_ERROR_CHARS]


def _leaves(value: object) -> Iterable[object]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif value is not None and not isinstance(value, bool):
        yield value


# ---------------------------------------------------------------------------- worker loop


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(session_factory: sessionmaker[Session], sender: Sender, *,
               stop_event: threading.Event, poll_interval_s: float = 1.0,
               batch_size: int = 100, policy: RetryPolicy = RetryPolicy(),
               lease_s: float = 300.0, worker_id: str | None = None,
               rng: random.Random | None = None,
               max_error_backoff_s: float = 60.0, limits: RateLimits | None = None,
               concurrency: int = 1) -> BatchResult:
    """Process batches until `stop_event` is set; returns the totals.

    Goes straight on while there is work, sleeps `poll_interval_s` when idle, and on an
    error (database down, failover) logs it and backs off exponentially up to
    `max_error_backoff_s` instead of dying: a supervisor restart loop would do the same,
    only noisier. Set `stop_event` (e.g. from a SIGTERM handler) to stop after the current
    batch; unsent claimed messages are re-claimed once their lease expires. `limits` are
    the per-channel rates shared with the other workers; `concurrency` the sends in flight.
    """
    worker_id = worker_id or default_worker_id()
    rng = rng or random.Random()
    totals = BatchResult()
    errors = 0
    log.info("outbox worker %s started (batch %d, %d in flight, poll %.1fs)", worker_id,
             batch_size, concurrency, poll_interval_s)
    while not stop_event.is_set():
        try:
            result = process_batch(session_factory, sender, worker_id=worker_id, policy=policy,
                                   limit=batch_size, lease_s=lease_s, rng=rng,
                                   limits=limits, concurrency=concurrency)
        except Exception:  # noqa: BLE001 - survive, back off, try again
            errors += 1
            delay = min(max_error_backoff_s, poll_interval_s * 2 ** min(errors, 16))
            # Statement parameters in this module never hold addresses or bodies.
            log.exception("outbox worker %s: batch failed (%d in a row), retrying in %.1fs",
                          worker_id, errors, delay)
            stop_event.wait(delay)
            continue
        errors = 0
        totals += result
        if result.claimed:
            log.info("outbox worker %s: %d sent, %d retried, %d dead, %d skipped, "
                     "%d throttled", worker_id, result.sent, result.retried, result.dead,
                     result.skipped, result.throttled)
        else:
            stop_event.wait(poll_interval_s)
    log.info("outbox worker %s stopped: %d sent, %d retried, %d dead in total", worker_id,
             totals.sent, totals.retried, totals.dead)
    return totals


# ---------------------------------------------------------------------------- callbacks


def record_status(session: Session, provider_id: str, status: str,
                  error_code: str | None = None, *, channel: str | None = None) -> bool:
    """Record a provider's delivery status callback in the caller's transaction.

    Idempotent, and never moves a message back (a late "sent" after "delivered" is
    ignored). Returns False for an unknown provider id. `channel` narrows the lookup where
    providers' ids might collide.
    """
    status = status.strip().lower()[:32]
    if not provider_id or not status:
        raise ValueError("provider_id and status are required")
    match: list[ColumnElement[bool]] = [OutboxMessage.provider_id == provider_id]
    if channel is not None:
        match.append(OutboxMessage.channel == channel)
    guard: ColumnElement[bool] | None = None
    rank = _STATUS_RANK.get(status)
    if rank is not None:
        later = [s for s, r in _STATUS_RANK.items() if r > rank]
        guard = or_(OutboxMessage.provider_status.is_(None),
                    OutboxMessage.provider_status.not_in(later))
    values: dict[str, Any] = {"provider_status": status}
    if error_code:
        values["last_error"] = f"provider status {status}: error {error_code}"[:MAX_ERROR_CHARS]
    stmt = (update(OutboxMessage).where(*match, *([guard] if guard is not None else []))
            .values(**values).execution_options(synchronize_session="fetch"))
    if session.execute(stmt).rowcount:
        return True
    return bool(session.scalar(select(exists().where(*match))))
