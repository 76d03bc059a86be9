"""Claiming due outbox rows for one worker's batch, within the channels' rate limits.

A claim is one short transaction: lock the pace rows (backend/messaging/pace.py), take
up to the batch's size of due rows, mark them 'sending' with a lease, book the
rate-limited channels' send slots, commit. Sending happens afterwards, outside any
transaction (backend/messaging/dispatch.py).

On SQLite every claim starts with a write (the claim's UPDATE, or the pace upsert when
rate limits are set), so the writer lock is taken before any read and the busy timeout
applies (no "database is locked" from a stale read snapshot); SQLite's single writer
serialises concurrent claims. (Without rate limits a claim first reads the pace rows for
429 pauses; pysqlite runs that read before BEGIN, so it holds no snapshot.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.hold import NO_HOLD, Hold
from backend.messaging.pace import Pace, RateLimits, Slots
from backend.messaging.senders import OutgoingMessage
from backend.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

_CLAIMED = (OutboxMessage.id, OutboxMessage.channel, OutboxMessage.address,
            OutboxMessage.message_key, OutboxMessage.params, OutboxMessage.language,
            OutboxMessage.attempts)


@dataclass(frozen=True)
class Claim:
    """One claimed batch: the messages and, per rate-limited channel, the send slots."""

    messages: list[OutgoingMessage]
    slots: Mapping[str, Slots]

    def schedule(self) -> list[tuple[OutgoingMessage, datetime | None]]:
        """Each message with the earliest time it may go (None: at once), in send order."""
        index: dict[str, int] = {}
        timed: list[tuple[OutgoingMessage, datetime | None]] = []
        for message in self.messages:  # sorted by id
            slots = self.slots.get(message.channel)
            if slots is None:
                timed.append((message, None))
            else:
                i = index[message.channel] = index.get(message.channel, -1) + 1
                timed.append((message, slots.at(i)))
        return sorted(timed, key=lambda t: (t[1] is not None, t[1] or datetime.min.replace(
            tzinfo=UTC), t[0].id))


def claim_batch(session_factory: sessionmaker[Session], worker_id: str, limit: int,
                now: datetime, lease_s: float, *, hold: Hold = NO_HOLD
                ) -> list[OutgoingMessage]:
    """Claim up to `limit` due messages, ignoring rate limits (see `claim_paced`)."""
    return claim_paced(session_factory, worker_id, limit, now, lease_s, hold=hold).messages


def claim_paced(session_factory: sessionmaker[Session], worker_id: str, limit: int,
                now: datetime, lease_s: float, limits: RateLimits | None = None, *,
                hold: Hold = NO_HOLD) -> Claim:
    """Claim up to `limit` due messages in one short transaction, within the channels'
    rate limits, and book their send slots (backend/messaging/pace.py).

    Due means pending with `next_attempt_at <= now` (and let through by `hold`), or still
    'sending' with an expired lease (its worker crashed). Expired leases go first, so a
    crash is not starved by a big broadcast. Each claim marks the row 'sending', leases it
    until now + lease_s and counts the attempt. PostgreSQL: SELECT ... FOR UPDATE SKIP
    LOCKED, so workers never wait on or claim each other's rows. SQLite: one UPDATE ...
    WHERE id IN (SELECT ... LIMIT). A rate-limited channel gets at most its bucket's
    tokens; a paused channel nothing.
    """
    if limit <= 0:
        return Claim([], {})
    if lease_s <= 0:
        raise ValueError("lease_s must be positive")
    lease_until = now + timedelta(seconds=lease_s)
    expired = and_(OutboxMessage.status == OutboxStatus.SENDING,
                   OutboxMessage.locked_until < now)
    pending = and_(OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.next_attempt_at <= now, hold.claimable(now))

    def take(session: Session, channels: ColumnElement[bool], most: int
             ) -> list[OutgoingMessage]:
        got: list[OutgoingMessage] = []
        for due in (expired, pending):
            if len(got) < most:
                got += _claim(session, and_(due, channels), most - len(got), lease_until)
        return got

    claimed: list[OutgoingMessage] = []
    slots: dict[str, Slots] = {}
    with session_factory() as session, session.begin():
        pace = Pace.lock(session, limits or RateLimits(), now)
        for channel in pace.limited():
            most = min(pace.quota(channel), limit - len(claimed))
            got = take(session, OutboxMessage.channel == channel, most) if most > 0 else []
            if got:
                slots[channel] = pace.take(channel, len(got))
                claimed += got
        blocked = pace.blocked()
        if len(claimed) < limit:
            claimed += take(session, OutboxMessage.channel.not_in(blocked) if blocked
                            else true(), limit - len(claimed))
        pace.save(session)
    if claimed:
        log.debug("outbox worker %s claimed %d message(s)", worker_id, len(claimed))
    return Claim(sorted(claimed, key=lambda m: m.id), slots)


def claim_ids(session_factory: sessionmaker[Session], ids: Sequence[int], now: datetime,
              lease_s: float) -> list[OutgoingMessage]:
    """Claim exactly these rows, those still pending (already due or not), in one short
    transaction, leased like a batch: a caller that enqueued them sends them at once
    (backend/messaging/now.py); a row a worker took first is left to it."""
    if not ids:
        return []
    due = and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.id.in_(list(ids)))
    with session_factory() as session, session.begin():
        claimed = _claim(session, due, len(ids), now + timedelta(seconds=lease_s))
    return sorted(claimed, key=lambda m: m.id)


def _claim(session: Session, due: ColumnElement[bool], limit: int,
           lease_until: datetime) -> list[OutgoingMessage]:
    ids = (select(OutboxMessage.id).where(due)
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        # Lock first, then update exactly those rows: a LIMIT inside `IN (...)` of an
        # UPDATE may be planned as a re-executed semi-join on PostgreSQL.
        locked = session.scalars(ids.with_for_update(skip_locked=True)).all()
        if not locked:
            return []
        target = OutboxMessage.id.in_(locked)
    else:
        target = OutboxMessage.id.in_(ids)
    stmt = (update(OutboxMessage).where(target, due)
            .values(status=OutboxStatus.SENDING, locked_until=lease_until,
                    attempts=OutboxMessage.attempts + 1)
            .returning(*_CLAIMED)
            .execution_options(synchronize_session=False))
    return [OutgoingMessage(id=r.id, channel=r.channel, address=r.address,
                            message_key=r.message_key, params=r.params or {},
                            language=r.language, attempt=r.attempts)
            for r in session.execute(stmt)]
