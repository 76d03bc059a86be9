"""SQLAlchemy 2 typed models: the organisation, consumers and meters, the prepaid ledger,
readings, meter events, the outbox; contacts with their links, codes and dialogue state.
Money is integer paise; energy is integer Wh."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from backend.types import UtcDateTime

# BIGINT on PostgreSQL, but SQLite only autoincrements a column declared INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class MeterStatus(enum.StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class LedgerKind(enum.StrEnum):
    RECHARGE = "recharge"
    CHARGE = "charge"
    ADJUSTMENT = "adjustment"


class EventKind(enum.StrEnum):
    RECHARGE_CREDITED = "recharge_credited"
    BALANCE_NEGATIVE = "balance_negative"
    DISCONNECTED = "disconnected"
    RECONNECTED = "reconnected"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    CANCELLED = "cancelled"  # its broadcast was cancelled before it went out


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK: portable and readable in SQL.
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e],
                length=20, validate_strings=True)


def _partial_index(name: str, where: str, *columns: str, unique: bool = False) -> Index:
    return Index(name, *columns, unique=unique, postgresql_where=text(where),
                 sqlite_where=text(where))


class Discom(Base):
    __tablename__ = "discoms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_hi: Mapped[str] = mapped_column(String(120))


class Circle(Base):
    __tablename__ = "circles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discom_id: Mapped[int] = mapped_column(ForeignKey("discoms.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_hi: Mapped[str] = mapped_column(String(120))
    discom: Mapped[Discom] = relationship()


class Division(Base):
    __tablename__ = "divisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_hi: Mapped[str] = mapped_column(String(120))


class Subdivision(Base):
    __tablename__ = "subdivisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("divisions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_hi: Mapped[str] = mapped_column(String(120))


class Consumer(Base):
    __tablename__ = "consumers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ca_number: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    mobile_e164: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str] = mapped_column(String(8), default="hi")
    tariff_category: Mapped[str] = mapped_column(String(16))
    sanctioned_load_w: Mapped[int] = mapped_column(Integer)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"), index=True)
    subdivision_id: Mapped[int | None] = mapped_column(ForeignKey("subdivisions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    meter: Mapped[Meter] = relationship(back_populates="consumer", uselist=False)
    account: Mapped[Account] = relationship(back_populates="consumer", uselist=False)


class Meter(Base):
    __tablename__ = "meters"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"), unique=True)
    meter_number: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[MeterStatus] = mapped_column(_enum(MeterStatus, "meter_status"))
    status_since: Mapped[datetime] = mapped_column(UtcDateTime)
    consumer: Mapped[Consumer] = relationship(back_populates="meter")


class Account(Base):
    """Per-consumer balance snapshot: the ledger's running total, kept for fast reads.

    `mtd_*` carry the month's cumulative units so a day's slab position needs no aggregate;
    `last_charged_day` makes applying a day idempotent and keeps days in order.
    `recent_*` sum the charges of the `estimate.average_days` days ending at
    `last_charged_day` (kept by `apply_day`), so days left need no ledger aggregate;
    `change_seq` is the account change sequence value of the last balance/spend change,
    which lets the alert scan look only at accounts changed since its previous run.
    """

    __tablename__ = "accounts"
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"), primary_key=True)
    balance_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    mtd_month: Mapped[str | None] = mapped_column(String(7))
    mtd_units_wh: Mapped[int] = mapped_column(BigInteger, default=0)
    last_charged_day: Mapped[date | None] = mapped_column(Date)
    negative_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    arrears_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    arrears_instalment_paise: Mapped[int | None] = mapped_column(BigInteger)
    last_recharge_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_recharge_paise: Mapped[int | None] = mapped_column(BigInteger)
    recent_spend_paise: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    recent_charge_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    consumer: Mapped[Consumer] = relationship(back_populates="account")


Index("ix_accounts_negative", Account.negative_since,
      postgresql_where=text("negative_since IS NOT NULL"),
      sqlite_where=text("negative_since IS NOT NULL"))


class DailyReading(Base):
    __tablename__ = "daily_readings"
    __table_args__ = (UniqueConstraint("consumer_id", "day", name="uq_daily_readings_day"),
                      Index("ix_daily_readings_day", "day"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"))
    day: Mapped[date] = mapped_column(Date)
    units_wh: Mapped[int] = mapped_column(BigInteger)
    register_wh: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LedgerEntry(Base):
    """One credit or debit. A daily charge keeps its breakdown so it can be explained."""

    __tablename__ = "ledger_entries"
    # Partial indexes: a daily charge row (a million a day) touches only the two charge
    # indexes, recharge rows only theirs. The unique charge index guards double charging.
    __table_args__ = (
        _partial_index("uq_ledger_charge_day", "kind = 'charge'", "consumer_id", "day",
                       unique=True),
        _partial_index("ix_ledger_charge_by_day", "kind = 'charge'", "day"),
        _partial_index("ix_ledger_credits", "kind <> 'charge'", "consumer_id", "posted_at"),
        _partial_index("uq_ledger_reference", "reference IS NOT NULL", "reference",
                       unique=True),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"))
    kind: Mapped[LedgerKind] = mapped_column(_enum(LedgerKind, "ledger_kind"))
    amount_paise: Mapped[int] = mapped_column(BigInteger)  # credit > 0, debit < 0
    day: Mapped[date] = mapped_column(Date)  # local (IST) day the entry belongs to
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reference: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(32))  # recharge channel: upi, app, counter
    units_wh: Mapped[int | None] = mapped_column(BigInteger)
    mtd_before_wh: Mapped[int | None] = mapped_column(BigInteger)
    energy_paise: Mapped[int | None] = mapped_column(BigInteger)
    free_units_paise: Mapped[int | None] = mapped_column(BigInteger)
    rebate_paise: Mapped[int | None] = mapped_column(BigInteger)
    fixed_paise: Mapped[int | None] = mapped_column(BigInteger)
    duty_paise: Mapped[int | None] = mapped_column(BigInteger)
    arrears_paise: Mapped[int | None] = mapped_column(BigInteger)


class MeterEvent(Base):
    """What happened to an account, for alerts and notices to pick up."""

    __tablename__ = "meter_events"
    __table_args__ = (Index("ix_meter_events_consumer", "consumer_id", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount_paise: Mapped[int | None] = mapped_column(BigInteger)
    balance_paise: Mapped[int | None] = mapped_column(BigInteger)


class OutboxMessage(Base):
    """A message the system starts; sent by workers, never inside a request transaction."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_provider", "provider_id"),
                      Index("ix_outbox_broadcast", "broadcast_id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    message_key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="hi")
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    provider_status: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The broadcast this row fans out (None for alerts, OTPs, replies): per-recipient status,
    # and the claim query holds back rows of paused, cancelled or out-of-hours broadcasts.
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"))



class OutboxPace(Base):
    """Per-channel send pacing shared by every worker (backend/outbox_pace.py): the next
    free send slot. A rate-limited channel's token bucket in one timestamp; for any channel
    a provider 429 pushes it into the future, which pauses that channel for all workers."""

    __tablename__ = "outbox_pace"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_slot_at: Mapped[datetime] = mapped_column(UtcDateTime)


# ------------------------------------------------------------------ contacts and dialogue


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
    channel: Mapped[ContactChannel] = mapped_column(_enum(ContactChannel, "contact_channel"))
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
    method: Mapped[LinkMethod] = mapped_column(_enum(LinkMethod, "link_method"))
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
    outcome: Mapped[OtpOutcome | None] = mapped_column(_enum(OtpOutcome, "otp_outcome"))
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


# ---------------------------------------------------------------- complaints, outages, app


class ComplaintStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Complaint(Base):
    """A consumer's ticket. `consumer_id` is None for a report by an unverified contact
    (outage or fraud call for an area or CA number given as text). At most one open ticket
    per category per connection: a second report becomes a note on the first."""

    __tablename__ = "complaints"
    __table_args__ = (
        _partial_index("ix_complaints_one_open", "status IN ('open', 'in_progress') "
                       "AND consumer_id IS NOT NULL", "consumer_id", "category", unique=True),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(16), unique=True)
    consumer_id: Mapped[int | None] = mapped_column(ForeignKey("consumers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    ca_number: Mapped[str | None] = mapped_column(String(12))
    area: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ComplaintStatus] = mapped_column(_enum(ComplaintStatus, "complaint_status"))
    description: Mapped[str] = mapped_column(Text, default="")
    reports: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once by the SLA escalation pass: open past `due_at`, reported to the circle's
    # revenue manager. Never cleared (the history says when; a reopened ticket keeps it).
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# What the escalation pass scans: open, not yet escalated tickets by due time (small);
# then its own tickets by their stamp, without scanning years of closed complaints.
_partial_index("ix_complaints_escalation_due",
               "status IN ('open', 'in_progress') AND escalated_at IS NULL",
               Complaint.due_at)
_partial_index("ix_complaints_escalated_at", "escalated_at IS NOT NULL", Complaint.escalated_at)


class CircleManager(Base):
    """The revenue manager (वरीय प्रबंधक, राजस्व) of a circle: who gets the digest of the
    circle's overdue complaints, on which channel and in which language. One per circle."""

    __tablename__ = "circle_managers"
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"),
                                           primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    mobile_e164: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))  # sms | whatsapp
    language: Mapped[str] = mapped_column(String(8), default="hi")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ComplaintEvent(Base):
    """History of a ticket: filed, reported again, each status change (with who and why)."""

    __tablename__ = "complaint_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[ComplaintStatus] = mapped_column(_enum(ComplaintStatus, "complaint_status"))
    note: Mapped[str] = mapped_column(Text, default="")
    staff: Mapped[str | None] = mapped_column(String(64))


class OutageNotice(Base):
    """A known outage for a circle, division or subdivision (the most specific one set)."""

    __tablename__ = "outage_notices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id"), index=True)
    division_id: Mapped[int | None] = mapped_column(ForeignKey("divisions.id"))
    subdivision_id: Mapped[int | None] = mapped_column(ForeignKey("subdivisions.id"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expected_restore_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AppAdoption(Base):
    """Answers to "is the app installed?", one row per answer (latest counts)."""

    __tablename__ = "app_adoption"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    consumer_id: Mapped[int | None] = mapped_column(ForeignKey("consumers.id"), index=True)
    installed: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AlertState(Base):
    """The last low-balance band alerted per account, so each band is alerted once per
    crossing. `epoch` counts recharges seen (a recharge resets the bands) and goes into the
    idempotency keys; `crossed_at` marks the rows a scan just moved, for its fan-out."""

    __tablename__ = "alert_states"
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id", ondelete="CASCADE"),
                                             primary_key=True)
    band: Mapped[int] = mapped_column(Integer, default=0)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    recharge_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)
    crossed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class AlertMark(Base):
    """High-water marks of the alert scan, e.g. the last meter event already notified."""

    __tablename__ = "alert_marks"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# ---------------------------------------------------------------------------- broadcasts


class BroadcastClass(enum.StrEnum):
    SERVICE = "service"  # outage, safety, account notices: any hour
    PROMOTIONAL = "promotional"  # awareness, schemes, the app: 10:00-21:00 IST only


class BroadcastStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # send_due queues it at `scheduled_at`
    QUEUED = "queued"  # fanned out into the outbox
    PAUSED = "paused"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """A message from staff to a segment of consumers, fanned out into the outbox.

    Either free text (`body_*`, rendered through the catalog key `broadcast.body`) or a
    catalog key with fixed params (outage notices, so each recipient reads it in their
    language). `segment` holds the filters as given; `recipients` and `skipped_opted_out`
    are recorded by the fan-out (skipped consumers have no outbox row to count)."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_due", "status", "scheduled_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    message_class: Mapped[BroadcastClass] = mapped_column(
        _enum(BroadcastClass, "broadcast_class"))
    status: Mapped[BroadcastStatus] = mapped_column(_enum(BroadcastStatus, "broadcast_status"))
    message_key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    body_hi: Mapped[str | None] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)
    body_hi_latn: Mapped[str | None] = mapped_column(Text)
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict | None] = mapped_column(JSON)
    segment: Mapped[dict] = mapped_column(JSON, default=dict)
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recipients: Mapped[int | None] = mapped_column(Integer)
    skipped_opted_out: Mapped[int | None] = mapped_column(Integer)
    outage_id: Mapped[int | None] = mapped_column(
        ForeignKey("outage_notices.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Counter(Base):
    """Named integers kept in the database: the account change sequence (bumped under a row
    lock, so its values commit in order) and the window `recent_spend_paise` was summed over."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
