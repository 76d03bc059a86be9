"""Who is this contact, and which consumers may it see?

A contact is a (channel, address). Account data is shown only for consumers the contact is
*verified* for (DESIGN.md "Identity and privacy"): its WhatsApp/SMS number is the
registered mobile (`auto_link_by_phone`), it shared its own Telegram contact with that
number (`link_shared_phone`), or it entered a one-time code sent by SMS to that number
(`request_otp` + `verify_otp`). A link remembers the number it proved; it counts only while
that is still the consumer's registered mobile, so a changed number revokes old links.

All functions work in the caller's transaction and never commit. Phone numbers and codes
are never logged above DEBUG. Per inbound message: `inbound_contact` (find or create,
lock, note the message), then `conversations.claim_message`, `auto_link_by_phone` after a
pause, then `active_consumer` / `linked_consumers` decide what may be shown.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, bindparam, case, delete, func, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from backend.contacts.conversations import dialect_insert, lock_contact
from backend.messaging.enqueue import enqueue
from backend.messaging.senders import mask_address
from backend.metering.registry import normalise_mobile
from backend.models import (
    Consumer,
    Contact,
    ContactChannel,
    ContactLink,
    LinkMethod,
    OtpChallenge,
    OtpOutcome,
)
from backend.platform.errors import DomainError, InvalidInput
from backend.platform.settings import Settings

log = logging.getLogger(__name__)

LANGUAGES = ("hi", "hi-Latn", "en")
PHONE_CHANNELS = (ContactChannel.WHATSAPP, ContactChannel.SMS)
OTP_MESSAGE_KEY = "otp.code"
_ANY_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
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


@dataclass(frozen=True)
class OtpPolicy:
    """Limits for one-time codes; `from_settings` reads the OTP_* settings."""

    ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    max_per_contact_per_hour: int = 3
    max_per_consumer_per_day: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> OtpPolicy:
        return cls(ttl=timedelta(minutes=settings.otp_ttl_minutes),
                   max_attempts=settings.otp_max_attempts,
                   max_per_contact_per_hour=settings.otp_max_per_contact_per_hour,
                   max_per_consumer_per_day=settings.otp_max_per_consumer_per_day)


@dataclass(frozen=True)
class OtpRequest:
    """Outcome of asking for a code.

    status: "sent" | "invalid_ca" (not 9-12 digits) | "unknown_ca" | "already_linked"
    (and now selected) | "rate_limited" (`retry_after` says how long to wait).
    `masked_mobile` ("+91******3210") and `expires_at` are set when sent.
    """

    status: str
    masked_mobile: str | None = None
    expires_at: datetime | None = None
    retry_after: timedelta | None = None
    linked: LinkedConsumer | None = None  # for already_linked


@dataclass(frozen=True)
class OtpVerify:
    """Outcome of entering a code.

    status: "verified" | "wrong" (`attempts_left` > 0) | "too_many" (code dead, ask for a
    new one) | "expired" | "none_pending" (nothing was requested, or already used).
    """

    status: str
    attempts_left: int = 0
    linked: LinkedConsumer | None = None


# ---------------------------------------------------------------------------- contacts


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
    insert = dialect_insert(session)
    stmt = (insert(Contact)
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
    `only_if_unset=True` is for the guess from a first message: it never overrides a
    language the contact has (sticky once set)."""
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


# ---------------------------------------------------------------------------- links


_LINKED = (select(Consumer.id, Consumer.ca_number, Consumer.name, ContactLink.method)
           .join(ContactLink, ContactLink.consumer_id == Consumer.id)
           .where(ContactLink.contact_id == bindparam("contact_id"),
                  ContactLink.verified_phone == Consumer.mobile_e164)
           .order_by(Consumer.ca_number, Consumer.id))


def linked_consumers(session: Session, contact: Contact) -> list[LinkedConsumer]:
    """Consumers this contact is verified for, by CA number. A link whose proven phone is
    no longer the consumer's registered mobile is left out."""
    rows = session.execute(_LINKED, {"contact_id": contact.id})
    return [LinkedConsumer(consumer_id=r.id, ca_number=r.ca_number, name=r.name,
                           method=LinkMethod(r.method).value) for r in rows]


def _link(session: Session, contact: Contact, consumer_ids: list[int], method: LinkMethod,
          phone: str, now: datetime, *, refresh: bool) -> None:
    """Upsert links. `refresh=False` rewrites an existing link only when it is stale (its
    phone changed), so repeating a phone match costs no write."""
    if not consumer_ids:
        return
    insert = dialect_insert(session)
    ins = insert(ContactLink).values([
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
    _link(session, contact, ids, method, phone, now, refresh=False)
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
    deleted = session.execute(
        delete(ContactLink).where(ContactLink.contact_id == contact.id,
                                  ContactLink.consumer_id == consumer_id)
        .execution_options(synchronize_session=False)).rowcount
    if contact.active_consumer_id == consumer_id:
        contact.active_consumer_id = None
        session.flush()
    return bool(deleted)


# ---------------------------------------------------------------------------- OTP


def normalise_ca(raw: str) -> str | None:
    """CA number as digits, or None if it cannot be one (spaces, dashes, dots allowed)."""
    digits = _CA_SEPARATORS.sub("", raw or "")
    return digits if _CA.match(digits) else None


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _lock_for_otp(session: Session, contact: Contact, consumer_id: int) -> None:
    """Serialise code requests for this contact and consumer, so the rate limits hold
    under concurrency (PostgreSQL row locks; on SQLite the contact lock takes the write
    lock, which serialises everything)."""
    lock_contact(session, contact.id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Consumer.id).where(Consumer.id == consumer_id)
                        .with_for_update(key_share=True))


def _retry_after(session: Session, where: list[ColumnElement[bool]], limit: int, window: timedelta,
                 now: datetime) -> timedelta | None:
    """None if under `limit` requests in the window; else how long until one ages out."""
    recent = list(session.scalars(
        select(OtpChallenge.created_at)
        .where(*where, OtpChallenge.created_at > now - window)
        .order_by(OtpChallenge.created_at.desc()).limit(limit)))
    if len(recent) < limit:
        return None
    return max(recent[-1] + window - now, timedelta(seconds=1))


def request_otp(session: Session, contact: Contact, ca_number: str, now: datetime, *,
                rng: random.Random | None = None,
                policy: OtpPolicy | None = None) -> OtpRequest:
    """Send a 6-digit code by SMS (through the outbox, in this transaction) to the
    registered mobile of the consumer with this CA number.

    Rate-limited per contact per hour and per consumer per day (so nobody can flood a
    consumer's phone). A new code supersedes this contact's pending one. Only a salted
    hash of the code is stored. `rng` is for tests; codes come from `secrets` otherwise.
    """
    policy = policy or OtpPolicy()
    ca = normalise_ca(ca_number)
    if ca is None:
        return OtpRequest("invalid_ca")
    consumer = session.scalars(select(Consumer).where(Consumer.ca_number == ca)).one_or_none()
    if consumer is not None:
        for lc in linked_consumers(session, contact):
            if lc.consumer_id == consumer.id:
                return OtpRequest("already_linked", linked=select_consumer(
                    session, contact, consumer.id))
        _lock_for_otp(session, contact, consumer.id)
    wait = _retry_after(session, [OtpChallenge.contact_id == contact.id],
                        policy.max_per_contact_per_hour, timedelta(hours=1), now)
    if wait is not None:
        log.info("otp rate-limited for contact %s", contact.id)
        return OtpRequest("rate_limited", retry_after=wait)
    if consumer is None:
        return OtpRequest("unknown_ca")
    wait = _retry_after(session, [OtpChallenge.consumer_id == consumer.id],
                        policy.max_per_consumer_per_day, timedelta(days=1), now)
    if wait is not None:
        log.info("otp rate-limited for consumer %s", consumer.id)
        return OtpRequest("rate_limited", retry_after=wait)

    session.execute(update(OtpChallenge)
                    .where(OtpChallenge.contact_id == contact.id,
                           OtpChallenge.consumed_at.is_(None))
                    .values(consumed_at=now, outcome=OtpOutcome.SUPERSEDED)
                    .execution_options(synchronize_session=False))
    code = f"{(rng or secrets.SystemRandom()).randrange(1_000_000):06d}"
    salt = secrets.token_hex(16)
    challenge = OtpChallenge(contact_id=contact.id, consumer_id=consumer.id,
                             sent_to=consumer.mobile_e164, salt=salt,
                             code_hash=_hash(salt, code), expires_at=now + policy.ttl,
                             attempts=0, created_at=now)
    session.add(challenge)
    session.flush()
    minutes = max(1, int(policy.ttl.total_seconds() // 60))
    enqueue(session, channel="sms", address=consumer.mobile_e164, message_key=OTP_MESSAGE_KEY,
            params={"code": code, "minutes": minutes}, language=consumer.language or "hi",
            idempotency_key=f"otp:{challenge.id}", now=now)
    log.info("otp %s sent for contact %s consumer %s", challenge.id, contact.id, consumer.id)
    return OtpRequest("sent", masked_mobile=mask_address(consumer.mobile_e164),
                      expires_at=challenge.expires_at)


def verify_otp(session: Session, contact: Contact, code: str, now: datetime, *,
               policy: OtpPolicy | None = None) -> OtpVerify:
    """Check a code against the contact's latest challenge. On success link the consumer
    (method otp) and select it. Compares hashes in constant time; every wrong code uses an
    attempt, and the last one kills the code."""
    policy = policy or OtpPolicy()
    lock_contact(session, contact.id)  # one check at a time per contact: attempts hold
    row = session.execute(
        select(OtpChallenge.id, OtpChallenge.consumer_id, OtpChallenge.sent_to,
               OtpChallenge.salt, OtpChallenge.code_hash, OtpChallenge.expires_at,
               OtpChallenge.attempts, OtpChallenge.outcome)
        .where(OtpChallenge.contact_id == contact.id)
        .order_by(OtpChallenge.created_at.desc(), OtpChallenge.id.desc()).limit(1)
    ).first()
    if row is None:
        return OtpVerify("none_pending")
    if row.outcome == OtpOutcome.TOO_MANY:
        return OtpVerify("too_many")
    if row.outcome is not None:  # verified (or superseded, which is never the latest)
        return OtpVerify("none_pending")
    if row.expires_at <= now:
        return OtpVerify("expired")
    registered = session.scalar(select(Consumer.mobile_e164)
                                .where(Consumer.id == row.consumer_id))
    if registered != row.sent_to:  # the number changed after the code went out
        return OtpVerify("expired")
    given = re.sub(r"\s", "", code or "")
    if hmac.compare_digest(_hash(row.salt, given), row.code_hash):
        session.execute(update(OtpChallenge).where(OtpChallenge.id == row.id)
                        .values(consumed_at=now, outcome=OtpOutcome.VERIFIED)
                        .execution_options(synchronize_session=False))
        _link(session, contact, [row.consumer_id], LinkMethod.OTP, row.sent_to, now,
              refresh=True)
        linked = select_consumer(session, contact, row.consumer_id)
        log.info("otp %s verified for contact %s", row.id, contact.id)
        return OtpVerify("verified", attempts_left=policy.max_attempts - row.attempts,
                         linked=linked)
    attempts = row.attempts + 1
    values: dict[str, object] = {"attempts": attempts}
    if attempts >= policy.max_attempts:
        values.update(consumed_at=now, outcome=OtpOutcome.TOO_MANY)
    session.execute(update(OtpChallenge).where(OtpChallenge.id == row.id).values(**values)
                    .execution_options(synchronize_session=False))
    if attempts >= policy.max_attempts:
        log.info("otp %s: too many wrong codes for contact %s", row.id, contact.id)
        return OtpVerify("too_many")
    return OtpVerify("wrong", attempts_left=policy.max_attempts - attempts)


def purge_otp_challenges(session: Session, older_than: datetime) -> int:
    """Delete challenges created before `older_than` (keep at least a day: the
    per-consumer rate limit counts them)."""
    stmt = (delete(OtpChallenge).where(OtpChallenge.created_at < older_than)
            .execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount or 0


def has_pending_otp(session: Session, contact: Contact, now: datetime) -> bool:
    """Whether the contact has a live code to enter (e.g. to read "123456" as a code)."""
    return bool(session.scalar(
        select(func.count()).select_from(OtpChallenge)
        .where(OtpChallenge.contact_id == contact.id, OtpChallenge.consumed_at.is_(None),
               OtpChallenge.expires_at > now)))
