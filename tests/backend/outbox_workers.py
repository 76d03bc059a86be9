"""Several outbox workers in threads until a sender has seen every message (concurrency
tests of the outbox)."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.outbox import BatchResult, run_worker
from backend.messaging.senders import RecordingSender


def run_workers(session_factory: sessionmaker[Session], sender: RecordingSender, *,
                workers: int, total: int, **options: Any) -> list[BatchResult]:  # noqa: ANN401
    """Run `workers` workers (`run_worker` options as given) until `sender` has sent
    `total` messages or 60 s pass, a moment longer for a duplicate to show, then stop
    them; each worker's totals."""
    stop = threading.Event()
    totals: list[BatchResult] = []

    def worker(n: int) -> None:
        totals.append(run_worker(session_factory, sender, stop_event=stop,
                                 poll_interval_s=0.01, worker_id=f"w{n}", **options))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(sender.sent) < total and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)  # time for a duplicate to show up, if there were one
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return totals
