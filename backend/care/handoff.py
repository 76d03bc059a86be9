"""Human handoff: a conversation flagged for staff (`Contact.handoff_at` + reason), the
list staff work from, their replies queued to the consumer's channel through the outbox,
and the release back to the bot. `reply` is the one use case the CLI (`sahayak handoff
reply`) and the staff API (`POST /api/v1/staff/handoffs/{id}/reply`) both call."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.contacts import links
from backend.messaging.enqueue import enqueue
from backend.models import Contact
from backend.platform.errors import Conflict, InvalidInput, NotFound

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class ReplyResult:
    outbox_id: int  # the queued message: what was said, by whom, to whom and when
    released: bool  # handed back to the bot as well


def reply(session: Session, contact_id: int, text: str, staff: str, now: datetime, *,
          release_after: bool = False) -> ReplyResult:
    """Queue a staff member's reply to a handed-off contact, in the caller's transaction,
    and (with `release_after`) hand the conversation back to the bot.

    Refuses (Conflict) a contact that is not waiting for a person, so a stale list or a
    mistyped id cannot message a stranger, and one that has opted out (STOP), whom we must
    not message at all. The outbox row is the record of the reply: text and staff name in
    its params, its time and delivery status on the row."""
    contact = session.get(Contact, contact_id, with_for_update=True)
    if contact is None:
        raise NotFound(f"no contact {contact_id}")
    if contact.opted_out:
        raise Conflict(f"contact {contact_id} has opted out of messages: no reply can be sent")
    if contact.handoff_at is None:
        raise Conflict(f"contact {contact_id} is not waiting for a person (not handed off)")
    body = (text or "").strip()
    if not body or len(body) > MAX_REPLY:
        raise InvalidInput(f"a reply has 1-{MAX_REPLY} characters")
    who = (staff or "").strip()[:64]
    if not who:
        raise InvalidInput("a reply needs the name of the staff member who sends it")
    message = enqueue(session, channel=contact.channel.value, address=contact.address,
                      message_key=REPLY_KEY, params={"text": body, "staff": who},
                      language=contact.language or links.account_language(session, contact)
                      or "hi",
                      idempotency_key=f"handoff:{contact.id}:{now.isoformat()}:{_digest(body)}",
                      now=now)
    if message is None:
        raise Conflict("this reply was already queued")
    released = release(session, contact) if release_after else False
    log.info("handoff reply to contact %s by %s queued as outbox %s%s", contact.id, who,
             message.id, " and released" if released else "")
    return ReplyResult(message.id, released)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
