"""Tariff arithmetic as applied by the set-based daily charge, checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from backend.metering.charges import apply_day
from backend.models import Account, EventKind, LedgerEntry, LedgerKind, MeterEvent
from tests.factories import add_reading, make_consumer

NOW = datetime(2026, 5, 2, 7, 0, tzinfo=UTC)


def _round(x: int, d: int) -> int:
    return (x + d // 2) // d


def charge_of(session_factory, consumer_id: int, day: date) -> LedgerEntry:
    with session_factory() as s:
        return s.scalar(select(LedgerEntry).where(LedgerEntry.consumer_id == consumer_id,
                                                  LedgerEntry.day == day,
                                                  LedgerEntry.kind == LedgerKind.CHARGE))


def run_days(session_factory, rules, consumer_units: dict, days: list[date]) -> None:
    """consumer_units: consumer -> {day: Wh}."""
    with session_factory.begin() as s:
        for consumer, per_day in consumer_units.items():
            for day, wh in per_day.items():
                add_reading(s, consumer, day, wh)
    for day in sorted(days):
        with session_factory.begin() as s:
            apply_day(s.connection(), rules, day, NOW)


def expected_total(energy: int, free: int, fixed: int, arrears: int, rules) -> int:
    net = energy - free
    rebate = _round(net * rules.charges.rebate_bp, 10000)
    duty = _round((net - rebate + fixed) * rules.charges.duty_bp, 10000)
    return net - rebate + fixed + duty + arrears


def test_first_day_of_month_has_fixed_charge_and_free_units(session_factory, rules):
    with session_factory.begin() as s:
        c = make_consumer(s, tariff="DS-II", load_w=2000, balance_paise=100_000)
    run_days(session_factory, rules, {c: {date(2026, 4, 1): 5000}}, [date(2026, 4, 1)])
    e = charge_of(session_factory, c.id, date(2026, 4, 1))
    assert (e.units_wh, e.mtd_before_wh) == (5000, 0)
    assert e.energy_paise == 5 * 742 and e.free_units_paise == 5 * 742  # all free (< 125)
    assert e.fixed_paise == 8000 * 2  # ₹80/kW/month x 2 kW
    assert e.rebate_paise == 0
    assert e.duty_paise == 960  # 6% of the fixed charge
    assert e.amount_paise == -(16000 + 960)


def test_slab_boundary_and_free_units_end(session_factory, rules):
    """Month-to-date 120 kWh, then a 90 kWh day: 5 free, then 100-slab, then 200-slab."""
    with session_factory.begin() as s:
        c = make_consumer(s, tariff="DS-II", balance_paise=1_000_000)
    days = {date(2026, 4, 1): 120_000, date(2026, 4, 2): 90_000}
    run_days(session_factory, rules, {c: days}, list(days))
    e = charge_of(session_factory, c.id, date(2026, 4, 2))
    assert e.mtd_before_wh == 120_000 and e.fixed_paise == 0
    # 120->210 kWh: 120..200 at 8.95 (since 100 < 120), 200..210 at 9.95
    energy = 80 * 895 + 10 * 995
    free = 5 * 895  # 120..125 kWh free, in the 8.95 slab
    assert e.energy_paise == energy and e.free_units_paise == free
    assert e.amount_paise == -expected_total(energy, free, 0, 0, rules)


def test_fractional_units_round_half_up(session_factory, rules):
    with session_factory.begin() as s:
        c = make_consumer(s, tariff="NDS-II", balance_paise=100_000)  # no free units
    run_days(session_factory, rules, {c: {date(2026, 4, 1): 1_234}}, [date(2026, 4, 1)])
    e = charge_of(session_factory, c.id, date(2026, 4, 1))
    assert e.energy_paise == _round(1234 * 807, 1000)  # 995.838 -> 996
    assert e.free_units_paise == 0
    assert e.rebate_paise == _round(996 * 300, 10000)


def test_month_change_resets_slabs_and_posts_fixed_again(session_factory, rules):
    with session_factory.begin() as s:
        c = make_consumer(s, tariff="DS-II", load_w=1000, balance_paise=1_000_000)
    days = {date(2026, 4, 30): 150_000, date(2026, 5, 1): 10_000}
    run_days(session_factory, rules, {c: days}, list(days))
    may = charge_of(session_factory, c.id, date(2026, 5, 1))
    assert may.mtd_before_wh == 0
    assert may.fixed_paise == 8000
    assert may.energy_paise == may.free_units_paise == 10 * 742
    with session_factory() as s:
        account = s.get(Account, c.id)
        assert (account.mtd_month, account.mtd_units_wh) == ("2026-05", 10_000)


def test_arrears_instalment_is_capped_by_what_is_owed(session_factory, rules):
    daily = rules.charges.arrears_daily_instalment_paise
    with session_factory.begin() as s:
        c = make_consumer(s, balance_paise=1_000_000, arrears_paise=daily + 700)
    days = {date(2026, 4, 1): 0, date(2026, 4, 2): 0, date(2026, 4, 3): 0}
    run_days(session_factory, rules, {c: days}, list(days))
    amounts = [charge_of(session_factory, c.id, d).arrears_paise for d in sorted(days)]
    assert amounts == [daily, 700, 0]
    with session_factory() as s:
        assert s.get(Account, c.id).arrears_paise == 0


def test_apply_day_is_idempotent_and_balance_moves_once(session_factory, rules):
    with session_factory.begin() as s:
        c = make_consumer(s, tariff="NDS-II", balance_paise=50_000)
        add_reading(s, c, date(2026, 4, 1), 4000)
    for _ in range(2):
        with session_factory.begin() as s:
            result = apply_day(s.connection(), rules, date(2026, 4, 1), NOW)
    assert result.charged == 0 and result.skipped == 0
    with session_factory() as s:
        entries = s.scalars(select(LedgerEntry)).all()
        assert len(entries) == 1
        assert s.get(Account, c.id).balance_paise == 50_000 + entries[0].amount_paise


def test_late_reading_for_an_earlier_day_is_skipped_not_misapplied(session_factory, rules):
    with session_factory.begin() as s:
        c = make_consumer(s, balance_paise=50_000)
    run_days(session_factory, rules, {c: {date(2026, 4, 2): 3000}}, [date(2026, 4, 2)])
    with session_factory.begin() as s:
        add_reading(s, c, date(2026, 4, 1), 3000)
        result = apply_day(s.connection(), rules, date(2026, 4, 1), NOW)
    assert (result.charged, result.skipped) == (0, 1)


def test_turning_negative_records_event_and_since(session_factory, rules):
    with session_factory.begin() as s:
        poor = make_consumer(s, tariff="NDS-II", balance_paise=1000)
        rich = make_consumer(s, tariff="NDS-II", balance_paise=1_000_000)
    day = date(2026, 4, 1)
    run_days(session_factory, rules, {poor: {day: 8000}, rich: {day: 8000}}, [day])
    with session_factory() as s:
        events = s.scalars(select(MeterEvent)).all()
        assert [(e.consumer_id, e.kind) for e in events] == [(poor.id,
                                                               EventKind.BALANCE_NEGATIVE)]
        assert s.get(Account, poor.id).negative_since == NOW
        assert s.get(Account, rich.id).negative_since is None


@pytest.mark.parametrize("tariff", ["DS-I", "DS-II", "NDS-II"])
def test_breakdown_always_adds_up(session_factory, rules, tariff):
    with session_factory.begin() as s:
        c = make_consumer(s, tariff=tariff, balance_paise=10_000_000, arrears_paise=10_000)
    days = {date(2026, 4, d): 3_333 * d for d in range(1, 11)}
    run_days(session_factory, rules, {c: days}, list(days))
    with session_factory() as s:
        for e in s.scalars(select(LedgerEntry)):
            parts = (e.energy_paise - e.free_units_paise - e.rebate_paise + e.fixed_paise
                     + e.duty_paise + e.arrears_paise)
            assert -e.amount_paise == parts
            assert e.energy_paise >= e.free_units_paise >= 0


def test_apply_result_counts(session_factory, rules):
    with session_factory.begin() as s:
        poor = make_consumer(s, tariff="NDS-II", balance_paise=1000)
        rich = make_consumer(s, tariff="NDS-II", balance_paise=1_000_000)
        for c in (poor, rich):
            add_reading(s, c, date(2026, 4, 1), 8000)
    with session_factory.begin() as s:
        result = apply_day(s.connection(), rules, date(2026, 4, 1), NOW)
    assert (result.charged, result.turned_negative, result.skipped) == (2, 1, 0)


def test_one_negative_event_per_crossing_even_with_one_run_time(session_factory, rules):
    """Two days applied in one run (same `now`): a consumer negative after day 1 and still
    negative after day 2 gets one event, not two."""
    with session_factory.begin() as s:
        c = make_consumer(s, tariff="NDS-II", balance_paise=1000)
        add_reading(s, c, date(2026, 4, 1), 5000)
        add_reading(s, c, date(2026, 4, 2), 5000)
    with session_factory.begin() as s:
        first = apply_day(s.connection(), rules, date(2026, 4, 1), NOW)
        second = apply_day(s.connection(), rules, date(2026, 4, 2), NOW)
    assert (first.turned_negative, second.turned_negative) == (1, 0)
    with session_factory() as s:
        assert len(s.scalars(select(MeterEvent)).all()) == 1
