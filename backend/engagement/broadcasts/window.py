"""When broadcast rows may go out: the promotional window (10:00-21:00 IST, TRAI rule for
promotional SMS, applied to every channel so a campaign reads the same everywhere) and
`BROADCAST_HOLD`, the outbox hook (backend/messaging/hold.py) that holds back paused,
cancelled and out-of-hours rows. Whoever runs an outbox worker passes it; the outbox
itself knows nothing of broadcasts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, case, or_, select

from backend.messaging.hold import Hold
from backend.models import (
    Broadcast,
    BroadcastClass,
    BroadcastStatus,
    OutboxMessage,
    OutboxStatus,
)
from backend.platform.clock import IST

PROMO_START, PROMO_END = time(10, 0), time(21, 0)
HELD = (BroadcastStatus.PAUSED.value, BroadcastStatus.CANCELLED.value)


def in_promotional_window(now: datetime) -> bool:
    """True from 10:00 (inclusive) to 21:00 (exclusive) India time."""
    local = now.astimezone(IST).time()
    return PROMO_START <= local < PROMO_END


def next_promotional_start(now: datetime) -> datetime:
    """`now` inside the window, else the next 10:00 IST (as UTC-aware `now`'s zone)."""
    if in_promotional_window(now):
        return now
    local = now.astimezone(IST)
    start = datetime.combine(local.date(), PROMO_START, IST)
    if local.time() >= PROMO_END:
        start += timedelta(days=1)
    return start.astimezone(now.tzinfo)


def claimable(now: datetime) -> ColumnElement[bool]:
    """Outbox rows a worker may claim at `now`: not a broadcast's, or one that is neither
    paused nor cancelled and, outside the window, not promotional.

    The held broadcasts are a handful of ids, so PostgreSQL checks `NOT IN` against a
    hashed subplan per row; the window is decided here, in Python, so no dialect needs
    time-zone arithmetic in SQL."""
    held = Broadcast.status.in_(HELD)
    if not in_promotional_window(now):
        held = or_(held, Broadcast.message_class == BroadcastClass.PROMOTIONAL.value)
    return or_(OutboxMessage.broadcast_id.is_(None),
               OutboxMessage.broadcast_id.not_in(select(Broadcast.id).where(held)))


def requeued_status() -> ColumnElement:
    """The status for a row going back to the queue (a retry, a 429, a batch given back):
    pending, or cancelled if its broadcast was cancelled while it was being sent. Cancel
    marks only the rows pending at that moment, so without this a row in flight would wait
    forever behind the claim predicate and be counted as queued."""
    cancelled = select(Broadcast.id).where(
        Broadcast.status == BroadcastStatus.CANCELLED.value).scalar_subquery()
    return case((OutboxMessage.broadcast_id.in_(cancelled), OutboxStatus.CANCELLED.value),
                else_=OutboxStatus.PENDING.value)


#: The hook every outbox worker and claim that may meet broadcast rows is given.
BROADCAST_HOLD = Hold(claimable=claimable, requeued_status=requeued_status)
