"""When broadcast rows may go out: the promotional window (TRAI rule for promotional SMS,
10:00-21:00 India time, applied to every channel so a campaign reads the same everywhere)
and `broadcast_hold(window)`, the outbox hook (backend/messaging/hold.py) that holds back
paused, cancelled and out-of-hours rows. Whoever runs an outbox worker passes it; the
outbox itself knows nothing of broadcasts.

The window is data: `broadcasts.promotional_hours` in the rules file, in the local time of
the TIMEZONE setting (Backend.promotional_window). `TRAI_WINDOW`, the legal rule with the
default TIMEZONE, is the default only for callers not yet given the configured one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, or_, select

from backend.messaging.hold import Hold
from backend.metering.rules import PROMOTIONAL_HOURS
from backend.models import (
    Broadcast,
    BroadcastClass,
    BroadcastStatus,
    OutboxMessage,
    OutboxStatus,
)
from backend.platform.clock import LocalHours
from backend.platform.settings import DEFAULT_TIMEZONE

HELD = (BroadcastStatus.PAUSED.value, BroadcastStatus.CANCELLED.value)


@dataclass(frozen=True)
class PromoWindow:
    """The local hours promotional rows may go out in, and the zone they are local to."""

    hours: LocalHours
    tz: ZoneInfo


TRAI_WINDOW = PromoWindow(PROMOTIONAL_HOURS, ZoneInfo(DEFAULT_TIMEZONE))


def in_promotional_window(now: datetime, window: PromoWindow = TRAI_WINDOW) -> bool:
    """True from the window's start (inclusive) to its end (exclusive), local time."""
    return window.hours.contains(now, window.tz)


def next_promotional_start(now: datetime, window: PromoWindow = TRAI_WINDOW) -> datetime:
    """`now` inside the window, else the window's next start (in `now`'s zone)."""
    return window.hours.next_start(now, window.tz)


def claimable(now: datetime, window: PromoWindow = TRAI_WINDOW) -> ColumnElement[bool]:
    """Outbox rows a worker may claim at `now`: not a broadcast's, or one that is neither
    paused nor cancelled and, outside the window, not promotional.

    The held broadcasts are a handful of ids, so PostgreSQL checks `NOT IN` against a
    hashed subplan per row; the window is decided here, in Python, so no dialect needs
    time-zone arithmetic in SQL."""
    held = Broadcast.status.in_(HELD)
    if not in_promotional_window(now, window):
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


def broadcast_hold(window: PromoWindow) -> Hold:
    """The hook every outbox worker and claim that may meet broadcast rows is given, for
    the configured window (Backend.promotional_window)."""
    return Hold(claimable=partial(claimable, window=window), requeued_status=requeued_status)


#: `broadcast_hold` with the legal default window (tests, benchmarks).
BROADCAST_HOLD = broadcast_hold(TRAI_WINDOW)
