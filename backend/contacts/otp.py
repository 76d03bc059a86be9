"""One-time codes: proving a contact holds a consumer's registered mobile.

A 6-digit code goes by SMS (through the outbox, in the caller's transaction) to the
registered mobile of the connection the contact names by CA number; entering it links
the contact to that consumer (backend/contacts/links.py). Codes expire, attempts are
limited, requests are rate-limited per contact and per consumer, and only a keyed hash
(HMAC-SHA256 under OTP_HASH_KEY, salted per code) is stored: a copied table gives up no
code, since trying all million codes needs the key. The code itself leaves the outbox row
once sent (backend/messaging/outcomes.py). Codes and numbers are never logged above DEBUG.

Every CA lookup by a chat counts against its hourly and daily limits whether the CA exists
or not (backend/contacts/abuse.py), and the caller answers both the same way ("if it is
registered, a code went to its mobile"), so the bot cannot be used to find valid CA
numbers or their mobiles.

The code always goes by SMS to the registered mobile, never to the chat that asked (a
WhatsApp authentication template has fixed text, and the chat is what is being proved).
The SMS names the chat that asked ("only in the Telegram chat"), so a code asked for by
a caller is recognisably not his to give; and after a link the registered mobile gets a
notice ("WhatsApp …1234 linked to CA …; not you? 1912"), so a link made with a code
talked out of its owner does not go unseen (links.unlink_recent_for_owner undoes it).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from backend.contacts import abuse
from backend.contacts.contacts import lock_contact
from backend.contacts.links import (
    LinkedConsumer,
    link,
    linked_consumers,
    normalise_ca,
    select_consumer,
)
from backend.messaging.enqueue import enqueue
from backend.messaging.senders import mask_address
from backend.models import Consumer, Contact, LinkMethod, OtpChallenge, OtpOutcome
from backend.platform.settings import Settings

log = logging.getLogger(__name__)

OTP_MESSAGE_KEY = "otp.code"
#: The notice to the registered mobile after a chat linked with a code; the "_reply" one
#: also says "reply NO" (only where the SMS gateway receives replies: a setting).
LINK_NOTICE_KEY = "link.notice"
LINK_NOTICE_REPLY_KEY = "link.notice_reply"
#: How a channel is named in those SMS ("only in the Telegram chat"): brand names, the
#: same in every language.
CHANNEL_NAMES = {"whatsapp": "WhatsApp", "sms": "SMS", "telegram": "Telegram", "web": "Web",
                 "console": "Console"}


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(str(channel), str(channel).title())


def chat_label(contact: Contact) -> str:
    """The chat as the registered mobile's owner can recognise it: "WhatsApp …1234" for a
    phone, the channel's name alone for a chat id (Telegram ids mean nothing to people)."""
    name = channel_name(contact.channel)
    if contact.channel in ("whatsapp", "sms") and len(contact.address) >= 4:
        return f"{name} ...{contact.address[-4:]}"
    return name


#: The hash key in demo mode and in tests (production refuses to start without
#: OTP_HASH_KEY: `hash_key_problem`). Public, so it protects nothing: demo data only.
DEMO_HASH_KEY = hashlib.sha256(b"bijli-sahayak demo otp hash key").digest()
#: Salts of keyed hashes start with this; a salt without it is from before keyed hashes
#: (a plain SHA-256): such a code is answered "expired" and the caller asks for a new one
#: (codes live minutes, so only a code asked for just before the upgrade is affected).
KEYED = "k:"


def hash_key_problem(settings: Settings) -> str | None:
    """Why this configuration must not serve consumers (production without OTP_HASH_KEY),
    or None."""
    if settings.is_production and not _configured_key(settings):
        return ("OTP_HASH_KEY is not set: with APP_ENV=production one-time codes are hashed "
                "with a secret key, so set OTP_HASH_KEY to 32 or more random characters, the "
                "same for every process (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`), or use APP_ENV=demo")
    return None


def _configured_key(settings: Settings) -> bytes | None:
    key = settings.otp_hash_key.get_secret_value() if settings.otp_hash_key else ""
    return key.encode() if key.strip() else None


@dataclass(frozen=True)
class OtpPolicy:
    """Limits for one-time codes; `from_settings` reads the OTP_* settings."""

    ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    max_per_contact_per_hour: int = 3
    max_lookups_per_contact_per_day: int = 10
    max_per_consumer_per_day: int = 5
    #: The SMS gateway receives replies, so the link notice may say "reply NO".
    notice_reply_no: bool = False
    #: The HMAC key of stored code hashes (OTP_HASH_KEY; the demo key if unset).
    hash_key: bytes = field(default=DEMO_HASH_KEY, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> OtpPolicy:
        return cls(ttl=timedelta(minutes=settings.otp_ttl_minutes),
                   max_attempts=settings.otp_max_attempts,
                   max_per_contact_per_hour=settings.otp_max_per_contact_per_hour,
                   max_lookups_per_contact_per_day=(
                       settings.otp_max_lookups_per_contact_per_day),
                   max_per_consumer_per_day=settings.otp_max_per_consumer_per_day,
                   notice_reply_no=settings.link_notice_reply_no,
                   hash_key=_configured_key(settings) or DEMO_HASH_KEY)


@dataclass(frozen=True)
class OtpRequest:
    """Outcome of asking for a code.

    status: "sent" | "invalid_ca" (not 9-12 digits) | "unknown_ca" (counted like a sent
    one; the caller must answer it the same way) | "already_linked" (and now selected) |
    "rate_limited" (`retry_after` says how long to wait).
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


def _hash(key: bytes, salt: str, code: str) -> str:
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _lock_for_otp(session: Session, contact: Contact, consumer_id: int) -> None:
    """Serialise code requests for this contact and consumer, so the rate limits hold
    under concurrency (PostgreSQL row locks; on SQLite the contact lock takes the write
    lock, which serialises everything)."""
    lock_contact(session, contact.id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Consumer.id).where(Consumer.id == consumer_id)
                        .with_for_update(key_share=True))


def _retry_after(session: Session, where: list[ColumnElement[bool]], limit: int,
                 window: timedelta, now: datetime) -> timedelta | None:
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

    Rate-limited per contact per hour and per day (CA lookups, existing or not) and per
    consumer per day (so nobody can flood a consumer's phone). A new lookup supersedes
    this contact's pending code. Only a keyed, salted hash of the code is stored. `rng` is
    for tests; codes come from `secrets` otherwise.
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
    else:
        lock_contact(session, contact.id)
    wait = _contact_wait(session, contact, policy, now)
    if wait is not None:
        log.info("otp rate-limited for contact %s", contact.id)
        return OtpRequest("rate_limited", retry_after=wait)
    abuse.record(session, contact.id, abuse.CA_LOOKUP, ca, now)
    if consumer is None:
        _supersede(session, contact, now)  # the code for an earlier CA no longer applies
        log.info("otp lookup of an unknown CA by contact %s", contact.id)
        return OtpRequest("unknown_ca")
    wait = _retry_after(session, [OtpChallenge.consumer_id == consumer.id],
                        policy.max_per_consumer_per_day, timedelta(days=1), now)
    if wait is not None:
        log.info("otp rate-limited for consumer %s", consumer.id)
        return OtpRequest("rate_limited", retry_after=wait)  # a pending code still works
    _supersede(session, contact, now)
    code = f"{(rng or secrets.SystemRandom()).randrange(1_000_000):06d}"
    salt = KEYED + secrets.token_hex(15)  # 32 characters, the column's size
    challenge = OtpChallenge(contact_id=contact.id, consumer_id=consumer.id,
                             sent_to=consumer.mobile_e164, salt=salt,
                             code_hash=_hash(policy.hash_key, salt, code),
                             expires_at=now + policy.ttl, attempts=0, created_at=now)
    session.add(challenge)
    session.flush()
    minutes = max(1, int(policy.ttl.total_seconds() // 60))
    enqueue(session, channel="sms", address=consumer.mobile_e164, message_key=OTP_MESSAGE_KEY,
            params={"code": code, "minutes": minutes, "via": channel_name(contact.channel)},
            language=consumer.language or "hi",
            idempotency_key=f"otp:{challenge.id}", now=now)
    log.info("otp %s sent for contact %s consumer %s", challenge.id, contact.id, consumer.id)
    return OtpRequest("sent", masked_mobile=mask_address(consumer.mobile_e164),
                      expires_at=challenge.expires_at)


def _contact_wait(session: Session, contact: Contact, policy: OtpPolicy,
                  now: datetime) -> timedelta | None:
    """How long this chat must wait before another CA lookup (hourly, then daily)."""
    for limit, window in ((policy.max_per_contact_per_hour, timedelta(hours=1)),
                          (policy.max_lookups_per_contact_per_day, abuse.DAY)):
        wait = abuse.retry_after(session, abuse.CA_LOOKUP, contact.id, limit, now, window)
        if wait is not None:
            return wait
    return None


def _supersede(session: Session, contact: Contact, now: datetime) -> None:
    session.execute(update(OtpChallenge)
                    .where(OtpChallenge.contact_id == contact.id,
                           OtpChallenge.consumed_at.is_(None))
                    .values(consumed_at=now, outcome=OtpOutcome.SUPERSEDED)
                    .execution_options(synchronize_session=False))


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
    if not row.salt.startswith(KEYED):  # hashed before keyed hashes: ask for a new code
        return OtpVerify("expired")
    given = re.sub(r"\s", "", code or "")
    if hmac.compare_digest(_hash(policy.hash_key, row.salt, given), row.code_hash):
        session.execute(update(OtpChallenge).where(OtpChallenge.id == row.id)
                        .values(consumed_at=now, outcome=OtpOutcome.VERIFIED)
                        .execution_options(synchronize_session=False))
        link(session, contact, [row.consumer_id], LinkMethod.OTP, row.sent_to, now,
             refresh=True)
        linked = select_consumer(session, contact, row.consumer_id)
        _notify_owner(session, contact, row.consumer_id, row.sent_to, row.id, linked, now,
                      policy)
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


def _notify_owner(session: Session, contact: Contact, consumer_id: int, mobile: str,
                  challenge_id: int, linked: LinkedConsumer, now: datetime,
                  policy: OtpPolicy) -> None:
    """Tell the registered mobile by SMS that a chat linked to its connection. Not when the
    chat *is* that mobile (an SMS contact from the same number proved nothing new)."""
    if contact.channel in ("whatsapp", "sms") and contact.address == mobile:
        return
    language = session.scalar(select(Consumer.language).where(Consumer.id == consumer_id))
    key = LINK_NOTICE_REPLY_KEY if policy.notice_reply_no else LINK_NOTICE_KEY
    enqueue(session, channel="sms", address=mobile, message_key=key,
            params={"who": chat_label(contact), "ca": linked.ca_number},
            language=language or "hi", idempotency_key=f"link-notice:{challenge_id}", now=now)


def purge_otp_challenges(session: Session, older_than: datetime) -> int:
    """Delete challenges created before `older_than` (keep at least a day: the
    per-consumer rate limit counts them)."""
    stmt = (delete(OtpChallenge).where(OtpChallenge.created_at < older_than)
            .execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount or 0


def latest_request_ca(session: Session, contact: Contact, since: datetime) -> str | None:
    """The CA number this contact last asked a code for, if it asked since `since` and is
    not linked to it now: "OTP nahi aaya" after the form has lapsed still means that one."""
    row = session.execute(
        select(Consumer.id, Consumer.ca_number)
        .join(OtpChallenge, OtpChallenge.consumer_id == Consumer.id)
        .where(OtpChallenge.contact_id == contact.id, OtpChallenge.created_at > since)
        .order_by(OtpChallenge.created_at.desc(), OtpChallenge.id.desc()).limit(1)).first()
    if row is None or any(lc.consumer_id == row.id for lc in linked_consumers(session, contact)):
        return None
    return str(row.ca_number)


def has_pending_otp(session: Session, contact: Contact, now: datetime) -> bool:
    """Whether the contact has a live code to enter (e.g. to read "123456" as a code)."""
    return bool(session.scalar(
        select(func.count()).select_from(OtpChallenge)
        .where(OtpChallenge.contact_id == contact.id, OtpChallenge.consumed_at.is_(None),
               OtpChallenge.expires_at > now)))
