"""How a layer above the outbox holds rows back, without the outbox knowing that layer.

The outbox claims every due row and puts rows it gives back (a retry, a 429, a batch
released unsent) back to 'pending'. A feature that needs more passes a `Hold` to the
claim, the batch and the worker: `claimable(now)` is ANDed into the claim query, and
`requeued_status()` is the status a row goes back with. Broadcasts use it to hold back
paused, cancelled and out-of-hours rows and to cancel rows in flight when their
broadcast was cancelled (backend/engagement/broadcasts/window.py: `broadcast_hold`).
Messaging sits below engagement, so the hook points down and the import points up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, true

from backend.models import OutboxStatus


def _everything(now: datetime) -> ColumnElement[bool]:
    return true()


def _pending() -> OutboxStatus:
    return OutboxStatus.PENDING


@dataclass(frozen=True)
class Hold:
    """A claim filter and the status for requeued rows; the default holds nothing back.
    The two go together: rows requeued as pending that the filter never lets through
    again would wait forever."""

    claimable: Callable[[datetime], ColumnElement[bool]] = _everything
    requeued_status: Callable[[], ColumnElement | OutboxStatus] = _pending


NO_HOLD = Hold()
