"""`send_now`: rows just enqueued sent at once by their producer (Telegram replies), on
real SQLite and PostgreSQL databases; what fails is left to the worker, in order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.clock import FrozenClock
from backend.messaging.dispatch import process_batch
from backend.messaging.enqueue import enqueue
from backend.messaging.now import send_now
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import RecordingSender
from backend.models import OutboxMessage, OutboxStatus

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, backoff_base_s=30, backoff_max_s=3600)


def _enqueue(sf: sessionmaker[Session], keys: list[str]) -> list[int]:
    with sf.begin() as session:
        return [enqueue(session, channel="telegram", address="5551", message_key="menu.main",
                        params={}, language="hi", idempotency_key=key, now=T0).id
                for key in keys]


def _statuses(sf: sessionmaker[Session]) -> list[tuple[str, str, int]]:
    with sf() as session:
        return [(r.idempotency_key, r.status, r.attempts) for r in session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id))]


def test_sends_exactly_the_given_rows(session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory, ["other"])
    ids = _enqueue(session_factory, ["a", "b"])
    sender = RecordingSender()
    result = send_now(session_factory, sender, ids, policy=POLICY, clock=FrozenClock(T0))
    assert result.sent == 2 and [m.id for m in sender.sent] == ids
    assert _statuses(session_factory) == [("other", OutboxStatus.PENDING, 0),
                                          ("a", OutboxStatus.SENT, 1),
                                          ("b", OutboxStatus.SENT, 1)]
    assert send_now(session_factory, sender, ids, clock=FrozenClock(T0)).sent == 0  # once


def test_after_a_failure_the_rest_wait_for_the_worker_in_order(
        session_factory: sessionmaker[Session]) -> None:
    ids = _enqueue(session_factory, ["a", "b", "c"])
    sender = RecordingSender()
    sender.fail_next(1)
    result = send_now(session_factory, sender, ids, policy=POLICY, clock=FrozenClock(T0),
                      rng=random.Random(1))
    assert (result.sent, result.retried, result.skipped) == (0, 1, 2)
    assert _statuses(session_factory) == [("a", OutboxStatus.PENDING, 1),
                                          ("b", OutboxStatus.PENDING, 0),
                                          ("c", OutboxStatus.PENDING, 0)]
    later = T0 + timedelta(hours=1)
    process_batch(session_factory, sender, worker_id="w", policy=POLICY, now=later)
    assert [m.id for m in sender.sent] == ids
