"""The outbox worker's clock, injected so that no outbox code reads the time itself.

A worker needs three things from time: the wall clock (UTC) for leases, backoff and the
send slots booked in backend/messaging/pace.py; a monotonic clock for how much of a
batch's lease has gone (immune to wall-clock steps); and a way to wait, for a slot or for
work (a wait for work wakes early when the stop event is set). `SystemClock` is the real
one; `FrozenClock` stands still, for callers that pass a fixed `now`; tests drive their
own clock (tests/backend/outbox_workers.py) so no result depends on machine load.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Protocol

from backend.platform.clock import utcnow


class Clock(Protocol):
    def now(self) -> datetime:
        """The time (aware, UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going back."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait for a booked send slot."""
        ...

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Wait for work (or before a retry) unless `stop` is set first; `stop`'s state."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return utcnow()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(seconds)


class FrozenClock:
    """Time stands still at `at`: nothing is ever late and no wait takes time."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("naive datetime: pass an aware (UTC) datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        pass

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.is_set()
