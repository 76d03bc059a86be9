"""Putting one message into the outbox, in the caller's transaction.

Callers enqueue in the same transaction as the cause, so a message exists if and only if
its cause was committed (the set-based twin for many rows at once is
backend/messaging/bulk.py). The rest of the outbox's life: backend/messaging/__init__.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.models import OutboxMessage, OutboxStatus
from backend.platform.clock import utcnow
from backend.platform.dialect import insert_for

_LIMITS = {"channel": 16, "address": 64, "message_key": 64, "language": 8,
           "idempotency_key": 128}


def enqueue(session: Session, *, channel: str, address: str, message_key: str,
            params: Mapping[str, Any], language: str, idempotency_key: str,
            not_before: datetime | None = None,
            now: datetime | None = None) -> OutboxMessage | None:
    """Add a message in the caller's transaction (no commit): it is sent only if the cause
    commits. The same idempotency key twice enqueues once; the duplicate returns None.

    Uses INSERT ... ON CONFLICT DO NOTHING, so a duplicate neither raises nor aborts the
    caller's transaction (on PostgreSQL a concurrent insert of the same key waits for the
    first transaction and then does nothing).
    """
    now = now or utcnow()
    for moment in (now, not_before):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("naive datetime: pass an aware (UTC) datetime")
    fields = {"channel": channel, "address": address, "message_key": message_key,
              "language": language, "idempotency_key": idempotency_key}
    for name, value in fields.items():
        if not value or len(value) > _LIMITS[name]:
            raise ValueError(f"{name} must be 1-{_LIMITS[name]} characters")
    stmt = (insert_for(session)(OutboxMessage)
            .values(**fields, params=dict(params), status=OutboxStatus.PENDING, attempts=0,
                    next_attempt_at=not_before or now, created_at=now)
            .on_conflict_do_nothing(index_elements=[OutboxMessage.idempotency_key])
            .returning(OutboxMessage))
    return session.scalars(stmt).one_or_none()
