"""A provider said the recipient unsubscribed (Twilio 21610, a Telegram bot blocked): opt
the contact out. Shared by every sender, so senders need not import delivery (or each
other) for it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts

log = logging.getLogger(__name__)


def mark_opted_out(sessions: sessionmaker[Session], channel: str, address: str,
                   now: datetime) -> bool:
    """True when the contact was not opted out before."""
    with sessions.begin() as session:
        contact = contacts.get_or_create_contact(session, channel, address, now)
        changed = contacts.opt_out(session, contact, now)
    if changed:
        log.info("contact %s opted out by the provider (unsubscribed)", contact.id)
    return changed
