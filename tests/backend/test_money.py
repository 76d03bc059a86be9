"""The money story (backend.metering.reconnect) and the estimates (backend.metering.estimate):
one reconnect amount for replies and alerts, one rounding rule, days left without the
monthly fixed charge, and alerts that never tell a cut meter it "may be cut"."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from backend.engagement.alerts import scan
from backend.metering import estimate
from backend.metering.charges import apply_day
from backend.metering.local import LocalMeteringService
from backend.metering.reconnect import (
    emergency_credit_eligible,
    money_story,
    reconnect_paise,
    reconnect_sql,
    suggested_paise,
)
from backend.models import Account, Meter, MeterStatus, OutboxMessage
from bot.formatting import from_outbox, units
from bot.i18n import LANGUAGES, Renderer
from tests.factories import add_reading, link_contact, make_consumer

IST = ZoneInfo("Asia/Kolkata")
NOON = datetime(2026, 4, 1, 12, 0, tzinfo=IST).astimezone(UTC)


# --- the reconnect amount ------------------------------------------------------------------
@pytest.mark.parametrize("balance, need", [
    (-48_246, 48_300),  # the trial's -₹482.46: ₹483, never "more than ₹482.46" then "₹1"
    (-31_000, 31_100),  # ₹310 would leave exactly zero, not above it
    (-1, 100),
    (0, 100),           # zero is not above the threshold: at least the system minimum
    (1, None),
    (50_000, None),
])
def test_reconnect_amount_in_whole_rupees(rules, balance, need):
    assert reconnect_paise(balance, rules) == need


def test_reconnect_threshold_and_minimum_come_from_the_rules(rules):
    stricter = dataclasses.replace(rules, reconnect_above_paise=10_000, recharge_min_paise=500)
    assert reconnect_paise(5_000, stricter) == 5_100
    assert reconnect_paise(10_001, stricter) is None
    assert reconnect_paise(9_999, stricter) == 500  # ₹0.02 short, but the minimum is ₹5


def test_the_alert_scan_computes_the_same_amount(engine, rules):
    stricter = dataclasses.replace(rules, reconnect_above_paise=10_000, recharge_min_paise=500)
    balances = [-48_246, -31_000, -100, -1, 0, 9_999, 10_000, -1_234_567]
    with engine.connect() as conn:
        for r in (rules, stricter):
            for balance in balances:
                want = reconnect_paise(balance, r)
                if want is None:  # the scan asks only about negative balances
                    continue
                got = conn.execute(select(reconnect_sql(literal_int(balance), r))).scalar_one()
                assert got == want, (balance, r.reconnect_above_paise)


def literal_int(value: int):  # noqa: ANN201 - a typed bind for both dialects
    from sqlalchemy import BigInteger, literal
    return literal(value, BigInteger)


def test_suggestion_covers_the_need_and_about_a_week(rules):
    # ₹483 to reconnect + 7 × ₹49.69 = ₹830.83 -> ₹900
    assert suggested_paise(-48_246, 4_969, rules, 20_000) == 90_000
    # No recent spend: the configured sensible recharge on top of the need
    assert suggested_paise(-48_246, None, rules, 20_000) == 70_000
    assert suggested_paise(10_000, 1_000, rules, 20_000) == 20_000  # positive: no need
    told = money_story(-48_246, 4_969, "connected", rules, 20_000)
    assert (told.need_paise, told.suggested_paise, told.emergency_credit) == (48_300, 90_000, True)


def test_emergency_credit_only_while_the_supply_is_on():
    assert emergency_credit_eligible("connected")
    assert not emergency_credit_eligible("disconnected")


# --- the estimates -------------------------------------------------------------------------
def test_one_rounding_rule_half_up():
    assert estimate.average_daily(1_211, 2) == 606  # ₹6.055 -> ₹6.06, never floored to ₹6.05
    assert estimate.average_daily(4_241, 7) == 606
    assert estimate.average_daily(0, 7) is None and estimate.average_daily(500, 0) is None


def test_days_left_floor_and_less_than_a_day():
    assert estimate.days_left(2_500, 3_000, 3) == 2   # ₹25 at ₹10/day: 2 whole days
    assert estimate.days_left(500, 3_000, 3) == 0     # positive but less than a day
    assert estimate.days_left(0, 3_000, 3) is None
    assert estimate.days_left(500, 0, 3) is None


def test_the_month_start_fixed_charge_does_not_shrink_days_left(session_factory, rules):
    """The 1st carries the month's fixed charge (₹160 here): counted in the 7-day average
    it made the first week look far costlier and fired false 1-day/3-day alerts."""
    first = date(2026, 4, 1)
    with session_factory.begin() as session:
        consumer = make_consumer(session, balance_paise=100_000, load_w=2000)
        for i in range(7):
            add_reading(session, consumer, first + timedelta(days=i), 30_000)
        cid, ca = consumer.id, consumer.ca_number
    for i in range(7):
        with session_factory.begin() as session:
            apply_day(session.connection(), rules, first + timedelta(days=i), NOON)
    service = LocalMeteringService(session_factory, rules, lambda: NOON, tz=IST)
    summary = service.summary(ca)
    usage = service.usage(ca, 7)
    fixed_with_duty = sum(line.amount_paise for day in usage for line in day.lines
                          if line.kind == "fixed") * 106 // 100
    assert fixed_with_duty > 0
    recurring = sum(day.charge_paise for day in usage) - fixed_with_duty
    assert abs(summary.average_daily_paise - recurring / 7) <= 1
    with session_factory() as session:
        account = session.get(Account, cid)
        assert summary.estimated_days_left == estimate.days_left(
            account.balance_paise, account.recent_spend_paise, account.recent_charge_days)
    # With the fixed charge counted in, the average would be higher by about ₹24 a day.
    assert summary.average_daily_paise < sum(d.charge_paise for d in usage) // 7 - 2_000


# --- alerts --------------------------------------------------------------------------------
def test_a_cut_meter_is_never_told_it_may_be_cut(session_factory, rules,
                                                 worker_renderer: Renderer):
    with session_factory.begin() as session:
        cut = make_consumer(session, balance_paise=-48_246)
        on = make_consumer(session, balance_paise=-48_246)
        for consumer in (cut, on):
            session.flush()
            session.execute(update(Account).where(Account.consumer_id == consumer.id)
                            .values(negative_since=NOON - timedelta(hours=100)))
            link_contact(session, consumer, "whatsapp", None, at=NOON)
        session.execute(update(Meter).where(Meter.consumer_id == cut.id)
                        .values(status=MeterStatus.DISCONNECTED, status_since=NOON))
        cut_id = cut.id
    with session_factory.begin() as session:
        assert scan(session.connection(), rules, NOON, tz=IST).queued == {"negative": 2}
    with session_factory() as session:
        messages = session.scalars(select(OutboxMessage)).all()
        meters = dict(session.execute(select(Meter.consumer_id, Meter.status)).all())
        by_key = {m.message_key: m for m in messages}
    assert set(by_key) == {"alert.negative_balance", "alert.negative_disconnected"}
    assert meters[cut_id] == MeterStatus.DISCONNECTED
    for message in by_key.values():
        assert message.params["need_paise"] == 48_300  # the balance reply's amount
    for language in LANGUAGES:
        params = from_outbox(by_key["alert.negative_disconnected"].params)
        text = worker_renderer.text("alert.negative_disconnected", language, params)
        assert "483.00" in text
        for may_be_cut in ("may be cut", "कट सकता", "kat sakta"):
            assert may_be_cut not in text
        text = worker_renderer.text("alert.negative_balance", language,
                                    from_outbox(by_key["alert.negative_balance"].params))
        assert "483.00" in text


def test_a_cut_meter_at_zero_is_not_told_it_may_be_cut(session_factory, rules,
                                                       worker_renderer: Renderer):
    """-₹200 and cut, then exactly ₹200 recharged: still cut at ₹0.00 (not above zero)."""
    with session_factory.begin() as session:
        consumer = make_consumer(session, balance_paise=0)
        session.flush()
        link_contact(session, consumer, "whatsapp", None, at=NOON)
        session.execute(update(Meter).where(Meter.consumer_id == consumer.id)
                        .values(status=MeterStatus.DISCONNECTED, status_since=NOON))
    with session_factory.begin() as session:
        assert scan(session.connection(), rules, NOON, tz=IST).queued == {"zero": 1}
    with session_factory() as session:
        (message,) = session.scalars(select(OutboxMessage)).all()
    assert message.message_key == "alert.negative_disconnected"
    assert message.params["need_paise"] == 100
    text = worker_renderer.text(message.message_key, "en", from_outbox(message.params))
    assert "may be cut" not in text and "at least ₹1.00" in text


def test_the_one_day_band_says_one_day(worker_renderer: Renderer, rules):
    band = next(b for b in rules.alerts.bands if b.name == "days_1")
    text = worker_renderer.text(band.message, "en", {"days": 1, "balance": None})
    assert "1 more days" not in text and "one more day" in text


# --- units × rate --------------------------------------------------------------------------
@pytest.mark.parametrize("wh, rate, amount", [(4_002, 742, 2_969), (8_800, 742, 6_530),
                                              (10_700, 807, 8_635)])
def test_units_shown_multiply_out_to_the_amount(wh, rate, amount):
    shown = units(wh, "en", exact=True).split()[0]
    from decimal import ROUND_HALF_UP, Decimal
    product = (Decimal(shown.replace(",", "")) * rate).quantize(Decimal(1), ROUND_HALF_UP)
    assert product == (wh * rate + 500) // 1000 == amount


# --- the REST summary and the reply --------------------------------------------------------
def test_rest_summary_and_balance_reply_agree(db_url, monkeypatch, tmp_path):  # noqa: ANN001
    from bot.dialogue.flows.money import estimate_line
    from tests.backend.test_api import OP, _client, new_consumer, post_readings
    from tests.servers import clear_settings_env

    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with _client(db_url) as client:
        ca, _ = new_consumer(client, balance_paise=100_000)
        post_readings(client, [{"ca_number": ca, "date": f"2025-06-0{d}", "kwh": kwh}
                               for d, kwh in ((1, "55.5"), (2, "60"), (3, "72.25"))])
        body = client.get(f"/api/v1/consumers/{ca}/summary", headers=OP).json()
        summary = client.app.state.backend.metering.summary(ca)  # type: ignore[attr-defined]
    assert body["average_daily_paise"] == summary.average_daily_paise is not None
    assert body["estimated_days_left"] == summary.estimated_days_left is not None
    line = estimate_line(summary)
    assert line is not None
    text = Renderer().text(line.key, "en", line.params)
    days = body["estimated_days_left"]
    rupees = f"₹{body['average_daily_paise'] // 100}.{body['average_daily_paise'] % 100:02d}"
    assert rupees in text and f"about {days} day" in text, text


@pytest.mark.parametrize("days_left, language, expected, never", [
    (1, "en", "lasts about 1 day.", "1 days"),
    (2, "en", "lasts about 2 days.", "2 day."),
    (1, "hi", "लगभग 1 दिन चलेगा", "0 दिन"),
    (1, "hi-Latn", "lagbhag 1 din chalega", "1 days"),
    (0, "en", "less than a day", "0 days"),
    (0, "hi", "एक दिन भी नहीं चलेगा", "0 दिन"),
    (0, "hi-Latn", "ek din bhi nahi chalega", "0 din"),
])
def test_days_left_wording(days_left, language, expected, never):
    from backend.metering.types import AccountSummary
    from bot.dialogue.flows.money import estimate_line

    summary = AccountSummary(
        ca_number="100000001", name="Asha", tariff_category="DS-II", balance_paise=7_500,
        as_of=NOON, meter_number="SM1", meter_status="connected", meter_status_since=NOON,
        average_daily_paise=4_969, estimated_days_left=days_left, last_recharge=None,
        negative_since=None, next_disconnection_at=None, arrears_paise=0)
    line = estimate_line(summary)
    assert line is not None
    text = Renderer().text(line.key, language, line.params)
    assert expected in text and never not in text, text
    assert "₹49.69" in text
