"""Per-channel rate limits and provider-429 pauses, shared by every outbox worker.

A channel's token bucket is one row, `outbox_pace(channel, next_slot_at)`, in the GCRA
form (the same bucket kept as one timestamp): at rate r and size r * burst_s the tokens
available at `now` are (now + burst_s - max(next_slot_at, now)) * r, refilled by elapsed
time. Taking k of them moves `next_slot_at` on by k/r and hands the worker k consecutive
send slots from max(next_slot_at, now). Slots booked by different workers never overlap, so
N workers together stay within r per second (plus at most one bucket), and each worker
sends at its slot times instead of in a burst.

The rows are locked once per claimed batch, not per message: FOR UPDATE on PostgreSQL; on
SQLite the upsert that opens the transaction takes the single writer lock first. A 429
moves `next_slot_at` to the end of the pause, which pauses that channel for all workers,
rate-limited or not.

Nothing here reads the clock: every moment comes from the caller (the worker's injected
`Clock`, backend/messaging/clock.py), so pacing is tested with made-up times.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.models import OutboxPace
from backend.platform.dialect import insert_for
from backend.platform.settings import Settings


@dataclass(frozen=True)
class RateLimits:
    """Messages per second per channel (a channel not named is unlimited)."""

    rates: Mapping[str, float] = field(default_factory=dict)
    burst_s: float = 1.0  # bucket size, in seconds of the channel's rate
    pause_s: float = 2.0  # a 429 without Retry-After pauses its channel this long

    def __post_init__(self) -> None:
        if any(not rate > 0 for rate in self.rates.values()):
            raise ValueError("rates must be positive")
        if not self.burst_s > 0 or not self.pause_s > 0:
            raise ValueError("burst_s and pause_s must be positive")

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(rates=dict(settings.outbox_rate_limits),
                   burst_s=settings.outbox_rate_burst_s,
                   pause_s=settings.outbox_throttle_pause_s)

    def bucket_s(self, channel: str) -> float:
        """The bucket's size in seconds: at least one token, however slow the rate."""
        return max(self.burst_s, 1.0 / self.rates[channel])


@dataclass(frozen=True)
class Slots:
    """The send times one batch booked on one channel: start, start + 1/r, ..."""

    start: datetime
    interval_s: float
    count: int

    def at(self, index: int) -> datetime:
        return self.start + timedelta(seconds=index * self.interval_s)


def _ensure_rows(session: Session, channels: list[str], now: datetime) -> None:
    rows = [{"channel": c, "next_slot_at": now} for c in channels]
    session.execute(insert_for(session)(OutboxPace).values(rows)
                    .on_conflict_do_nothing(index_elements=[OutboxPace.channel]))


class Pace:
    """The pace rows, locked for one claim transaction: how many messages each limited
    channel may claim now, which channels are paused, and the slots taken."""

    def __init__(self, limits: RateLimits, now: datetime,
                 rows: Mapping[str, datetime]) -> None:
        self.limits, self.now = limits, now
        self._next = dict(rows)
        self._changed: set[str] = set()

    @classmethod
    def lock(cls, session: Session, limits: RateLimits, now: datetime) -> Pace:
        if limits.rates:  # a write first: on SQLite it takes the writer lock
            _ensure_rows(session, sorted(limits.rates), now)
        rows = session.execute(select(OutboxPace.channel, OutboxPace.next_slot_at)
                               .order_by(OutboxPace.channel).with_for_update()).all()
        return cls(limits, now, {r.channel: r.next_slot_at for r in rows})

    def limited(self) -> list[str]:
        return sorted(self.limits.rates)

    def quota(self, channel: str) -> int:
        """Tokens in the channel's bucket now (0 while it is paused)."""
        start = max(self._next.get(channel, self.now), self.now)
        ahead = (start - self.now).total_seconds()
        tokens = (self.limits.bucket_s(channel) - ahead) * self.limits.rates[channel]
        return max(0, math.floor(tokens + 1e-9))

    def blocked(self) -> list[str]:
        """Channels the unlimited claim must leave alone: limited ones (claimed by quota)
        and any channel a 429 paused."""
        paused = {c for c, at in self._next.items() if at > self.now}
        return sorted(paused | set(self.limits.rates))

    def take(self, channel: str, count: int) -> Slots:
        """Book `count` consecutive slots (count <= quota)."""
        rate = self.limits.rates[channel]
        start = max(self._next.get(channel, self.now), self.now)
        # Round the step up to whole microseconds: never faster than the rate.
        self._next[channel] = start + timedelta(microseconds=math.ceil(count * 1e6 / rate))
        self._changed.add(channel)
        return Slots(start, 1.0 / rate, count)

    def save(self, session: Session) -> None:
        for channel in sorted(self._changed):
            session.execute(update(OutboxPace).where(OutboxPace.channel == channel)
                            .values(next_slot_at=self._next[channel])
                            .execution_options(synchronize_session=False))


def pause(session: Session, channel: str, until: datetime) -> None:
    """Hold back every worker's sends on `channel` until `until` (a provider said 429).
    Never shortens a longer pause or a later booked slot."""
    _ensure_rows(session, [channel], until)
    session.execute(update(OutboxPace)
                    .where(OutboxPace.channel == channel, OutboxPace.next_slot_at < until)
                    .values(next_slot_at=until).execution_options(synchronize_session=False))
