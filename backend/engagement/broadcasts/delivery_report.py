"""What a broadcast did, from its outbox rows: totals per outcome (queued, sent, delivered,
read, failed, dead, cancelled) and pages of per-recipient status with masked addresses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from backend.engagement.broadcasts.service import get
from backend.messaging.senders import mask_address
from backend.models import OutboxMessage, OutboxStatus
from backend.platform.errors import InvalidInput

DELIVERED, READ, FAILED = "delivered", "read", frozenset({"failed", "undelivered"})


@dataclass(frozen=True)
class Totals:
    """Per-recipient outcomes from the outbox rows. `sent` is handed to the provider with
    no delivery report yet; delivered/read/failed come from provider callbacks."""

    queued: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    dead: int = 0
    cancelled: int = 0
    skipped_opted_out: int = 0

    @property
    def recipients(self) -> int:
        return (self.queued + self.sent + self.delivered + self.read + self.failed
                + self.dead + self.cancelled)


def totals(session: Session, broadcast_id: int) -> Totals:
    broadcast = get(session, broadcast_id)
    rows = session.execute(
        select(OutboxMessage.status, OutboxMessage.provider_status, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status, OutboxMessage.provider_status)).all()
    counts: Counter[str] = Counter()
    for status, provider_status, n in rows:
        counts[_outcome(OutboxStatus(status), provider_status)] += int(n)
    return Totals(**counts, skipped_opted_out=broadcast.skipped_opted_out or 0)


def _outcome(status: OutboxStatus, provider_status: str | None) -> str:
    if status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        return "queued"
    if status in (OutboxStatus.DEAD, OutboxStatus.CANCELLED):
        return status.value
    if provider_status == DELIVERED:
        return "delivered"
    if provider_status == READ:
        return "read"
    if provider_status in FAILED:
        return "failed"
    return "sent"


@dataclass(frozen=True)
class Recipient:
    outbox_id: int
    channel: str
    address: str  # masked
    language: str
    outcome: str
    sent_at: datetime | None
    error: str | None


def _outcome_is(outcome: str) -> ColumnElement[bool]:
    status, provider = OutboxMessage.status, OutboxMessage.provider_status
    reported = (DELIVERED, READ, *sorted(FAILED))
    return {
        "queued": status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        "dead": status == OutboxStatus.DEAD,
        "cancelled": status == OutboxStatus.CANCELLED,
        "delivered": and_(status == OutboxStatus.SENT, provider == DELIVERED),
        "read": and_(status == OutboxStatus.SENT, provider == READ),
        "failed": and_(status == OutboxStatus.SENT, provider.in_(sorted(FAILED))),
        "sent": and_(status == OutboxStatus.SENT,
                     or_(provider.is_(None), provider.not_in(reported))),
    }[outcome]


OUTCOMES = ("queued", "sent", "delivered", "read", "failed", "dead", "cancelled")


def recipients(session: Session, broadcast_id: int, *, outcome: str | None = None,
               limit: int = 50, offset: int = 0) -> list[Recipient]:
    """One page of per-recipient status (addresses masked), optionally one outcome only."""
    get(session, broadcast_id)
    if limit <= 0 or offset < 0:
        raise InvalidInput("limit must be positive and offset not negative")
    if outcome is not None and outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}")
    query = (select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.address,
                    OutboxMessage.language, OutboxMessage.status,
                    OutboxMessage.provider_status, OutboxMessage.sent_at,
                    OutboxMessage.last_error)
             .where(OutboxMessage.broadcast_id == broadcast_id,
                    *([_outcome_is(outcome)] if outcome else []))
             .order_by(OutboxMessage.id).offset(offset).limit(limit))
    return [Recipient(row.id, row.channel, mask_address(row.address), row.language,
                      _outcome(OutboxStatus(row.status), row.provider_status), row.sent_at,
                      row.last_error)
            for row in session.execute(query)]
