"""Outbox: idempotent enqueue, claiming, retries with backoff, dead letters, leases,
concurrent workers and log privacy, on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.claim import claim_batch
from backend.messaging.dispatch import process_batch
from backend.messaging.enqueue import enqueue
from backend.messaging.outcomes import BatchResult
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import (
    ConsoleSender,
    OutgoingMessage,
    RecordingSender,
    RoutingSender,
    SendResult,
    TransientSendError,
    mask_address,
)
from backend.messaging.status import record_status
from backend.messaging.worker import run_worker
from backend.models import Base, OutboxMessage, OutboxStatus
from backend.platform.db import make_engine, make_session_factory
from backend.platform.settings import Settings
from tests.backend.outbox_workers import HANG_S, ManualClock, run_workers

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
PHONE = "+919876543210"
POLICY = RetryPolicy(max_attempts=3, backoff_base_s=30, backoff_max_s=3600)


def _enqueue(sf: sessionmaker[Session], n: int = 1, *, now: datetime = T0, **kw: object) -> None:
    with sf.begin() as session:
        for i in range(n):
            enqueue(session, channel=kw.get("channel", "sms"), address=PHONE,
                    message_key="alert.low_balance", params={"balance": "₹42.50", "otp": "493817"},
                    language="hi", idempotency_key=f"{kw.get('key', 'k')}-{i}", now=now,
                    not_before=kw.get("not_before"))  # type: ignore[arg-type]


def _rows(sf: sessionmaker[Session]) -> list[OutboxMessage]:
    with sf() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _process(sf: sessionmaker[Session], sender: object, now: datetime, **kw: object) -> BatchResult:
    return process_batch(sf, sender, worker_id="w", policy=kw.pop("policy", POLICY), now=now,
                         rng=random.Random(7), **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- enqueue


def test_enqueue_same_key_twice_enqueues_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        first = enqueue(session, channel="sms", address=PHONE, message_key="otp.code",
                        params={"code": "1234"}, language="en", idempotency_key="otp:1", now=T0)
        again = enqueue(session, channel="sms", address=PHONE, message_key="otp.code",
                        params={"code": "9999"}, language="en", idempotency_key="otp:1", now=T0)
        assert first is not None and first.id and first.status is OutboxStatus.PENDING
        assert again is None
    with session_factory.begin() as session:  # and in a later transaction
        assert enqueue(session, channel="sms", address=PHONE, message_key="otp.code",
                       params={}, language="en", idempotency_key="otp:1") is None
    [row] = _rows(session_factory)
    assert row.params == {"code": "1234"} and row.attempts == 0 and row.next_attempt_at == T0


def test_enqueue_is_part_of_the_callers_transaction(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        enqueue(session, channel="sms", address=PHONE, message_key="k", params={},
                language="hi", idempotency_key="rolled-back", now=T0)
        session.rollback()
    assert _rows(session_factory) == []


def test_enqueue_rejects_bad_input(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        with pytest.raises(ValueError, match="naive"):
            enqueue(session, channel="sms", address=PHONE, message_key="k", params={},
                    language="hi", idempotency_key="x", not_before=datetime(2026, 1, 1))
        with pytest.raises(ValueError, match="idempotency_key"):
            enqueue(session, channel="sms", address=PHONE, message_key="k", params={},
                    language="hi", idempotency_key="x" * 129)


# ---------------------------------------------------------------------------- happy path


def test_claim_send_record(session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory, 3)
    sender = RecordingSender()
    assert _process(session_factory, sender, T0) == BatchResult(sent=3)
    assert [m.attempt for m in sender.sent] == [1, 1, 1]
    message = sender.sent[0]
    assert (message.channel, message.address, message.message_key, message.language) == (
        "sms", PHONE, "alert.low_balance", "hi")
    assert message.params == {"balance": "₹42.50", "otp": "493817"}
    for row in _rows(session_factory):
        assert row.status is OutboxStatus.SENT and row.attempts == 1
        assert row.provider_id and row.provider_id.startswith("rec-")
        assert row.provider_status == "sent" and row.sent_at == T0 and row.locked_until is None
    assert _process(session_factory, sender, T0 + timedelta(hours=1)) == BatchResult()


def test_not_before_delays_the_first_send(session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory, not_before=T0 + timedelta(hours=2))
    sender = RecordingSender()
    assert _process(session_factory, sender, T0 + timedelta(hours=1)).claimed == 0
    assert _process(session_factory, sender, T0 + timedelta(hours=2)).sent == 1


def test_claim_is_bounded_and_leases(session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory, 5)
    claimed = claim_batch(session_factory, "w1", 2, T0, lease_s=60)
    assert [m.attempt for m in claimed] == [1, 1]
    rows = _rows(session_factory)
    assert [r.status for r in rows].count(OutboxStatus.SENDING) == 2
    assert {r.locked_until for r in rows if r.status is OutboxStatus.SENDING} == {
        T0 + timedelta(seconds=60)}
    assert len(claim_batch(session_factory, "w2", 10, T0, lease_s=60)) == 3
    assert claim_batch(session_factory, "w3", 10, T0, lease_s=60) == []


# ---------------------------------------------------------------------------- failures


def test_transient_failure_retries_with_backoff_then_succeeds(
        session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory)
    sender = RecordingSender()
    sender.fail_next(2, reason="gateway timeout")
    now = T0
    for attempt, (low, high) in enumerate([(15, 30), (30, 60)], start=1):
        assert _process(session_factory, sender, now) == BatchResult(retried=1)
        [row] = _rows(session_factory)
        assert row.status is OutboxStatus.PENDING and row.attempts == attempt
        assert row.locked_until is None
        assert row.last_error == "TransientSendError: gateway timeout"
        assert now + timedelta(seconds=low) <= row.next_attempt_at <= now + timedelta(seconds=high)
        # Not due yet: nothing is claimed.
        assert _process(session_factory, sender, row.next_attempt_at - timedelta(seconds=1)
                        ).claimed == 0
        now = row.next_attempt_at
    assert _process(session_factory, sender, now) == BatchResult(sent=1)
    [row] = _rows(session_factory)
    assert row.status is OutboxStatus.SENT and row.attempts == 3 and len(sender.calls) == 3


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(max_attempts=50, backoff_base_s=30, backoff_max_s=3600)
    rng = random.Random(1)
    delays = [policy.delay_s(40, rng) for _ in range(200)]
    assert all(1800 <= d <= 3600 for d in delays) and len(set(delays)) > 100
    assert RetryPolicy.from_settings(Settings(outbox_max_attempts=4)).max_attempts == 4


def test_dead_letter_after_max_attempts(session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory)
    sender = RecordingSender()
    sender.fail_next(10)
    results = [_process(session_factory, sender, T0 + timedelta(hours=2 * i)) for i in range(5)]
    assert results == [BatchResult(retried=1), BatchResult(retried=1), BatchResult(dead=1),
                       BatchResult(), BatchResult()]
    [row] = _rows(session_factory)
    assert row.status is OutboxStatus.DEAD and row.attempts == 3 and len(sender.calls) == 3
    assert row.locked_until is None and row.sent_at is None


def test_permanent_error_is_dead_at_once(session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory)
    sender = RecordingSender()
    sender.fail_next(1, permanent=True, reason="number is not on WhatsApp")
    assert _process(session_factory, sender, T0) == BatchResult(dead=1)
    [row] = _rows(session_factory)
    assert row.status is OutboxStatus.DEAD and row.attempts == 1
    assert row.last_error == "PermanentSendError: number is not on WhatsApp"


class LeakySender:
    """A provider that echoes the number and the body in its errors."""

    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def send(self, message: OutgoingMessage) -> SendResult:
        raise self.error(f"rejected to={message.address} body='OTP {message.params['otp']}' "
                         + "x" * 1000)


@pytest.mark.parametrize("error", [TransientSendError, RuntimeError])
def test_errors_are_stored_and_logged_without_number_or_body(
        session_factory: sessionmaker[Session], error: type[Exception],
        caplog: pytest.LogCaptureFixture) -> None:
    _enqueue(session_factory)
    with caplog.at_level(logging.DEBUG, logger="backend.messaging"):
        # An unexpected exception counts as transient: a sender bug must not kill the worker.
        assert _process(session_factory, LeakySender(error), T0) == BatchResult(retried=1)
    [row] = _rows(session_factory)
    assert row.last_error and len(row.last_error) == 500
    assert row.last_error.startswith(f"{error.__name__}: rejected to=+91******3210 body='OTP "
                                     "[redacted]'")
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert info and not any(PHONE in m or "493817" in m for m in info)


def test_routing_sender_routes_by_channel_and_refuses_unknown_ones(
        session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory, channel="sms", key="a")
    _enqueue(session_factory, channel="pigeon", key="b")
    sms = RecordingSender()
    assert _process(session_factory, RoutingSender({"sms": sms}), T0) == BatchResult(
        sent=1, dead=1)
    assert [m.channel for m in sms.sent] == ["sms"]
    dead = [r for r in _rows(session_factory) if r.status is OutboxStatus.DEAD]
    assert dead[0].last_error == "PermanentSendError: no sender for channel 'pigeon'"


# ---------------------------------------------------------------------------- leases


def test_expired_lease_is_reclaimed(session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory)
    assert len(claim_batch(session_factory, "crashed", 10, T0, lease_s=60)) == 1
    sender = RecordingSender()
    assert _process(session_factory, sender, T0 + timedelta(seconds=59)).claimed == 0
    assert _process(session_factory, sender, T0 + timedelta(seconds=61)) == BatchResult(sent=1)
    assert [m.attempt for m in sender.sent] == [2]
    [row] = _rows(session_factory)
    assert row.status is OutboxStatus.SENT and row.attempts == 2


def test_crash_during_the_last_attempt_dead_letters_without_sending(
        session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory)
    for i in range(3):  # three workers crash, one after another
        assert len(claim_batch(session_factory, f"c{i}", 1, T0 + timedelta(hours=i), 60)) == 1
    sender = RecordingSender()
    assert _process(session_factory, sender, T0 + timedelta(hours=5)) == BatchResult(dead=1)
    assert sender.calls == []
    [row] = _rows(session_factory)
    assert row.status is OutboxStatus.DEAD and "lease expired" in (row.last_error or "")


class SlowSender(RecordingSender):
    """Stands for a worker stalled mid-send: `during_send` runs while it is stalled, or
    each send takes `stall_s` on the worker's `clock`."""

    def __init__(self, during_send: object = None, *, clock: ManualClock | None = None,
                 stall_s: float = 0.0) -> None:
        super().__init__()
        self.during_send = during_send
        self.clock, self.stall_s = clock, stall_s

    def send(self, message: OutgoingMessage) -> SendResult:
        if self.during_send is not None:
            self.during_send()  # type: ignore[operator]
            self.during_send = None
        if self.clock is not None:
            self.clock.advance(self.stall_s)
        return super().send(message)


def test_stalled_worker_cannot_overwrite_the_reclaimed_attempt(
        session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory)
    other = RecordingSender()
    results: list[BatchResult] = []
    slow = SlowSender(lambda: results.append(process_batch(
        session_factory, other, worker_id="b", policy=POLICY, lease_s=60,
        now=T0 + timedelta(seconds=61))))
    a = process_batch(session_factory, slow, worker_id="a", policy=POLICY, lease_s=60, now=T0)
    assert a == BatchResult(skipped=1) and results == [BatchResult(sent=1)]
    [row] = _rows(session_factory)
    assert row.status is OutboxStatus.SENT and row.attempts == 2 and row.provider_id == "rec-1"
    assert row.sent_at == T0 + timedelta(seconds=61)


def test_messages_left_when_the_lease_runs_out_are_released(
        session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory, 3)
    clock = ManualClock(T0)
    sender = SlowSender(clock=clock, stall_s=0.3)
    assert process_batch(session_factory, sender, worker_id="w", policy=POLICY, clock=clock,
                         lease_s=0.3) == BatchResult(sent=1, skipped=2)
    rows = _rows(session_factory)
    assert [(r.status, r.attempts) for r in rows] == [
        (OutboxStatus.SENT, 1), (OutboxStatus.PENDING, 0), (OutboxStatus.PENDING, 0)]
    assert _process(session_factory, RecordingSender(), T0) == BatchResult(sent=2)


# ---------------------------------------------------------------------------- concurrency


def test_concurrent_workers_never_send_twice(session_factory: sessionmaker[Session],
                                             caplog: pytest.LogCaptureFixture) -> None:
    total = 200
    _enqueue(session_factory, total)
    sender = RecordingSender()
    with caplog.at_level(logging.INFO, logger="backend.messaging"):
        totals = run_workers(session_factory, sender, workers=4, total=total, batch_size=7,
                             lease_s=120, start=T0)
    ids = [m.id for m in sender.sent]
    assert len(ids) == total and len(set(ids)) == total
    assert sum(totals, BatchResult()) == BatchResult(sent=total)
    assert all(t.sent for t in totals)  # the work was actually shared
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.attempts == 1)) == total
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_worker_survives_database_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'late.db'}")  # no tables yet
    sf = make_session_factory(engine)
    sender = RecordingSender()
    stop = threading.Event()
    with caplog.at_level(logging.INFO, logger="backend.messaging"):
        thread = threading.Thread(target=run_worker, args=(sf, sender), kwargs=dict(
            stop_event=stop, poll_interval_s=0.01, max_error_backoff_s=0.05))
        thread.start()
        deadline = time.monotonic() + HANG_S  # only bounds a hang; nothing is timed
        while not any(r.levelno == logging.ERROR for r in caplog.records):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        Base.metadata.create_all(engine)  # the database comes back
        _enqueue(sf, now=datetime.now(UTC))
        while not sender.sent and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        thread.join(timeout=10)
    engine.dispose()
    assert not thread.is_alive() and len(sender.sent) == 1
    assert any("1 sent" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------- status callbacks


def test_record_status(session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory)
    _process(session_factory, RecordingSender(), T0)
    with session_factory.begin() as session:
        assert record_status(session, "nope", "delivered") is False
        assert record_status(session, "rec-1", "delivered") is True
        assert record_status(session, "rec-1", "delivered") is True  # idempotent
        assert record_status(session, "rec-1", "sent") is True  # late, ignored
        assert record_status(session, "rec-1", "read", channel="telegram") is False
    [row] = _rows(session_factory)
    assert row.provider_status == "delivered" and row.status is OutboxStatus.SENT
    with session_factory.begin() as session:
        assert record_status(session, "rec-1", "undelivered", "30003") is True
    [row] = _rows(session_factory)
    assert row.provider_status == "undelivered"
    assert row.last_error == "provider status undelivered: error 30003"


# ---------------------------------------------------------------------------- console sender


def test_console_sender_masks_at_info_and_shows_all_at_debug(
        session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture) -> None:
    _enqueue(session_factory)
    with caplog.at_level(logging.INFO):
        assert _process(session_factory, ConsoleSender(), T0) == BatchResult(sent=1)
    info = [r.getMessage() for r in caplog.records if r.name == "backend.messaging.senders"]
    assert len(info) == 1 and "+91******3210" in info[0] and "alert.low_balance" in info[0]
    assert all(PHONE not in m and "493817" not in m and "42.50" not in m
               for m in caplog.messages)
    [row] = _rows(session_factory)
    assert row.provider_id == f"console-{row.id}" and row.provider_status == "logged"

    caplog.clear()
    message = OutgoingMessage(id=1, channel="sms", address=PHONE, message_key="otp.code",
                              params={"code": "493817"}, language="en", attempt=1)
    with caplog.at_level(logging.DEBUG, logger="backend.messaging.senders"):
        ConsoleSender().send(message)
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(PHONE in m and "493817" in m for m in debug)
    assert PHONE not in repr(message) and "493817" not in repr(message)


@pytest.mark.parametrize(("address", "masked"), [
    ("+919876543210", "+91******3210"),
    ("whatsapp:+919876543210", "whatsapp:+91******3210"),
    ("9876543210", "******3210"),
    ("1234567", "*****67"),
    ("123", "***"),
    ("", ""),
])
def test_mask_address(address: str, masked: str) -> None:
    assert mask_address(address) == masked
