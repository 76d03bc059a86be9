"""The outbox worker loop: batch after batch until told to stop (`sahayak worker`)."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading

from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.clock import Clock, SystemClock
from backend.messaging.dispatch import process_batch
from backend.messaging.hold import NO_HOLD, Hold
from backend.messaging.outcomes import BatchResult
from backend.messaging.pace import RateLimits
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import Sender

log = logging.getLogger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(session_factory: sessionmaker[Session], sender: Sender, *,
               stop_event: threading.Event, poll_interval_s: float = 1.0,
               batch_size: int = 100, policy: RetryPolicy = RetryPolicy(),
               lease_s: float = 300.0, worker_id: str | None = None,
               rng: random.Random | None = None,
               max_error_backoff_s: float = 60.0, limits: RateLimits | None = None,
               concurrency: int = 1, hold: Hold = NO_HOLD,
               clock: Clock | None = None) -> BatchResult:
    """Process batches until `stop_event` is set; returns the totals.

    Goes straight on while there is work, waits `poll_interval_s` when idle, and on an
    error (database down, failover) logs it and backs off exponentially up to
    `max_error_backoff_s` instead of dying: a supervisor restart loop would do the same,
    only noisier. Set `stop_event` (e.g. from a SIGTERM handler) to stop after the current
    batch; unsent claimed messages are re-claimed once their lease expires. `limits` are
    the per-channel rates shared with the other workers; `concurrency` the sends in flight;
    `hold` what a feature above holds back (the broadcast window); `clock` the time source.
    """
    worker_id = worker_id or default_worker_id()
    rng = rng or random.Random()
    clock = clock or SystemClock()
    totals = BatchResult()
    errors = 0
    log.info("outbox worker %s started (batch %d, %d in flight, poll %.1fs)", worker_id,
             batch_size, concurrency, poll_interval_s)
    while not stop_event.is_set():
        try:
            result = process_batch(session_factory, sender, worker_id=worker_id, policy=policy,
                                   limit=batch_size, lease_s=lease_s, clock=clock, rng=rng,
                                   limits=limits, concurrency=concurrency, hold=hold)
        except Exception:  # noqa: BLE001 - survive, back off, try again
            errors += 1
            delay = min(max_error_backoff_s, poll_interval_s * 2 ** min(errors, 16))
            # Statement parameters in the outbox never hold addresses or bodies.
            log.exception("outbox worker %s: batch failed (%d in a row), retrying in %.1fs",
                          worker_id, errors, delay)
            clock.wait(stop_event, delay)
            continue
        errors = 0
        totals += result
        if result.claimed:
            log.info("outbox worker %s: %d sent, %d retried, %d dead, %d skipped, "
                     "%d throttled", worker_id, result.sent, result.retried, result.dead,
                     result.skipped, result.throttled)
        else:
            clock.wait(stop_event, poll_interval_s)
    log.info("outbox worker %s stopped: %d sent, %d retried, %d dead in total", worker_id,
             totals.sent, totals.retried, totals.dead)
    return totals
