"""Human handoff: a conversation flagged for staff (`Contact.handoff_at` + reason), the
list staff work from, their replies queued to the consumer's channel through the outbox,
and the release back to the bot."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.messaging.enqueue import enqueue
from backend.models import Contact
from backend.platform.errors import InvalidInput, NotFound

REPLY_KEY = "handoff.staff_reply"
MAX_REPLY = 1000


def flag(session: Session, contact: Contact, reason: str, now: datetime) -> bool:
    """Hand the conversation to a person; False if it already was."""
    if contact.handoff_at is not None:
        return False
    contact.handoff_at, contact.handoff_reason = now, reason[:32]
    session.flush()
    return True


def release(session: Session, contact: Contact) -> bool:
    """Back to the bot; False if it was not handed off."""
    if contact.handoff_at is None:
        return False
    contact.handoff_at, contact.handoff_reason = None, None
    session.flush()
    return True


def pending(session: Session) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.handoff_at.is_not(None))
                                .order_by(Contact.handoff_at)))


def staff_reply(session: Session, contact_id: int, text: str, staff: str,
                now: datetime) -> int:
    """Queue a staff member's reply to the contact; returns the outbox row id."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact {contact_id}")
    body = (text or "").strip()
    if not body or len(body) > MAX_REPLY:
        raise InvalidInput(f"a reply has 1-{MAX_REPLY} characters")
    message = enqueue(session, channel=contact.channel.value, address=contact.address,
                      message_key=REPLY_KEY, params={"text": body, "staff": staff[:64]},
                      language=contact.language or "hi",
                      idempotency_key=f"handoff:{contact.id}:{now.isoformat()}:{_digest(body)}",
                      now=now)
    if message is None:
        raise InvalidInput("this reply was already queued")
    return message.id


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
