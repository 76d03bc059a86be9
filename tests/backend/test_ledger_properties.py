"""Property: whatever the sequence of recharges (some repeated) and daily charges, the
balance snapshot equals credits minus debits in the ledger, in whole paise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, cast, func, select

from backend.metering.charges import apply_day
from backend.metering.recharges import credit_recharge
from backend.models import Account, LedgerEntry
from tests.factories import add_reading, make_consumer

START = date(2026, 3, 28)
step = st.one_of(
    st.tuples(st.just("recharge"), st.integers(100, 500_000), st.integers(0, 5)),
    st.tuples(st.just("day"), st.integers(0, 80_000), st.just(0)),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12),
       opening=st.integers(-50_000, 200_000),
       tariff=st.sampled_from(["DS-I", "DS-II", "NDS-II"]))
def test_balance_equals_ledger_sum(session_factory, rules, steps, opening, tariff):
    with session_factory.begin() as s:
        c = make_consumer(s, tariff=tariff, balance_paise=opening, arrears_paise=3_000)
    day = START
    for kind, value, ref in steps:
        with session_factory.begin() as s:
            if kind == "recharge":
                credit_recharge(s, rules, ca_number=c.ca_number, amount_paise=value,
                                reference=f"R{c.id}-{ref}-{value}", source="upi",
                                at=datetime(2026, 4, 1, tzinfo=UTC),
                                tz=ZoneInfo("Asia/Kolkata"))
            else:
                add_reading(s, c, day, value)
                s.flush()
                apply_day(s.connection(), rules, day, datetime(2026, 4, 5, tzinfo=UTC))
                day += timedelta(days=1)
    with session_factory() as s:
        total = s.scalar(select(cast(func.coalesce(func.sum(LedgerEntry.amount_paise), 0),
                                     BigInteger))
                         .where(LedgerEntry.consumer_id == c.id))
        balance = s.get(Account, c.id).balance_paise
        assert isinstance(balance, int) and isinstance(total, int)
        assert balance == opening + total
