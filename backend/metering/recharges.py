"""Recharges: credit the account once per payment reference, reconnect when positive."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.metering import counters
from backend.metering.rules import Rules
from backend.models import (
    Account,
    Consumer,
    EventKind,
    LedgerEntry,
    LedgerKind,
    Meter,
    MeterEvent,
    MeterStatus,
)
from backend.platform.clock import local_day
from backend.platform.errors import Conflict, InvalidInput, NotFound

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{2,63}$")
SOURCES = {"upi", "app", "website", "counter", "wallet", "bank", "other"}


@dataclass(frozen=True)
class RechargeResult:
    entry_id: int
    ca_number: str
    amount_paise: int
    reference: str
    posted_at: datetime
    balance_paise: int
    created: bool  # False when the reference had already been credited
    reconnected: bool


def validate_amount(rules: Rules, amount_paise: object) -> int:
    if isinstance(amount_paise, bool) or not isinstance(amount_paise, int):
        raise InvalidInput("amount must be a whole number of paise")
    if amount_paise <= 0:
        raise InvalidInput("amount must be positive")
    if amount_paise < rules.recharge_min_paise:
        raise InvalidInput(f"amount is below the minimum of {rules.recharge_min_paise} paise")
    if amount_paise > rules.recharge_max_paise:
        raise InvalidInput(f"amount exceeds the maximum of {rules.recharge_max_paise} paise")
    return amount_paise


def credit_recharge(session: Session, rules: Rules, *, ca_number: str, amount_paise: int,
                    reference: str, source: str, at: datetime,
                    tz: ZoneInfo) -> RechargeResult:
    """Credit a recharge in the caller's transaction. Same reference twice credits once.
    Its ledger day is `at`'s local day in `tz` (the TIMEZONE setting)."""
    amount_paise = validate_amount(rules, amount_paise)
    if not REFERENCE.match(reference or ""):
        raise InvalidInput("reference must be 3-64 characters: letters, digits, . _ : / -")
    if source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(sorted(SOURCES))}")
    consumer = session.scalar(select(Consumer).where(Consumer.ca_number == ca_number))
    if consumer is None:
        raise NotFound(f"no consumer with CA number {ca_number}")

    previous = _existing(session, reference)
    if previous is not None:
        return _replay(session, consumer, previous, amount_paise)

    # The change value first: its lock is taken before the account's (see backend.counters).
    change = counters.next_change(session.connection())
    account = session.scalar(
        select(Account).where(Account.consumer_id == consumer.id).with_for_update())
    entry = LedgerEntry(consumer_id=consumer.id, kind=LedgerKind.RECHARGE,
                        amount_paise=amount_paise, day=local_day(at, tz), posted_at=at,
                        reference=reference, source=source)
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        # A concurrent request with the same reference won the race.
        previous = _existing(session, reference)
        if previous is None:
            raise
        return _replay(session, consumer, previous, amount_paise)

    account.balance_paise += amount_paise
    account.as_of = at
    account.last_recharge_at = at
    account.last_recharge_paise = amount_paise
    account.change_seq = change  # the alert scan resets this account's bands
    if account.balance_paise >= 0:
        account.negative_since = None
    session.add(MeterEvent(consumer_id=consumer.id, kind=EventKind.RECHARGE_CREDITED, at=at,
                           amount_paise=amount_paise, balance_paise=account.balance_paise))
    reconnected = False
    meter = session.scalar(select(Meter).where(Meter.consumer_id == consumer.id))
    if meter and meter.status == MeterStatus.DISCONNECTED and account.balance_paise > 0:
        meter.status = MeterStatus.CONNECTED
        meter.status_since = at
        session.add(MeterEvent(consumer_id=consumer.id, kind=EventKind.RECONNECTED, at=at,
                               balance_paise=account.balance_paise))
        reconnected = True
    session.flush()
    return RechargeResult(entry.id, ca_number, amount_paise, reference, at,
                          account.balance_paise, True, reconnected)


def _existing(session: Session, reference: str) -> LedgerEntry | None:
    return session.scalar(select(LedgerEntry).where(LedgerEntry.reference == reference))


def _replay(session: Session, consumer: Consumer, previous: LedgerEntry,
            amount_paise: int) -> RechargeResult:
    if previous.consumer_id != consumer.id or previous.amount_paise != amount_paise:
        raise Conflict("this payment reference was already used for a different recharge")
    balance = session.scalar(
        select(Account.balance_paise).where(Account.consumer_id == consumer.id))
    return RechargeResult(previous.id, consumer.ca_number, previous.amount_paise,
                          previous.reference or "", previous.posted_at, balance or 0,
                          False, False)
