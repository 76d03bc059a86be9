"""Low-balance alerts: bands crossed once, reset by a recharge, quiet hours for non-urgent
alerts only, cut times that respect happy hours and holidays, and the right recipients."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.engagement.alerts import scan
from backend.metering.counters import next_change
from backend.metering.disconnection import earliest_cut
from backend.metering.rules import Rules
from backend.models import (
    Account,
    AlertState,
    Consumer,
    EventKind,
    LedgerEntry,
    LedgerKind,
    MeterEvent,
    OutboxMessage,
)
from bot.cli import main
from bot.formatting import from_outbox
from bot.i18n import Renderer
from tests.factories import link_contact, make_consumer

IST = ZoneInfo("Asia/Kolkata")  # the default TIMEZONE
NOON = datetime(2026, 4, 1, 12, 0, tzinfo=IST).astimezone(UTC)  # a Wednesday
NIGHT = datetime(2026, 4, 1, 22, 0, tzinfo=IST).astimezone(UTC)


def _consumer(session: Session, balance: int, *, language: str = "hi",
              daily_charge: int | None = None) -> Consumer:
    consumer = make_consumer(session, balance_paise=balance, language=language)
    session.flush()
    day = date(2026, 3, 31)
    values: dict = {"last_charged_day": day}
    if balance < 0:
        values["negative_since"] = NOON
    session.execute(update(Account).where(Account.consumer_id == consumer.id).values(**values))
    if daily_charge:
        session.execute(insert(LedgerEntry), [
            dict(consumer_id=consumer.id, kind=LedgerKind.CHARGE, amount_paise=-daily_charge,
                 day=day - timedelta(days=i), posted_at=NOON) for i in range(3)])
        # What apply_day would have kept for these three charge days.
        session.execute(update(Account).where(Account.consumer_id == consumer.id).values(
            recent_spend_paise=3 * daily_charge, recent_charge_days=3))
    return consumer


def _link(session: Session, consumer: Consumer, channel: str, address: str | None = None,
          **options: Any) -> int:  # noqa: ANN401
    return link_contact(session, consumer, channel, address, at=NOON, **options)


def _scan(sessions: sessionmaker[Session], rules: Rules, now: datetime = NOON, *,
          dry_run: bool = False) -> dict[str, int]:
    with sessions.begin() as session:
        return scan(session.connection(), rules, now, tz=IST, dry_run=dry_run).queued


def _outbox(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _set(sessions: sessionmaker[Session], consumer_id: int, **values: object) -> None:
    """Change an account as charges and recharges do: with a new change value."""
    with sessions.begin() as session:
        session.execute(update(Account).where(Account.consumer_id == consumer_id)
                        .values(**values, change_seq=next_change(session.connection())))


def test_each_band_once_per_crossing_and_a_recharge_resets(session_factory, rules):
    with session_factory.begin() as session:
        consumer = _consumer(session, 4000)
        _link(session, consumer, "whatsapp")
        cid = consumer.id
    assert _scan(session_factory, rules) == {"amount": 1}
    assert _scan(session_factory, rules) == {}  # a second scan straight after: nothing
    _set(session_factory, cid, balance_paise=0)
    assert _scan(session_factory, rules) == {"zero": 1}
    _set(session_factory, cid, balance_paise=3000)  # lower band without a recharge: quiet
    assert _scan(session_factory, rules) == {}
    _set(session_factory, cid, last_recharge_at=NOON, balance_paise=2000)
    assert _scan(session_factory, rules) == {"amount": 1}  # recharged: the band alerts again
    keys = [m.message_key for m in _outbox(session_factory)]
    assert keys == ["alert.low_balance_amount", "alert.zero_balance",
                    "alert.low_balance_amount"]
    _set(session_factory, cid, last_recharge_at=NOON + timedelta(hours=1), balance_paise=90000)
    assert _scan(session_factory, rules) == {}
    with session_factory() as session:
        state = session.get(AlertState, cid)
        assert state is not None and state.band == 0 and state.epoch == 2


def test_days_left_bands_from_the_recent_average(session_factory, rules,
                                                 worker_renderer: Renderer):
    with session_factory.begin() as session:
        consumer = _consumer(session, 25000, daily_charge=10000)  # 2.5 days at ₹100/day
        _link(session, consumer, "sms", language="en")
        cid = consumer.id
        rich = _consumer(session, 500000, daily_charge=10000)
        _link(session, rich, "sms")
    assert _scan(session_factory, rules) == {"days_3": 1}
    (message,) = _outbox(session_factory)
    assert message.params == {"days": 3, "balance_paise": 25000, "need_paise": None}
    _set(session_factory, cid, balance_paise=9000)  # under a day left
    assert _scan(session_factory, rules) == {"days_1": 1}
    params = from_outbox(_outbox(session_factory)[1].params)
    text = worker_renderer.text("alert.low_balance_days", "en", params)
    assert "about 1 more days" in text and "90" in text


def test_quiet_hours_delay_only_non_urgent_alerts(session_factory, rules):
    with session_factory.begin() as session:
        low = _consumer(session, 4000)
        _link(session, low, "whatsapp")
        cutting = _consumer(session, -500)
        _link(session, cutting, "whatsapp")
        # Negative for three days already: a cut may come tomorrow at 11:00 IST.
        session.execute(update(Account).where(Account.consumer_id == cutting.id)
                        .values(negative_since=NIGHT - timedelta(hours=72)))
    assert _scan(session_factory, rules, NIGHT) == {"amount": 1, "negative": 1}
    by_key = {m.message_key: m for m in _outbox(session_factory)}
    morning = datetime(2026, 4, 2, 8, 0, tzinfo=IST)
    assert by_key["alert.low_balance_amount"].next_attempt_at == morning
    urgent = by_key["alert.negative_balance"]
    assert urgent.next_attempt_at == NIGHT
    assert datetime.fromisoformat(urgent.params["cut_at"]) == datetime(2026, 4, 2, 11, 0,
                                                                       tzinfo=IST)


def test_negative_cut_time_skips_sundays_and_holidays(session_factory, rules,
                                                     worker_renderer: Renderer):
    friday = datetime(2026, 8, 14, 12, 0, tzinfo=IST).astimezone(UTC)  # 15 Aug is a Saturday
    with session_factory.begin() as session:
        consumer = _consumer(session, -500)
        _link(session, consumer, "telegram", "12345", language="en")
        session.execute(update(Account).where(Account.consumer_id == consumer.id)
                        .values(negative_since=friday - timedelta(hours=48)))
    assert _scan(session_factory, rules, friday) == {"negative": 1}
    (message,) = _outbox(session_factory)
    cut = datetime.fromisoformat(message.params["cut_at"])
    # Grace ends Saturday noon: Independence Day, then Sunday; Monday 11:00 after happy hours.
    assert cut == datetime(2026, 8, 17, 11, 0, tzinfo=IST)
    assert cut == earliest_cut(rules.disconnection, friday - timedelta(hours=48), friday, IST)
    assert message.next_attempt_at == friday  # not urgent, but not quiet hours either
    text = worker_renderer.text(message.message_key, "en", from_outbox(message.params))
    assert "-₹5.00" in text or "₹-5.00" in text or "5.00" in text


def test_recipients_channel_order_language_opt_out_and_verification(session_factory, rules):
    with session_factory.begin() as session:
        consumer = _consumer(session, 4000, language="hi")
        wa = _link(session, consumer, "whatsapp", language="en")
        _link(session, consumer, "sms")  # same number as WhatsApp: WhatsApp goes first
        tg = _link(session, consumer, "telegram", "777", language="hi-Latn")
        _link(session, consumer, "telegram", "888", opted_out=True)
        _link(session, consumer, "telegram", "999", verified=False)  # old number's link
        sms_only = _consumer(session, 4000, language="en")
        sms = _link(session, sms_only, "sms")
    assert _scan(session_factory, rules) == {"amount": 3}
    sent = {(m.channel, m.address, m.language) for m in _outbox(session_factory)}
    assert sent == {("whatsapp", consumer.mobile_e164, "en"), ("telegram", "777", "hi-Latn"),
                    ("sms", sms_only.mobile_e164, "en")}
    assert {m.idempotency_key.rsplit(":", 1)[1] for m in _outbox(session_factory)} == {
        str(wa), str(tg), str(sms)}


def test_recharge_and_reconnection_notices_from_new_events(session_factory, rules,
                                                          worker_renderer: Renderer):
    with session_factory.begin() as session:
        consumer = _consumer(session, 90000)
        _link(session, consumer, "sms", language="en")
        cid = consumer.id
    assert _scan(session_factory, rules) == {}
    with session_factory.begin() as session:
        session.execute(insert(MeterEvent), [
            dict(consumer_id=cid, kind=EventKind.RECHARGE_CREDITED, at=NOON,
                 amount_paise=50000, balance_paise=90000),
            dict(consumer_id=cid, kind=EventKind.RECONNECTED, at=NOON, balance_paise=90000),
            dict(consumer_id=cid, kind=EventKind.DISCONNECTED, at=NOON, balance_paise=-10)])
    assert _scan(session_factory, rules, NIGHT) == {"recharge_credited": 1, "reconnected": 1}
    assert _scan(session_factory, rules, NIGHT) == {}
    recharge = _outbox(session_factory)[0]
    assert recharge.next_attempt_at == NIGHT  # answers the consumer's own recharge: no wait
    text = worker_renderer.text(recharge.message_key, "en", from_outbox(recharge.params))
    assert "₹500.00" in text and "₹900.00" in text


def test_dry_run_counts_and_writes_nothing(session_factory, rules):
    with session_factory.begin() as session:
        consumer = _consumer(session, 0)
        _link(session, consumer, "whatsapp")
        session.execute(insert(MeterEvent), [dict(consumer_id=consumer.id, at=NOON,
                                                  kind=EventKind.RECHARGE_CREDITED,
                                                  amount_paise=100, balance_paise=0)])
    assert _scan(session_factory, rules, dry_run=True) == {"zero": 1, "recharge_credited": 1}
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert session.scalar(select(func.count()).select_from(AlertState)) == 0
    assert _scan(session_factory, rules) == {"zero": 1, "recharge_credited": 1}


def test_cli_scan_then_nothing(session_factory, db_url, monkeypatch):
    from tests.servers import clear_settings_env

    clear_settings_env(monkeypatch)
    with session_factory.begin() as session:
        consumer = _consumer(session, 100)
        _link(session, consumer, "sms")
    env = {"DATABASE_URL": db_url}
    dry = CliRunner().invoke(main, ["alerts", "scan", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "would queue" in dry.output and "amount" in dry.output
    first = CliRunner().invoke(main, ["alerts", "scan"], env=env)
    assert first.exit_code == 0, first.output
    assert "queued        1 amount" in first.output
    second = CliRunner().invoke(main, ["alerts", "scan"], env=env)
    assert "queued no alerts" in second.output
