"""One worker's batch: claim it, send it outside any transaction at its booked slot
times, then record every outcome in one transaction.

Delivery is at-least-once: a worker that dies after sending but before recording will
have its leases expire and the batch sent again, so the lease must comfortably exceed a
batch's send time; messages not yet sent when `LEASE_BUDGET` of the lease has gone are
given back unsent rather than risk a second worker sending them too. All time comes from
the injected clock (backend/messaging/clock.py).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.claim import Claim, claim_paced
from backend.messaging.clock import Clock, FrozenClock, SystemClock
from backend.messaging.hold import NO_HOLD, Hold
from backend.messaging.outcomes import BatchResult, Outcome, attempt, record, throttled
from backend.messaging.pace import RateLimits
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import OutgoingMessage, Sender

log = logging.getLogger(__name__)

LEASE_BUDGET = 0.8  # stop sending from a batch once this share of its lease has gone
MAX_SLOT_LAG_S = 0.1  # further behind its booked send slots, a worker books new ones


def process_batch(session_factory: sessionmaker[Session], sender: Sender, *, worker_id: str,
                  policy: RetryPolicy = RetryPolicy(), limit: int = 100,
                  lease_s: float = 300.0, now: datetime | None = None,
                  clock: Clock | None = None, rng: random.Random | None = None,
                  limits: RateLimits | None = None, concurrency: int = 1,
                  hold: Hold = NO_HOLD) -> BatchResult:
    """Claim one batch, send it outside any transaction (up to `concurrency` sends at a
    time, rate-limited channels at their booked slot times), then record every outcome in
    one transaction: one fenced executemany UPDATE for the successes.

    At-least-once: a worker killed mid-batch records nothing for that batch; its leases
    expire and the batch is sent again, so a kill duplicates at most one batch's sends.
    `clock` is the time source (default the real one); `now` is short for a clock frozen
    at that moment. `hold` lets a caller hold rows back (backend/messaging/hold.py).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if now is not None and clock is not None:
        raise ValueError("pass now or clock, not both")
    clock = FrozenClock(now) if now is not None else clock or SystemClock()
    rng = rng or random.Random()
    limits = limits or RateLimits()
    started = clock.monotonic()
    claim = claim_paced(session_factory, worker_id, limit, clock.now(), lease_s, limits,
                        hold=hold)

    paused: dict[str, datetime] = {}  # channels a 429 paused during this batch

    def send(message: OutgoingMessage) -> Outcome:
        until = paused.get(message.channel)
        if until is not None:  # hold the rest of the channel back too, unsent
            return Outcome(message, "throttled", throttled(until, hold), pause_until=until)
        outcome = attempt(sender, message, policy=policy, clock=clock, rng=rng,
                          limits=limits, hold=hold)
        if outcome.pause_until is not None:
            paused[message.channel] = max(outcome.pause_until,
                                          paused.get(message.channel, outcome.pause_until))
        return outcome

    budget_s = lease_s * LEASE_BUDGET
    outcomes, unsent, late = _send_all(claim, send, clock, started, budget_s, concurrency)
    if late:
        log.info("outbox worker %s: more than %.2fs behind its send slots, released %d "
                 "message(s) to book new ones", worker_id, MAX_SLOT_LAG_S, late)
    if len(unsent) > late:
        log.warning("outbox worker %s: lease nearly over, released %d unsent message(s)",
                    worker_id, len(unsent) - late)
    return record(session_factory, outcomes, unsent, worker_id, hold)


def _send_all(claim: Claim, send: Callable[[OutgoingMessage], Outcome], clock: Clock,
              started: float, budget_s: float, concurrency: int,
              ) -> tuple[list[Outcome], list[OutgoingMessage], int]:
    """Send in schedule order. Returns the outcomes, the messages left unsent, and how
    many of those were left because the worker fell behind its slots (a stalled worker
    that caught up at once would burst past the provider's limit)."""
    futures: list[Future[Outcome]] = []
    outcomes: list[Outcome] = []
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
            if not _wait_until(clock, when, started, budget_s):
                unsent += [m for m, _ in schedule[index:]]
                break
            if pool is not None:
                free.acquire()
            if when is not None and (clock.now() - when).total_seconds() > MAX_SLOT_LAG_S:
                behind.add(message.channel)
                unsent.append(message)
                if pool is not None:
                    free.release()
                continue
            if pool is None:
                outcomes.append(send(message))
                continue
            if clock.monotonic() - started > budget_s:
                free.release()
                unsent += [m for m, _ in schedule[index:]]
                break
            future = pool.submit(send, message)
            future.add_done_callback(lambda _: free.release())
            futures.append(future)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    outcomes += [f.result() for f in futures]
    return outcomes, unsent, sum(1 for m in unsent if m.channel in behind)


def _wait_until(clock: Clock, when: datetime | None, started: float, budget_s: float) -> bool:
    """Sleep until a booked slot; False if the lease budget would run out first."""
    if when is not None:
        delay = (when - clock.now()).total_seconds()
        if delay > 0:
            if clock.monotonic() - started + delay > budget_s:
                return False
            clock.sleep(delay)
    return clock.monotonic() - started <= budget_s
