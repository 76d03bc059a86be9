"""Which consumers (connections) a contact may see: its verified links.

Account data is shown only for consumers the contact is *verified* for (docs/ARCHITECTURE.md,
"Privacy"): its WhatsApp/SMS number is the registered mobile
(`auto_link_by_phone`), it shared its own Telegram contact with that number
(`link_shared_phone`), or it entered a one-time code sent by SMS to that number
(backend/contacts/otp.py). A link remembers the number it proved; it counts only while
that is still the consumer's registered mobile, so a changed number revokes old links.
One phone may hold several connections: the contact selects one.

All functions work in the caller's transaction and never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, event, select, update
from sqlalchemy.orm import Session

from backend.contacts.contacts import PHONE_CHANNELS
from backend.metering.registry import normalise_mobile
from backend.models import (
    Circle,
    Consumer,
    Contact,
    ContactChannel,
    ContactLink,
    Discom,
    LinkMethod,
)
from backend.platform.dialect import insert_for
from backend.platform.errors import DomainError, InvalidInput

_CA_SEPARATORS = re.compile(r"[\s\-/.]")
_CA = re.compile(r"^\d{9,12}$")


class NotLinked(DomainError):
    """The contact is not verified for that consumer."""

    status_code = 403


@dataclass(frozen=True)
class LinkedConsumer:
    consumer_id: int
    ca_number: str
    name: str
    method: str  # phone_match | otp | telegram_contact
    language: str | None = None  # the account's language (decides an unset contact's replies)


def normalise_ca(raw: str) -> str | None:
    """CA number as digits, or None if it cannot be one (spaces, dashes, dots allowed)."""
    digits = _CA_SEPARATORS.sub("", raw or "")
    return digits if _CA.match(digits) else None


_LINKED = (select(Consumer.id, Consumer.ca_number, Consumer.name, ContactLink.method,
                  Consumer.language)
           .join(ContactLink, ContactLink.consumer_id == Consumer.id)
           .where(ContactLink.contact_id == bindparam("contact_id"),
                  ContactLink.verified_phone == Consumer.mobile_e164)
           .order_by(Consumer.ca_number, Consumer.id))


#: `session.info` key of the per-session memo of `linked_consumers`: one dialogue turn asks
#: it from several flows (gate, facts, greeting…); links change only through this module
#: (which forgets the memo) or an ORM flush (which forgets it too: `_forget_on_flush`).
_MEMO = "sahayak.linked_consumers"


def linked_consumers(session: Session, contact: Contact) -> list[LinkedConsumer]:
    """Consumers this contact is verified for, by CA number. A link whose proven phone is
    no longer the consumer's registered mobile is left out."""
    memo = session.info.setdefault(_MEMO, {})
    found = memo.get(contact.id)
    if found is None:
        rows = session.execute(_LINKED, {"contact_id": contact.id})
        found = memo[contact.id] = [
            LinkedConsumer(consumer_id=r.id, ca_number=r.ca_number, name=r.name,
                           method=LinkMethod(r.method).value, language=r.language)
            for r in rows]
    return list(found)


def _forget(session: Session) -> None:
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_on_flush(session: Session, *_: object) -> None:
    _forget(session)


def link(session: Session, contact: Contact, consumer_ids: list[int], method: LinkMethod,
         phone: str, now: datetime, *, refresh: bool) -> None:
    """Upsert links proven by `phone`. `refresh=False` rewrites an existing link only when
    it is stale (its phone changed), so repeating a phone match costs no write."""
    if not consumer_ids:
        return
    _forget(session)
    ins = insert_for(session)(ContactLink).values([
        {"contact_id": contact.id, "consumer_id": cid, "method": method,
         "verified_phone": phone, "verified_at": now} for cid in consumer_ids])
    stmt = ins.on_conflict_do_update(
        index_elements=["contact_id", "consumer_id"],
        set_={"method": ins.excluded.method, "verified_phone": ins.excluded.verified_phone,
              "verified_at": ins.excluded.verified_at},
        where=None if refresh else ContactLink.verified_phone != ins.excluded.verified_phone)
    session.execute(stmt)


def _link_phone(session: Session, contact: Contact, phone: str, method: LinkMethod,
                now: datetime) -> list[LinkedConsumer]:
    ids = list(session.scalars(select(Consumer.id).where(Consumer.mobile_e164 == phone)
                               .order_by(Consumer.id)))
    link(session, contact, ids, method, phone, now, refresh=False)
    wanted = set(ids)
    return [lc for lc in linked_consumers(session, contact) if lc.consumer_id in wanted]


def auto_link_by_phone(session: Session, contact: Contact,
                       now: datetime) -> list[LinkedConsumer]:
    """Link a WhatsApp/SMS contact to every consumer registered with its number (one
    phone may hold several connections) and return those. Idempotent; other channels
    get []."""
    if contact.channel not in PHONE_CHANNELS:
        return []
    return _link_phone(session, contact, contact.address, LinkMethod.PHONE_MATCH, now)


def link_shared_phone(session: Session, contact: Contact, phone: str, is_own: bool,
                      now: datetime) -> list[LinkedConsumer]:
    """Telegram "share my number": link the consumers registered with that number, but
    only when the shared contact is the sender's own (anyone can share someone else's
    contact card). Returns the consumers linked by it; [] otherwise."""
    if not is_own or contact.channel != ContactChannel.TELEGRAM:
        return []
    try:
        e164 = normalise_mobile(phone)
    except InvalidInput:
        return []
    return _link_phone(session, contact, e164, LinkMethod.TELEGRAM_CONTACT, now)


def active_consumer(session: Session, contact: Contact) -> LinkedConsumer | None:
    """The consumer this contact is talking about: the selected one if still linked,
    else the only linked one, else None (none linked, or several and none chosen)."""
    links = linked_consumers(session, contact)
    for lc in links:
        if lc.consumer_id == contact.active_consumer_id:
            return lc
    return links[0] if len(links) == 1 else None


def account_language(session: Session, contact: Contact) -> str | None:
    """The language on the consumer account this contact is linked to (the selected
    connection first, else the first by CA number); None when it is linked to none. It
    decides the reply language of a contact that never chose one (bot: language_choice).
    Read from `linked_consumers`, which the turn asks anyway (one query, memoised)."""
    linked = linked_consumers(session, contact)
    chosen = next((lc for lc in linked if lc.consumer_id == contact.active_consumer_id),
                  linked[0] if linked else None)
    return chosen.language if chosen is not None else None


def select_consumer(session: Session, contact: Contact, consumer_id: int) -> LinkedConsumer:
    """Switch the contact to one of its linked consumers. Raises NotLinked otherwise."""
    for lc in linked_consumers(session, contact):
        if lc.consumer_id == consumer_id:
            contact.active_consumer_id = consumer_id
            session.flush()
            return lc
    raise NotLinked("this chat is not verified for that connection")


def unlink(session: Session, contact: Contact, consumer_id: int) -> bool:
    """Remove a link ("forget this connection"). False if there was none. A phone match
    comes back on the next message from that phone, by design."""
    _forget(session)
    deleted = session.execute(
        delete(ContactLink).where(ContactLink.contact_id == contact.id,
                                  ContactLink.consumer_id == consumer_id)
        .execution_options(synchronize_session=False)).rowcount
    if contact.active_consumer_id == consumer_id:
        contact.active_consumer_id = None
        session.flush()
    return bool(deleted)


def discom_codes(session: Session, contact: Contact) -> list[str]:
    """The discoms (codes, e.g. "NBPDCL") of the connection this contact talks about: the
    active one's, else those of every verified link (one code when all are in one discom;
    [] for an unlinked contact). Recharge sites and app links differ per discom."""
    active = active_consumer(session, contact)
    ids = ([active.consumer_id] if active is not None
           else [lc.consumer_id for lc in linked_consumers(session, contact)])
    if not ids:
        return []
    rows = session.scalars(
        select(Discom.code).join(Circle, Circle.discom_id == Discom.id)
        .join(Consumer, Consumer.circle_id == Circle.id)
        .where(Consumer.id.in_(ids)).distinct().order_by(Discom.code))
    return list(rows)


@dataclass(frozen=True)
class LinkRow:
    """A chat's link to a connection, as staff see it (`sahayak link list`)."""

    contact_id: int
    channel: str
    address: str
    method: str
    verified_at: datetime


def consumer_id_for_ca(session: Session, ca_number: str) -> int | None:
    ca = normalise_ca(ca_number)
    if ca is None:
        return None
    return session.scalar(select(Consumer.id).where(Consumer.ca_number == ca))


def links_for_consumer(session: Session, consumer_id: int) -> list[LinkRow]:
    """Every chat verified for this consumer (current links only), oldest first."""
    rows = session.execute(
        select(Contact.id, Contact.channel, Contact.address, ContactLink.method,
               ContactLink.verified_at)
        .join(ContactLink, ContactLink.contact_id == Contact.id)
        .join(Consumer, Consumer.id == ContactLink.consumer_id)
        .where(ContactLink.consumer_id == consumer_id,
               ContactLink.verified_phone == Consumer.mobile_e164)
        .order_by(ContactLink.verified_at, Contact.id))
    return [LinkRow(r.id, str(r.channel), r.address, LinkMethod(r.method).value,
                    r.verified_at) for r in rows]


def remove_links(session: Session, consumer_id: int, contact_ids: list[int]) -> int:
    """Unlink these chats from the consumer (and unselect it where it was selected); the
    number of links removed. For the owner's NO and for staff."""
    if not contact_ids:
        return 0
    _forget(session)
    removed = session.execute(
        delete(ContactLink).where(ContactLink.consumer_id == consumer_id,
                                  ContactLink.contact_id.in_(contact_ids))
        .execution_options(synchronize_session=False)).rowcount or 0
    session.execute(update(Contact).where(Contact.id.in_(contact_ids),
                                          Contact.active_consumer_id == consumer_id)
                    .values(active_consumer_id=None)
                    .execution_options(synchronize_session="fetch"))
    return removed


def unlink_recent_for_owner(session: Session, owner: Contact, now: datetime,
                            within: timedelta) -> list[str]:
    """The registered mobile said NO to a link notice: remove the links that *other* chats
    made with a code to connections registered to this phone in the last `within`. Returns
    the CA numbers that lost a link ([] when there was none: then NO was about something
    else). Only a WhatsApp/SMS contact is the phone itself."""
    if owner.channel not in PHONE_CHANNELS:
        return []
    rows = session.execute(
        select(ContactLink.contact_id, ContactLink.consumer_id, Consumer.ca_number)
        .join(Consumer, Consumer.id == ContactLink.consumer_id)
        .where(Consumer.mobile_e164 == owner.address,
               ContactLink.verified_phone == owner.address,
               ContactLink.method == LinkMethod.OTP,
               ContactLink.contact_id != owner.id,
               ContactLink.verified_at > now - within)
        .order_by(Consumer.ca_number)).all()
    by_consumer: dict[int, list[int]] = {}
    cas: dict[int, str] = {}
    for row in rows:
        by_consumer.setdefault(row.consumer_id, []).append(row.contact_id)
        cas[row.consumer_id] = row.ca_number
    for consumer_id, contact_ids in by_consumer.items():
        remove_links(session, consumer_id, contact_ids)
    return sorted(set(cas.values()))
