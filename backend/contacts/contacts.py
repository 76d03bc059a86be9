"""Contacts: who is writing, as a (channel, address), and their preferences.

A contact is found or created on its first message (race-safe), locked while one of its
messages is handled, and keeps its reply language and opt-out. Which consumers it may see
is backend/contacts/links.py; one-time codes backend/contacts/otp.py.

All functions work in the caller's transaction and never commit. Phone numbers are never
logged above DEBUG. Per inbound message: `inbound_contact` (find or create, lock, note
the message), then `conversations.claim_message`, `links.auto_link_by_phone` after a
pause, then `links.active_consumer` / `links.linked_consumers` decide what may be shown.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import Row, bindparam, case, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from backend.metering.registry import normalise_mobile
from backend.models import Contact, ContactChannel
from backend.platform.dialect import insert_for
from backend.platform.errors import InvalidInput

log = logging.getLogger(__name__)

LANGUAGES = ("hi", "hi-Latn", "en")
PHONE_CHANNELS = (ContactChannel.WHATSAPP, ContactChannel.SMS)
_ANY_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalise_address(channel: str, address: str) -> str:
    """The canonical address: E.164 for WhatsApp/SMS (a "whatsapp:" prefix is accepted;
    Indian numbers are normalised, other E.164 numbers kept), trimmed text otherwise."""
    kind = ContactChannel(channel)
    raw = (address or "").strip()
    if kind in PHONE_CHANNELS:
        if raw.lower().startswith("whatsapp:"):
            raw = raw[len("whatsapp:"):]
        try:
            return normalise_mobile(raw)
        except InvalidInput:
            compact = re.sub(r"[\s\-()]", "", raw)
            if _ANY_E164.match(compact):
                return compact
            raise InvalidInput("not a phone number") from None
    if not raw or len(raw) > 64:
        raise InvalidInput("address must be 1-64 characters")
    return raw


def get_or_create_contact(session: Session, channel: str, address: str,
                          now: datetime) -> Contact:
    """The contact for (channel, address), created on first contact.

    Race-safe: INSERT ... ON CONFLICT DO NOTHING then read, so two processes seeing the
    same new sender both get the one row and neither transaction is aborted.
    Raises ValueError for an unknown channel, InvalidInput for a malformed address.
    """
    kind = ContactChannel(channel)
    address = normalise_address(kind, address)
    query = _contact_query(kind, address)
    contact = session.scalars(query).one_or_none()
    if contact is not None:
        return contact
    return _create_contact(session, kind, address, now) or session.scalars(query).one()


def inbound_contact(session: Session, channel: str, address: str,
                    now: datetime) -> tuple[Contact, datetime | None]:
    """The contact an inbound message comes from (created on first contact), locked until
    the transaction ends, with its `last_inbound_at` moved to `now`; also returns the
    previous `last_inbound_at` (None for a new contact).

    On PostgreSQL this is one UPDATE ... FROM ... RETURNING: the row lock, the read and
    the write in a single round trip, the hottest statement of a webhook. The previous
    value comes from the statement's snapshot, so under a concurrent message of the same
    contact it may be a moment old; callers use it only to decide whether to re-check
    phone links, which is harmless to do once more. SQLite cannot return columns of a
    joined table, so there it is a read and an ORM update (one writer at a time anyway).
    """
    kind = ContactChannel(channel)
    address = normalise_address(kind, address)
    for _ in range(2):  # a concurrent first message may create the row between the two
        if session.get_bind().dialect.name == "postgresql":
            row = session.connection().execute(
                _TOUCH, {"b_channel": kind, "b_address": address, "b_now": now}).first()
            if row is not None:
                return _attach(session, row), row.previous
        else:
            contact = session.scalars(_contact_query(kind, address)).one_or_none()
            if contact is not None:
                previous = contact.last_inbound_at
                touch_inbound(session, contact, now)
                return contact, previous
        created = _create_contact(session, kind, address, now, last_inbound_at=now)
        if created is not None:
            return created, None
    raise RuntimeError("contact vanished while being created")  # deleted concurrently


def lock_contact(session: Session, contact_id: int) -> None:
    """Serialise work on one contact until the transaction ends.

    PostgreSQL: SELECT ... FOR NO KEY UPDATE on the contact row (it always exists, unlike
    the state row, so even a contact's first two messages take turns; NO KEY leaves
    inserts that reference the contact unblocked). SQLite: a no-op UPDATE, which takes the
    database write lock now, before anything is read.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Contact.id).where(Contact.id == contact_id)
                        .with_for_update(key_share=True))
    else:
        session.execute(update(Contact).where(Contact.id == contact_id)
                        .values(opted_out=Contact.opted_out)
                        .execution_options(synchronize_session=False))


def _contact_query(kind: ContactChannel, address: str):  # noqa: ANN202 - a Select
    return select(Contact).where(Contact.channel == kind, Contact.address == address)


_CONTACTS = Contact.__table__


def _touch_statement():  # noqa: ANN202 - a Core Update, built once as _TOUCH
    contacts = _CONTACTS.c
    old = (select(contacts.id, contacts.last_inbound_at.label("previous"))
           .where(contacts.channel == bindparam("b_channel"),
                  contacts.address == bindparam("b_address"))
           .subquery("old"))
    now = bindparam("b_now", type_=contacts.last_inbound_at.type)
    newer = case((contacts.last_inbound_at.is_(None) | (contacts.last_inbound_at < now), now),
                 else_=contacts.last_inbound_at)
    return (update(_CONTACTS).where(contacts.id == old.c.id).values(last_inbound_at=newer)
            .returning(*_CONTACTS.c, old.c.previous))


_TOUCH = _touch_statement()


def _attach(session: Session, row: Row) -> Contact:
    """The contact of a Core row, as a persistent ORM object without another query (the
    ORM's own UPDATE ... RETURNING path costs twice the CPU of the statement itself)."""
    existing = session.identity_map.get(identity_key(Contact, row.id))
    if existing is not None:  # already loaded in this session: bring it up to date
        session.refresh(existing)
        return existing  # type: ignore[return-value]
    contact = Contact(**{column.key: row._mapping[column] for column in _CONTACTS.c})
    make_transient_to_detached(contact)
    session.add(contact)
    return contact


def _create_contact(session: Session, kind: ContactChannel, address: str, now: datetime,
                    last_inbound_at: datetime | None = None) -> Contact | None:
    """INSERT ... ON CONFLICT DO NOTHING: None if another transaction created it first."""
    stmt = (insert_for(session)(Contact)
            .values(channel=kind, address=address, opted_out=False, created_at=now,
                    last_inbound_at=last_inbound_at)
            .on_conflict_do_nothing(index_elements=["channel", "address"])
            .returning(Contact))
    contact = session.scalars(stmt).one_or_none()
    if contact is not None:
        log.info("new %s contact %s", kind.value, contact.id)
    return contact


def set_language(session: Session, contact: Contact, language: str, *,
                 only_if_unset: bool = False) -> str:
    """Set the contact's reply language (hi, hi-Latn, en) and return the one in force.
    The dialogue stores one only on an explicit choice or after several clear messages in
    it (bot/dialogue/language_choice.py), never from one message's guess; until then the
    linked consumer's language applies. `only_if_unset=True` never overrides a language
    the contact has."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    if contact.language is None or not only_if_unset:
        contact.language = language
        session.flush()
    return contact.language or language


def opt_out(session: Session, contact: Contact, now: datetime) -> bool:
    """Stop alerts and broadcasts to this contact. False if it had already opted out."""
    if contact.opted_out:
        return False
    contact.opted_out = True
    contact.opted_out_at = now
    session.flush()
    return True


def opt_in(session: Session, contact: Contact, now: datetime) -> bool:
    """Resume alerts and broadcasts. False if the contact was not opted out."""
    if not contact.opted_out:
        return False
    contact.opted_out = False
    contact.opted_out_at = None
    session.flush()
    return True


def touch_inbound(session: Session, contact: Contact, now: datetime) -> None:
    """Note an inbound message (WhatsApp allows free-form replies for 24 h after one)."""
    if contact.last_inbound_at is None or contact.last_inbound_at < now:
        contact.last_inbound_at = now
        session.flush()
