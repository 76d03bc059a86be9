"""Outbox at scale: per-channel rate limits shared by workers, provider 429s pausing a
channel, concurrent sends with batched outcomes, and a worker dying mid-batch; on SQLite
and PostgreSQL. Every test runs on an injected clock: none depends on wall-clock timing
or on how loaded the machine is."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.claim import claim_paced
from backend.messaging.dispatch import process_batch
from backend.messaging.enqueue import enqueue
from backend.messaging.outcomes import BatchResult
from backend.messaging.pace import RateLimits
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import OutgoingMessage, RateLimitedError, RecordingSender, SendResult
from backend.models import OutboxMessage, OutboxPace, OutboxStatus
from backend.platform import migrate
from tests.backend.outbox_workers import ManualClock, run_workers
from tests.factories import schema_diff, table_names

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, backoff_base_s=30, backoff_max_s=3600)


def _enqueue(sf: sessionmaker[Session], n: int, channel: str = "sms", *, now: datetime = T0,
             start: int = 0) -> None:
    with sf.begin() as session:
        for i in range(start, start + n):
            enqueue(session, channel=channel, address=f"+9170{i:08d}", message_key="otp.code",
                    params={"code": "493817"}, language="en",
                    idempotency_key=f"{channel}-{i}", now=now)


def _rows(sf: sessionmaker[Session]) -> list[OutboxMessage]:
    with sf() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# ---------------------------------------------------------------------------- rate limits


def test_token_bucket_never_exceeds_the_rate_across_two_workers(
        session_factory: sessionmaker[Session]) -> None:
    rate, burst_s = 10.0, 1.0
    limits = RateLimits({"sms": rate}, burst_s=burst_s)
    _enqueue(session_factory, 500)
    rng = random.Random(3)
    now = T0
    grants: list[tuple[datetime, int]] = []  # (claimed at, messages)
    slots: list[datetime] = []
    per_worker = {"a": 0, "b": 0}
    while now < T0 + timedelta(seconds=30):
        worker = rng.choice("ab")
        claim = claim_paced(session_factory, worker, 25, now, lease_s=3600, limits=limits)
        grants.append((now, len(claim.messages)))
        per_worker[worker] += len(claim.messages)
        for message, when in claim.schedule():
            assert message.channel == "sms" and when is not None
            # never before the claim, never more than a bucket ahead of it
            assert now <= when <= now + timedelta(seconds=burst_s)
            slots.append(when)
        now += timedelta(seconds=rng.uniform(0, 0.7))
    # Granted over any window [t, u]: at most rate * (u - t) plus one bucket.
    for i, (t, _) in enumerate(grants):
        total = 0
        for u, n in grants[i:]:
            total += n
            assert total <= rate * (u - t).total_seconds() + rate * burst_s + 1e-6
    # Slots of both workers never overlap: consecutive sends at least 1/rate apart.
    slots.sort()
    gaps = [(b - a).total_seconds() for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 1 / rate - 1e-6
    # ...and the limit is used, not just respected; both workers got a share.
    assert sum(n for _, n in grants) >= rate * 29
    assert min(per_worker.values()) > 0


def test_limited_and_unlimited_channels_in_one_batch(session_factory: sessionmaker[Session]
                                                     ) -> None:
    _enqueue(session_factory, 20, "sms")
    _enqueue(session_factory, 20, "telegram")
    limits = RateLimits({"sms": 5.0}, burst_s=1.0)
    claim = claim_paced(session_factory, "w", 100, T0, lease_s=60, limits=limits)
    channels = [m.channel for m in claim.messages]
    assert channels.count("sms") == 5 and channels.count("telegram") == 20
    assert [w for m, w in claim.schedule() if m.channel == "sms"] == [
        T0 + timedelta(seconds=i / 5) for i in range(5)]
    # The bucket is empty until it refills: 0.4 s later, two more.
    again = claim_paced(session_factory, "w", 100, T0 + timedelta(seconds=0.4), 60, limits)
    assert [m.channel for m in again.messages] == ["sms", "sms"]
    assert claim_paced(session_factory, "w", 100, T0 + timedelta(seconds=0.4), 60,
                       limits).messages == []


def test_process_batch_paces_and_records_many_at_once(session_factory: sessionmaker[Session]
                                                      ) -> None:
    _enqueue(session_factory, 30)
    sender = RecordingSender()
    limits = RateLimits({"sms": 1000.0}, burst_s=1.0)
    clock = ManualClock(T0)
    result = process_batch(session_factory, sender, worker_id="w", policy=POLICY, limit=50,
                           limits=limits, concurrency=4, clock=clock)
    assert result == BatchResult(sent=30)
    assert clock.now() == T0 + timedelta(seconds=29 / 1000)  # waited for the last slot
    assert sorted(m.id for m in sender.sent) == [r.id for r in _rows(session_factory)]
    rows = _rows(session_factory)
    assert {(r.status, r.attempts) for r in rows} == {(OutboxStatus.SENT, 1)}
    assert len({r.provider_id for r in rows}) == 30 and all(r.sent_at for r in rows)


class StallingSender(RecordingSender):
    """Stalls 0.35 s on its first send, like a worker starved of CPU."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock

    def send(self, message: OutgoingMessage) -> SendResult:
        if not self.calls:
            self.clock.advance(0.35)
        return super().send(message)


def test_a_worker_behind_its_slots_books_new_ones_instead_of_bursting(
        session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory, 5)
    limits = RateLimits({"sms": 10.0}, burst_s=1.0)  # slots 0.1 s apart
    clock = ManualClock(T0)
    sender = StallingSender(clock)
    result = process_batch(session_factory, sender, worker_id="w", policy=POLICY,
                           limits=limits, clock=clock)
    # the stall put the next slots more than 0.1 s in the past: not sent in a burst
    assert result == BatchResult(sent=1, skipped=4) and len(sender.calls) == 1
    rows = _rows(session_factory)
    assert sorted((r.status, r.attempts) for r in rows) == sorted(
        [(OutboxStatus.SENT, 1)] + [(OutboxStatus.PENDING, 0)] * 4)


# ---------------------------------------------------------------------------- 429


class ThrottledSender(RecordingSender):
    """The provider answers 429 to the first `n` sends."""

    def __init__(self, n: int, retry_after_s: float | None = None) -> None:
        super().__init__()
        self.n, self.retry_after_s = n, retry_after_s
        self.tried: list[str] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        with self._lock:
            self.tried.append(message.channel)
            self.n -= 1
            throttled = self.n >= 0
        if throttled:
            raise RateLimitedError("twilio 429 error 20429", retry_after_s=self.retry_after_s)
        return super().send(message)


@pytest.mark.parametrize("limited", [True, False])
def test_429_pauses_the_channel_for_every_worker_and_is_no_failure(
        session_factory: sessionmaker[Session], limited: bool) -> None:
    _enqueue(session_factory, 3, "sms")
    limits = RateLimits({"sms": 100.0} if limited else {}, pause_s=5)
    sender = ThrottledSender(1)
    first = process_batch(session_factory, sender, worker_id="a", policy=POLICY, limit=1,
                          now=T0, limits=limits)
    assert first == BatchResult(throttled=1)
    [row] = [r for r in _rows(session_factory) if r.last_error]
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert row.next_attempt_at == T0 + timedelta(seconds=5) and "429" in row.last_error
    with session_factory() as session:
        assert session.get(OutboxPace, "sms").next_slot_at == T0 + timedelta(seconds=5)
    # Another worker leaves the channel alone during the pause, but not other channels.
    _enqueue(session_factory, 1, "telegram")
    other = RecordingSender()
    assert process_batch(session_factory, other, worker_id="b", policy=POLICY,
                         now=T0 + timedelta(seconds=4), limits=limits) == BatchResult(sent=1)
    assert [m.channel for m in other.sent] == ["telegram"]
    assert process_batch(session_factory, other, worker_id="b", policy=POLICY,
                         now=T0 + timedelta(seconds=5), limits=limits) == BatchResult(sent=3)


def test_429_holds_back_the_rest_of_the_batch_on_that_channel(
        session_factory: sessionmaker[Session]) -> None:
    _enqueue(session_factory, 4, "sms")
    _enqueue(session_factory, 2, "telegram")
    sender = ThrottledSender(1, retry_after_s=3)
    # sms first (ids 1-4): the first is refused, the other three are not even tried
    result = process_batch(session_factory, sender, worker_id="w", policy=POLICY, now=T0)
    assert result == BatchResult(sent=2, throttled=4)
    assert sender.tried == ["sms", "telegram", "telegram"]
    held = [r for r in _rows(session_factory) if r.channel == "sms"]
    assert {(r.status, r.attempts, r.next_attempt_at) for r in held} == {
        (OutboxStatus.PENDING, 0, T0 + timedelta(seconds=3))}


def test_429_never_dead_letters_and_honours_retry_after(session_factory: sessionmaker[Session]
                                                        ) -> None:
    _enqueue(session_factory, 1)
    sender = ThrottledSender(10, retry_after_s=7)
    now = T0
    for _ in range(10):  # far more than max_attempts=3
        assert process_batch(session_factory, sender, worker_id="w", policy=POLICY,
                             now=now) == BatchResult(throttled=1)
        [row] = _rows(session_factory)
        assert row.next_attempt_at == now + timedelta(seconds=7)
        now = row.next_attempt_at
    assert process_batch(session_factory, sender, worker_id="w", policy=POLICY,
                         now=now) == BatchResult(sent=1)
    [row] = _rows(session_factory)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)


# ---------------------------------------------------------------------------- workers


def test_two_concurrent_workers_never_send_one_message_twice(
        session_factory: sessionmaker[Session]) -> None:
    total = 300
    _enqueue(session_factory, total)
    sender = RecordingSender()
    limits = RateLimits({"sms": 5000.0}, burst_s=0.01)  # small bookings: many claims
    totals = run_workers(session_factory, sender, workers=2, total=total, batch_size=20,
                         lease_s=3600, limits=limits, concurrency=4, start=T0)
    ids = [m.id for m in sender.sent]
    assert len(ids) == total and len(set(ids)) == total
    assert sum(totals, BatchResult()) == BatchResult(sent=total)
    assert all(t.sent for t in totals)  # both did work
    assert {(r.status, r.attempts) for r in _rows(session_factory)} == {(OutboxStatus.SENT, 1)}


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, not even the outcome recording."""


class DyingSender(RecordingSender):
    def __init__(self, die_after: int) -> None:
        super().__init__()
        self.die_after = die_after

    def send(self, message: OutgoingMessage) -> SendResult:
        if len(self.sent) >= self.die_after:
            raise Killed
        return super().send(message)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_worker_killed_mid_batch_is_resent_once_after_the_lease(
        session_factory: sessionmaker[Session], concurrency: int) -> None:
    _enqueue(session_factory, 10)
    dying = DyingSender(die_after=4)
    with pytest.raises(Killed):
        process_batch(session_factory, dying, worker_id="dies", policy=POLICY, limit=10,
                      lease_s=60, now=T0, concurrency=concurrency)
    assert len(dying.sent) == 4
    assert {r.status for r in _rows(session_factory)} == {OutboxStatus.SENDING}
    survivor = RecordingSender()
    assert process_batch(session_factory, survivor, worker_id="w", policy=POLICY, limit=10,
                         now=T0 + timedelta(seconds=59)).claimed == 0  # lease still held
    assert process_batch(session_factory, survivor, worker_id="w", policy=POLICY, limit=10,
                         now=T0 + timedelta(seconds=61)) == BatchResult(sent=10)
    assert sorted(m.id for m in survivor.sent) == [r.id for r in _rows(session_factory)]
    assert {(r.status, r.attempts) for r in _rows(session_factory)} == {(OutboxStatus.SENT, 2)}
    # Nothing lost; the duplicates are exactly what the dead worker sent unrecorded.
    assert len(dying.sent) + len(survivor.sent) - 10 == 4


# ---------------------------------------------------------------------------- migration




def test_migration_0008_down_and_up(fresh_url: str) -> None:
    below = ScriptDirectory.from_config(migrate.alembic_config(fresh_url)).get_revision(
        "0008").down_revision
    migrate.upgrade(fresh_url)
    assert "outbox_pace" in table_names(fresh_url)
    migrate.downgrade(fresh_url, str(below))
    assert "outbox_pace" not in table_names(fresh_url) and "outbox" in table_names(fresh_url)
    migrate.upgrade(fresh_url)
    assert migrate.schema_problem(fresh_url) is None
    assert schema_diff(fresh_url) == []
