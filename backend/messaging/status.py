"""Providers' delivery status callbacks (Twilio's StatusCallback, ...) on outbox rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import Session

from backend.messaging.redact import MAX_ERROR_CHARS
from backend.models import OutboxMessage

# Delivery statuses in the order providers report them; a late callback never moves a
# message back (e.g. "sent" arriving after "delivered"). Unknown statuses always apply.
_STATUS_RANK = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4,
                "undelivered": 4, "failed": 4, "read": 5}


def record_status(session: Session, provider_id: str, status: str,
                  error_code: str | None = None, *, channel: str | None = None) -> bool:
    """Record a provider's delivery status callback in the caller's transaction.

    Idempotent, and never moves a message back (a late "sent" after "delivered" is
    ignored). Returns False for an unknown provider id. `channel` narrows the lookup where
    providers' ids might collide.
    """
    status = status.strip().lower()[:32]
    if not provider_id or not status:
        raise ValueError("provider_id and status are required")
    match: list[ColumnElement[bool]] = [OutboxMessage.provider_id == provider_id]
    if channel is not None:
        match.append(OutboxMessage.channel == channel)
    guard: ColumnElement[bool] | None = None
    rank = _STATUS_RANK.get(status)
    if rank is not None:
        later = [s for s, r in _STATUS_RANK.items() if r > rank]
        guard = or_(OutboxMessage.provider_status.is_(None),
                    OutboxMessage.provider_status.not_in(later))
    values: dict[str, Any] = {"provider_status": status}
    if error_code:
        values["last_error"] = f"provider status {status}: error {error_code}"[:MAX_ERROR_CHARS]
    stmt = (update(OutboxMessage).where(*match, *([guard] if guard is not None else []))
            .values(**values).execution_options(synchronize_session="fetch"))
    if session.execute(stmt).rowcount:
        return True
    return bool(session.scalar(select(exists().where(*match))))
