"""Sending rows just enqueued at once, instead of waiting for a worker's next poll: a
dialogue reply through the outbox (Telegram) should arrive as fast as a direct API call.

The rows are claimed by id (leased, like a worker's batch), sent in id order, and the
outcomes recorded by the same fenced code as a batch, so a failed send is retried by the
worker with its backoff, and a process killed mid-send leaves leases that expire and are
re-claimed (at-least-once, as for any batch). After the first failure the rest are given
back unsent, so a turn's replies do not overtake one another."""

from __future__ import annotations

import random
from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.claim import claim_ids
from backend.messaging.clock import Clock, SystemClock
from backend.messaging.hold import NO_HOLD
from backend.messaging.outcomes import BatchResult, Outcome, attempt, record
from backend.messaging.pace import RateLimits
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import OutgoingMessage, Sender

#: Longer than a send's own timeout, so a slow send is not re-claimed while in flight.
LEASE_S = 60.0


def send_now(session_factory: sessionmaker[Session], sender: Sender, ids: Sequence[int], *,
             policy: RetryPolicy = RetryPolicy(), clock: Clock | None = None,
             rng: random.Random | None = None, worker_id: str = "send-now",
             lease_s: float = LEASE_S) -> BatchResult:
    """Claim the pending rows among `ids`, send them in order, record what happened."""
    clock = clock or SystemClock()
    rng = rng or random.Random()
    claimed = claim_ids(session_factory, ids, clock.now(), lease_s)
    outcomes: list[Outcome] = []
    unsent: list[OutgoingMessage] = []
    for message in claimed:
        if outcomes and outcomes[-1].kind != "sent":
            unsent.append(message)
            continue
        outcomes.append(attempt(sender, message, policy=policy, clock=clock, rng=rng,
                                limits=RateLimits(), hold=NO_HOLD))
    return record(session_factory, outcomes, unsent, worker_id, NO_HOLD)
