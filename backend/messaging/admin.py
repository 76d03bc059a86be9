"""Operators' view of the outbox: dead letters with their error, requeueing them, and
counts by status and channel (`sahayak outbox dead|retry|stats`). Addresses leave this
module masked only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.messaging.senders import mask_address
from backend.models import OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class DeadLetter:
    id: int
    channel: str
    masked_address: str
    message_key: str
    attempts: int
    last_error: str | None
    queued_at: datetime


def dead_letters(session: Session, *, limit: int = 50,
                 channel: str | None = None) -> list[DeadLetter]:
    """Newest dead letters first."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query = (select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.address,
                    OutboxMessage.message_key, OutboxMessage.attempts,
                    OutboxMessage.last_error, OutboxMessage.created_at)
             .where(OutboxMessage.status == OutboxStatus.DEAD)
             .order_by(OutboxMessage.id.desc()).limit(limit))
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    return [DeadLetter(r.id, r.channel, mask_address(r.address), r.message_key, r.attempts,
                       r.last_error, r.created_at) for r in session.execute(query)]


def requeue(session: Session, ids: Iterable[int], now: datetime) -> list[int]:
    """Send dead letters again, with a fresh set of attempts, from `now`. Returns the ids
    requeued; ids that are unknown or not dead are left alone (a message being sent or
    already sent must not be sent twice by an operator's retry)."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    stmt = (update(OutboxMessage)
            .where(OutboxMessage.id.in_(wanted), OutboxMessage.status == OutboxStatus.DEAD)
            .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now,
                    locked_until=None)
            .returning(OutboxMessage.id).execution_options(synchronize_session=False))
    return sorted(session.scalars(stmt))


def counts(session: Session) -> dict[str, dict[str, int]]:
    """{channel: {status: count}}, one GROUP BY over the outbox."""
    rows = session.execute(select(OutboxMessage.channel, OutboxMessage.status, func.count())
                           .group_by(OutboxMessage.channel, OutboxMessage.status))
    table: dict[str, dict[str, int]] = {}
    for channel, status, n in rows:
        table.setdefault(channel, {})[OutboxStatus(status).value] = n
    return table
