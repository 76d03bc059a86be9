"""Contacts (a channel + address), their links to connections, one-time codes, processed
provider message ids, conversation state and the conversation log."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, BigId, enum_type
from backend.platform.types import UtcDateTime


class ContactChannel(enum.StrEnum):
    WHATSAPP = "whatsapp"
    SMS = "sms"
    TELEGRAM = "telegram"
    WEB = "web"
    CONSOLE = "console"


class LinkMethod(enum.StrEnum):
    PHONE_MATCH = "phone_match"  # WhatsApp/SMS sender is the registered mobile
    OTP = "otp"  # entered a code sent by SMS to the registered mobile
    TELEGRAM_CONTACT = "telegram_contact"  # shared their own Telegram contact
    DEMO = "demo"  # demo mode's web chat: a web contact given a demo consumer (bot/webchat)


class OtpOutcome(enum.StrEnum):
    VERIFIED = "verified"
    SUPERSEDED = "superseded"  # a newer request replaced it
    TOO_MANY = "too_many"  # attempts used up


class Contact(Base):
    """Someone we talk to: a (channel, address). Knows nothing of consumers until linked.

    `language` is sticky once set; `last_inbound_at` drives WhatsApp's 24-hour window;
    `handoff_at` marks a conversation handed to a human.
    """

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_contacts_address"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[ContactChannel] = mapped_column(enum_type(ContactChannel, "contact_channel"))
    address: Mapped[str] = mapped_column(String(64))  # E.164 (whatsapp/sms), chat id, …
    language: Mapped[str | None] = mapped_column(String(8))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    active_consumer_id: Mapped[int | None] = mapped_column(
        ForeignKey("consumers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handoff_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handoff_reason: Mapped[str | None] = mapped_column(String(32))


class ContactLink(Base):
    """A contact verified for a consumer. `verified_phone` is the number the proof was
    about (the sender's phone, the shared contact, where the code was sent): the link
    counts only while it still equals the consumer's registered mobile, so changing that
    number revokes every old link without a sweep."""

    __tablename__ = "contact_links"
    __table_args__ = (UniqueConstraint("contact_id", "consumer_id",
                                       name="uq_contact_links_pair"),
                      Index("ix_contact_links_consumer", "consumer_id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id", ondelete="CASCADE"))
    method: Mapped[LinkMethod] = mapped_column(enum_type(LinkMethod, "link_method"))
    verified_phone: Mapped[str] = mapped_column(String(16))
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OtpChallenge(Base):
    """A one-time code sent to a consumer's registered mobile for a contact. Only a salted
    hash of the code is stored; `sent_to` is the number it went to."""

    __tablename__ = "otp_challenges"
    __table_args__ = (Index("ix_otp_challenges_contact", "contact_id", "created_at"),
                      Index("ix_otp_challenges_consumer", "consumer_id", "created_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id", ondelete="CASCADE"))
    sent_to: Mapped[str] = mapped_column(String(16))
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[OtpOutcome | None] = mapped_column(enum_type(OtpOutcome, "otp_outcome"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AbuseEvent(Base):
    """One counted action of a contact not verified for the connection it names: a CA
    lookup in the link flow (whether the CA exists or not) or an outage/fraud report.
    Only what the daily limits count; `subject` is the CA number or area key."""

    __tablename__ = "abuse_events"
    __table_args__ = (Index("ix_abuse_events_contact", "kind", "contact_id", "created_at"),
                      Index("ix_abuse_events_subject", "kind", "subject", "created_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedMessage(Base):
    """Provider message ids already handled: the dedupe key for provider retries."""

    __tablename__ = "processed_messages"
    __table_args__ = (Index("ix_processed_messages_at", "processed_at"),)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConversationState(Base):
    """Where a contact is in a flow. A row with `flow` NULL keeps the failure count alive
    between flows; `expires_at` drops half-finished forms."""

    __tablename__ = "conversation_states"
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LogDirection(enum.StrEnum):
    IN = "in"  # the contact wrote it
    OUT = "out"  # we sent it: a dialogue reply, or an outbox message (alert, OTP, staff)


class ConversationLog(Base):
    """Every message to and from a contact, for staff (what did the consumer write while
    waiting for us?) and for analytics (conversations by intent and language). Read by
    contact and time, or by a time range. One-time codes never reach it: a code typed
    while the OTP step is open and the code inside an OTP message are blanked first.

    `contact_id` is NULL only for an outbox message to an address with no contact (an SMS
    alert to a registered mobile that never wrote); `address` is kept for those rows only.
    Inbound rows carry the NLU's intent, confidence and detected language; outbound rows
    the reply's catalog key and the language it was rendered in. `outbox_id` ties a row
    to the outbox message it logs; `during_handoff`: written while a person had the
    conversation."""

    __tablename__ = "conversation_log"
    __table_args__ = (Index("ix_conversation_log_contact", "contact_id", "created_at"),
                      Index("ix_conversation_log_created", "created_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(64))
    direction: Mapped[LogDirection] = mapped_column(enum_type(LogDirection, "log_direction"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(128))
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(8))
    reply_key: Mapped[str | None] = mapped_column(String(64))
    outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    during_handoff: Mapped[bool] = mapped_column(Boolean, default=False)
