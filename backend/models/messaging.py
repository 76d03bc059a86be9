"""The outbox (messages the system starts) and per-channel send pacing."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, BigId, enum_type
from backend.platform.types import UtcDateTime


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    CANCELLED = "cancelled"  # its broadcast was cancelled before it went out


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
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"))
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
    """Per-channel send pacing shared by every worker (backend/messaging/pace.py): the next
    free send slot. A rate-limited channel's token bucket in one timestamp; for any channel
    a provider 429 pushes it into the future, which pauses that channel for all workers."""

    __tablename__ = "outbox_pace"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_slot_at: Mapped[datetime] = mapped_column(UtcDateTime)
