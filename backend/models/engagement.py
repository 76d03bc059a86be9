"""App adoption, alert state and marks, broadcasts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, BigId, enum_type
from backend.platform.types import UtcDateTime


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
        enum_type(BroadcastClass, "broadcast_class"))
    status: Mapped[BroadcastStatus] = mapped_column(enum_type(BroadcastStatus, "broadcast_status"))
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
