"""Outbox workers under test: a clock that moves only when told to, and several workers
in threads until every message is sent (the concurrency tests of the outbox).

Nothing here lets a result depend on wall-clock timing or machine load: each worker has
its own `ManualClock` (time moves only by its own sleeps and waits, so it is never late
for its slots however slowly its thread runs), and a gate holds every worker's first send
until all of them have claimed a batch, so the work is shared however the threads are
scheduled. Real time only bounds how long a broken test may hang.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.outcomes import BatchResult
from backend.messaging.senders import OutgoingMessage, RecordingSender, Sender, SendResult
from backend.messaging.worker import run_worker

HANG_S = 120.0  # a test that has not finished by then is broken, not slow


class ManualClock:
    """A `backend.messaging.clock.Clock` that moves only by `advance`, `sleep` and `wait`
    (a wait also yields the CPU for a moment, so idle workers do not spin)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._elapsed = 0.0
        self._lock = threading.Lock()
        self.waits = 0  # how many times a worker waited for work (or after an error)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._elapsed += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        self.advance(seconds)
        with self._lock:
            self.waits += 1
        return stop.wait(0.001)


class _Gate:
    """Holds each worker's sends until every worker has tried to send (has claimed)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.arrived: set[int] = set()
        self.all_in = threading.Event()
        self.lock = threading.Lock()

    def sender(self, worker: int, inner: Sender) -> Sender:
        gate = self

        class Gated:
            def send(self, message: OutgoingMessage) -> SendResult:
                with gate.lock:
                    gate.arrived.add(worker)
                    if len(gate.arrived) == gate.workers:
                        gate.all_in.set()
                if not gate.all_in.wait(HANG_S):
                    raise AssertionError("not every worker got a batch")
                return inner.send(message)

        return Gated()


def _until(condition: Any, what: str) -> None:  # noqa: ANN401 - a callable
    deadline = time.monotonic() + HANG_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"hung waiting for {what}")
        time.sleep(0.005)


def run_workers(session_factory: sessionmaker[Session], sender: RecordingSender, *,
                workers: int, total: int, start: datetime,
                **options: Any) -> list[BatchResult]:  # noqa: ANN401
    """Run `workers` workers (`run_worker` options as given), each on its own clock from
    `start`, until `sender` has sent `total` messages and every worker has then found
    nothing more to claim; then stop them. Each worker's totals, in worker order."""
    stop = threading.Event()
    gate = _Gate(workers)
    clocks = [ManualClock(start) for _ in range(workers)]
    totals: list[BatchResult | None] = [None] * workers

    def worker(n: int) -> None:
        totals[n] = run_worker(session_factory, gate.sender(n, sender), stop_event=stop,
                               poll_interval_s=0.01, worker_id=f"w{n}", clock=clocks[n],
                               **options)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    try:
        _until(lambda: len(sender.sent) >= total, f"{total} messages to be sent")
        # Let every worker claim once more after the last send: a duplicate would show.
        seen = [c.waits for c in clocks]
        _until(lambda: all(c.waits > w for c, w in zip(clocks, seen, strict=True)),
               "every worker to find the queue empty")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=HANG_S)
    assert all(t is not None for t in totals), "a worker died"
    return [t for t in totals if t is not None]
