from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from backend.metering.recharges import credit_recharge
from backend.models import Account, EventKind, LedgerEntry, Meter, MeterEvent, MeterStatus
from backend.platform.errors import Conflict, InvalidInput, NotFound
from tests.factories import make_consumer

AT = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)


def recharge(session_factory, rules, ca, amount, ref="UPI123456"):
    with session_factory.begin() as s:
        return credit_recharge(s, rules, ca_number=ca, amount_paise=amount, reference=ref,
                               source="upi", at=AT, tz=ZoneInfo("Asia/Kolkata"))


def test_same_reference_credits_once(session_factory, rules):
    with session_factory.begin() as s:
        c = make_consumer(s, balance_paise=1000)
    first = recharge(session_factory, rules, c.ca_number, 50_000)
    again = recharge(session_factory, rules, c.ca_number, 50_000)
    assert first.created and not again.created
    assert first.entry_id == again.entry_id and again.balance_paise == 51_000
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 1
        assert s.get(Account, c.id).balance_paise == 51_000
        assert s.get(Account, c.id).last_recharge_paise == 50_000


def test_reused_reference_for_other_recharge_conflicts(session_factory, rules):
    with session_factory.begin() as s:
        a, b = make_consumer(s), make_consumer(s)
    recharge(session_factory, rules, a.ca_number, 50_000)
    with pytest.raises(Conflict):
        recharge(session_factory, rules, a.ca_number, 60_000)
    with pytest.raises(Conflict):
        recharge(session_factory, rules, b.ca_number, 50_000)


@pytest.mark.parametrize("amount, reason", [
    (0, "positive"), (-100, "positive"), (50, "minimum"), (10**12, "maximum"),
    (500.0, "whole number"), ("500", "whole number"), (True, "whole number"),
])
def test_bad_amounts_are_refused_with_reason(session_factory, rules, amount, reason):
    with session_factory.begin() as s:
        c = make_consumer(s)
    with pytest.raises(InvalidInput, match=reason):
        recharge(session_factory, rules, c.ca_number, amount)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 0


@pytest.mark.parametrize("ref", ["", "ab", "x" * 65, "has space", "semi;colon"])
def test_bad_reference(session_factory, rules, ref):
    with session_factory.begin() as s:
        c = make_consumer(s)
    with pytest.raises(InvalidInput, match="reference"):
        recharge(session_factory, rules, c.ca_number, 10_000, ref=ref)


def test_unknown_consumer(session_factory, rules):
    with pytest.raises(NotFound):
        recharge(session_factory, rules, "999999999", 10_000)


def test_recharge_reconnects_only_when_positive(session_factory, rules):
    with session_factory.begin() as s:
        c = make_consumer(s, balance_paise=-30_000)
        s.scalar(select(Meter).where(Meter.consumer_id == c.id)).status = \
            MeterStatus.DISCONNECTED
    small = recharge(session_factory, rules, c.ca_number, 20_000, ref="PAY-0001")
    assert not small.reconnected and small.balance_paise == -10_000
    big = recharge(session_factory, rules, c.ca_number, 20_000, ref="PAY-0002")
    assert big.reconnected and big.balance_paise == 10_000
    with session_factory() as s:
        assert s.scalar(select(Meter.status)) == MeterStatus.CONNECTED
        assert s.get(Account, c.id).negative_since is None
        kinds = [e.kind for e in s.scalars(select(MeterEvent).order_by(MeterEvent.id))]
        assert kinds == [EventKind.RECHARGE_CREDITED, EventKind.RECHARGE_CREDITED,
                         EventKind.RECONNECTED]
