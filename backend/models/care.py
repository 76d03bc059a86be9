"""Complaints and their events, circle managers, outage notices."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, BigId, enum_type, partial_index
from backend.platform.types import UtcDateTime


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
        partial_index("ix_complaints_one_open", "status IN ('open', 'in_progress') "
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
    status: Mapped[ComplaintStatus] = mapped_column(enum_type(ComplaintStatus, "complaint_status"))
    description: Mapped[str] = mapped_column(Text, default="")
    reports: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once by the SLA escalation pass: open past `due_at`, reported to the circle's
    # revenue manager. Never cleared (the history says when; a reopened ticket keeps it).
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A recharge that did not show up: what the consumer told us (amount, roughly when,
    # the UPI/transaction id if known), so staff can trace the payment.
    recharge_amount_paise: Mapped[int | None] = mapped_column(BigInteger)
    recharge_when: Mapped[str | None] = mapped_column(String(60))
    recharge_reference: Mapped[str | None] = mapped_column(String(64))
    # Follow-up after resolution: reopened by the consumer how often; whether the consumer
    # was asked "was it solved?" (set when the resolution notice is queued) and the answer.
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    satisfaction_asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Why staff should look before acting ("unknown_ca": the report names a CA number that
    # does not exist). A flagged ticket is kept but never escalated or dispatched.
    flag: Mapped[str | None] = mapped_column(String(32))


# What the escalation pass scans: open, not yet escalated tickets by due time (small);
# then its own tickets by their stamp, without scanning years of closed complaints.
partial_index("ix_complaints_escalation_due",
               "status IN ('open', 'in_progress') AND escalated_at IS NULL",
               Complaint.due_at)
partial_index("ix_complaints_escalated_at", "escalated_at IS NOT NULL", Complaint.escalated_at)


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
    status: Mapped[ComplaintStatus] = mapped_column(enum_type(ComplaintStatus, "complaint_status"))
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
