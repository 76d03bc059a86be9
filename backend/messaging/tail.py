"""Following the outbox from a point: what was queued after a given row. `sahayak chat`
uses it to show the one-time codes a local demo would otherwise never see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import OutboxMessage


@dataclass(frozen=True)
class Queued:
    id: int
    channel: str
    message_key: str
    language: str
    params: dict[str, Any]


def last_id(session: Session) -> int:
    """The newest outbox row's id (0 for an empty outbox): the point to follow from."""
    return session.scalar(select(func.max(OutboxMessage.id))) or 0


def queued_after(session: Session, after_id: int,
                 keys: Iterable[str] | None = None) -> list[Queued]:
    """Rows queued after `after_id`, oldest first; only message keys in `keys` if given."""
    query = (select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.message_key,
                    OutboxMessage.language, OutboxMessage.params)
             .where(OutboxMessage.id > after_id).order_by(OutboxMessage.id))
    if keys is not None:
        query = query.where(OutboxMessage.message_key.in_(list(keys)))
    return [Queued(r.id, r.channel, r.message_key, r.language, dict(r.params or {}))
            for r in session.execute(query)]
