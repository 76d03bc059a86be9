"""The organisation, consumers and meters, the prepaid ledger, readings, meter events and
the account change counter. Money is integer paise; energy is integer Wh."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, BigId, enum_type, partial_index
from backend.platform.types import UtcDateTime


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
    status: Mapped[MeterStatus] = mapped_column(enum_type(MeterStatus, "meter_status"))
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
        partial_index("uq_ledger_charge_day", "kind = 'charge'", "consumer_id", "day",
                       unique=True),
        partial_index("ix_ledger_charge_by_day", "kind = 'charge'", "day"),
        partial_index("ix_ledger_credits", "kind <> 'charge'", "consumer_id", "posted_at"),
        partial_index("uq_ledger_reference", "reference IS NOT NULL", "reference",
                       unique=True),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id"))
    kind: Mapped[LedgerKind] = mapped_column(enum_type(LedgerKind, "ledger_kind"))
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
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind, "event_kind"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount_paise: Mapped[int | None] = mapped_column(BigInteger)
    balance_paise: Mapped[int | None] = mapped_column(BigInteger)



class Counter(Base):
    """Named integers kept in the database: the account change sequence (bumped under a row
    lock, so its values commit in order) and the window `recent_spend_paise` was summed over."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
