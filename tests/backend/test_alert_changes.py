"""Bookkeeping behind the incremental alert scan: the recent spend that apply_day keeps on
each account (checked against the ledger), the change values stamped by charges, recharges
and new accounts, a scan that looks only at changed accounts, and migration 0005's backfill."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts
from backend.engagement.alerts import run_scan
from backend.metering import counters
from backend.metering.alert_rules import AMOUNT_LEFT, DAYS_LEFT, NEGATIVE, ZERO, Condition
from backend.metering.charges import apply_day
from backend.metering.recharges import credit_recharge
from backend.metering.rules import Rules
from backend.models import (
    Account,
    AlertState,
    Consumer,
    ContactLink,
    LedgerEntry,
    LedgerKind,
    LinkMethod,
)
from backend.platform import migrate
from backend.platform.db import make_engine
from bot.cli import main
from tests.backend.test_api import _client, new_consumer, post_readings
from tests.factories import add_reading, make_consumer

DAY0 = date(2026, 4, 1)
NOW = datetime(2026, 4, 20, 7, 0, tzinfo=UTC)  # 12:30 IST, outside quiet hours
IST = ZoneInfo("Asia/Kolkata")  # the default TIMEZONE


def _account(sessions: sessionmaker[Session], cid: int) -> Account:
    with sessions() as session:
        account = session.get(Account, cid)
        assert account is not None
        session.expunge(account)
        return account


def _from_ledger(sessions: sessionmaker[Session], cid: int, window: int) -> tuple[int, int]:
    """(Σ recurring spend, charge days) over the window ending at the last charged day, the
    slow way: each charge without the monthly fixed charge and its duty (6%)."""
    with sessions() as session:
        last = session.get(Account, cid).last_charged_day
        rows = session.execute(select(LedgerEntry.amount_paise, LedgerEntry.fixed_paise).where(
            LedgerEntry.consumer_id == cid, LedgerEntry.kind == LedgerKind.CHARGE,
            LedgerEntry.day > last - timedelta(days=window), LedgerEntry.day <= last)).all()
    spend = [max(0, -amount - (fixed or 0) - ((fixed or 0) * 600 + 5000) // 10000)
             for amount, fixed in rows]
    return sum(spend), len(rows)


def _charge(sessions: sessionmaker[Session], rules: Rules, day: date,
            units: dict[int, int]) -> None:
    with sessions.begin() as session:
        for cid, wh in units.items():
            add_reading(session, session.get(Account, cid).consumer, day, wh)
    with sessions.begin() as session:
        apply_day(session.connection(), rules, day, NOW)


def _link(session: Session, consumer_id: int) -> None:
    account = session.get(Account, consumer_id)
    mobile = account.consumer.mobile_e164
    contact = contacts.get_or_create_contact(session, "whatsapp", mobile, NOW)
    session.add(ContactLink(contact_id=contact.id, consumer_id=consumer_id,
                            method=LinkMethod.PHONE_MATCH, verified_at=NOW,
                            verified_phone=mobile))
    session.flush()


def test_apply_day_keeps_the_recent_spend_of_the_window(session_factory, rules):
    window = rules.average_days
    with session_factory.begin() as session:
        daily = make_consumer(session, balance_paise=900_000).id
        gappy = make_consumer(session, balance_paise=900_000).id
    for i in range(window + 5):
        units = {daily: 3000 + 700 * i}
        # Skips a day now and then, and once for longer than the window.
        if i % 4 != 1 and not 3 <= i <= 3 + window:
            units[gappy] = 5000 + 300 * i
        _charge(session_factory, rules, DAY0 + timedelta(days=i), units)
        for cid in (daily, gappy):
            account = _account(session_factory, cid)
            if account.last_charged_day is None:
                continue
            assert (account.recent_spend_paise, account.recent_charge_days) == \
                _from_ledger(session_factory, cid, window), (i, cid)
    assert _account(session_factory, daily).recent_charge_days == window


def test_changes_are_stamped_by_charges_recharges_and_new_accounts(session_factory, rules):
    with session_factory.begin() as session:  # as the migration leaves it: no rebuild due
        counters.put(session.connection(), counters.SPEND_WINDOW, rules.average_days)
        first = make_consumer(session, balance_paise=50_000)
        second = make_consumer(session, balance_paise=50_000)
        a, b, ca = first.id, second.id, first.ca_number
    stamp_a, stamp_b = (_account(session_factory, c).change_seq for c in (a, b))
    assert 0 < stamp_a < stamp_b
    _charge(session_factory, rules, DAY0, {a: 4000})
    charged, untouched = _account(session_factory, a), _account(session_factory, b)
    assert charged.change_seq > stamp_b and untouched.change_seq == stamp_b
    with session_factory.begin() as session:
        credit_recharge(session, rules, ca_number=ca, amount_paise=20_000, reference="UPI-1",
                        source="upi", at=NOW, tz=IST)
    recharged = _account(session_factory, a)
    assert recharged.change_seq > charged.change_seq
    assert (recharged.recent_spend_paise, recharged.recent_charge_days) == \
        (charged.recent_spend_paise, charged.recent_charge_days)  # spend is charges only
    with session_factory.begin() as session:  # a replayed reference changes nothing
        credit_recharge(session, rules, ca_number=ca, amount_paise=20_000, reference="UPI-1",
                        source="upi", at=NOW, tz=IST)
    assert _account(session_factory, a).change_seq == recharged.change_seq
    with session_factory() as session:
        assert counters.current_change(session.connection()) == recharged.change_seq


def test_scan_looks_only_at_changed_accounts(engine, session_factory, rules):
    with session_factory.begin() as session:
        low = make_consumer(session, balance_paise=4000).id
        rich = make_consumer(session, balance_paise=500_000).id
        for cid in (low, rich):
            _link(session, cid)
    first = run_scan(engine, rules, NOW, tz=IST)
    assert first.examined == 2 and first.queued == {"amount": 1}
    again = run_scan(engine, rules, NOW, tz=IST)
    assert again.examined == 0 and again.queued == {}
    # Balance moved behind the bookkeeping's back: not stamped, so not looked at.
    with session_factory.begin() as session:
        session.execute(update(Account).where(Account.consumer_id == rich)
                        .values(balance_paise=0))
    assert run_scan(engine, rules, NOW, tz=IST).queued == {}
    with session_factory.begin() as session:
        session.execute(update(Account).where(Account.consumer_id == rich)
                        .values(change_seq=counters.next_change(session.connection())))
    stamped = run_scan(engine, rules, NOW, tz=IST)
    assert stamped.examined == 1 and stamped.queued == {"zero": 1}


def test_unlinked_accounts_keep_no_band_and_hear_at_the_next_change(engine, session_factory,
                                                                      rules):
    with session_factory.begin() as session:
        cid = make_consumer(session, balance_paise=4000).id
    first = run_scan(engine, rules, NOW, tz=IST)
    assert first.examined == 1 and first.queued == {}
    with session_factory() as session:
        assert session.get(AlertState, cid) is None  # nobody to tell: nothing recorded
    with session_factory.begin() as session:
        _link(session, cid)
    assert run_scan(engine, rules, NOW, tz=IST).queued == {}  # linking is not an account change
    with session_factory.begin() as session:
        session.execute(update(Account).where(Account.consumer_id == cid)
                        .values(change_seq=counters.next_change(session.connection())))
    assert run_scan(engine, rules, NOW, tz=IST).queued == {"amount": 1}
    assert run_scan(engine, rules, NOW, tz=IST).queued == {}


def test_scan_after_apply_day_then_nothing(engine, session_factory, rules):
    with session_factory.begin() as session:
        ids = [make_consumer(session, balance_paise=b).id for b in (30_000, 12_000, 900_000)]
        for cid in ids:
            _link(session, cid)
    for i in range(3):  # past the 125 free units: a recurring spend beyond the fixed charge
        _charge(session_factory, rules, DAY0 + timedelta(days=i), dict.fromkeys(ids, 60_000))
    spend = _account(session_factory, ids[0]).recent_spend_paise // 3  # paise a day
    assert spend > 0
    result = run_scan(engine, rules, NOW, tz=IST)
    assert result.examined == 3
    balances = [_account(session_factory, cid).balance_paise for cid in ids]
    # Expected bands from the balances and the kept average, worked out here in Python
    # from the declared bands: the most severe one whose conditions all hold.
    tests = {DAYS_LEFT: lambda bal, v: bal <= spend * v, AMOUNT_LEFT: lambda bal, v: bal <= v,
             ZERO: lambda bal, v: bal == 0, NEGATIVE: lambda bal, v: bal < 0}
    expected: dict[str, int] = {}
    for bal in balances:
        band = next((b.name for b in reversed(rules.alerts.bands)
                     if all(tests[c.kind](bal, c.value) for c in b.when)), None)
        if band:
            expected[band] = expected.get(band, 0) + 1
    assert result.queued == expected and result.total >= 1
    second = run_scan(engine, rules, NOW, tz=IST)
    assert second.examined == 0 and second.queued == {}
    _charge(session_factory, rules, DAY0 + timedelta(days=3), {ids[2]: 8000})
    third = run_scan(engine, rules, NOW, tz=IST)
    assert third.examined == 1 and third.queued == {}  # the rich account stays quiet


def test_new_thresholds_look_at_every_account_again(engine, session_factory, rules):
    with session_factory.begin() as session:
        cid = make_consumer(session, balance_paise=80_000).id
        _link(session, cid)
    assert run_scan(engine, rules, NOW, tz=IST).queued == {}
    bands = tuple(dataclasses.replace(b, when=(Condition(AMOUNT_LEFT, 100_000),))
                  if b.name == "amount" else b for b in rules.alerts.bands)
    stricter = dataclasses.replace(rules, alerts=dataclasses.replace(rules.alerts, bands=bands))
    result = run_scan(engine, stricter, NOW, tz=IST)
    assert result.examined == 1 and result.queued == {"amount": 1}
    assert run_scan(engine, stricter, NOW, tz=IST).examined == 0


def test_another_average_window_rebuilds_the_sums(session_factory, rules):
    with session_factory.begin() as session:
        cid = make_consumer(session, balance_paise=900_000).id
    for i in range(5):
        _charge(session_factory, rules, DAY0 + timedelta(days=i), {cid: 2000 + 1000 * i})
    shorter = dataclasses.replace(rules, average_days=2)
    before = _account(session_factory, cid).change_seq
    _charge(session_factory, shorter, DAY0 + timedelta(days=5), {cid: 9000})
    account = _account(session_factory, cid)
    assert account.recent_charge_days == 2 and account.change_seq > before
    assert (account.recent_spend_paise, 2) == _from_ledger(session_factory, cid, 2)


# --- after readings imports -----------------------------------------------------------------
def test_readings_import_runs_the_scan(db_url, session_factory, tmp_path: Path, monkeypatch):
    from tests.servers import clear_settings_env

    clear_settings_env(monkeypatch)
    with session_factory.begin() as session:
        consumer = make_consumer(session, balance_paise=5000)
        _link(session, consumer.id)
        ca = consumer.ca_number
    csv_file = tmp_path / "r.csv"
    csv_file.write_text(f"ca_number,date,kwh,register_kwh\n{ca},{DAY0},2,2\n", encoding="utf-8")
    env = {"DATABASE_URL": db_url}
    result = CliRunner().invoke(main, ["readings", "import", str(csv_file)], env=env)
    assert result.exit_code == 0, result.output
    assert "alert scan: 1 changed accounts, queued 1 negative" in result.output  # fixed charge
    again = CliRunner().invoke(main, ["readings", "import", str(csv_file)], env=env)
    assert "alert scan: 0 changed accounts, queued no alerts" in again.output


@pytest.fixture
def api(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN201
    from tests.servers import clear_settings_env

    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with _client(db_url) as client:
        yield client


def test_rest_readings_import_runs_the_scan(api, session_factory):
    ca, _ = new_consumer(api, balance_paise=5000)
    with session_factory.begin() as session:
        _link(session, session.scalar(select(Account.consumer_id).join(Account.consumer)
                                      .where(Consumer.ca_number == ca)))
    row = {"ca_number": ca, "date": DAY0.isoformat(), "kwh": "2"}
    assert post_readings(api, [row])["alerts_queued"] == {"negative": 1}
    assert post_readings(api, [row])["alerts_queued"] == {}


# --- migration 0005 -------------------------------------------------------------------------

def _columns(url: str) -> set[str]:
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns("accounts")}
    finally:
        eng.dispose()


def test_migration_0005_backfills_and_goes_down(fresh_url: str):
    migrate.upgrade(fresh_url, "0004")
    eng = make_engine(fresh_url)
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    last = date(2026, 4, 10)
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO discoms (id, code, name, name_hi) "
                          "VALUES (1, 'X', 'X', 'X')"))
        conn.execute(text("INSERT INTO circles (id, discom_id, code, name, name_hi) "
                          "VALUES (1, 1, 'C', 'C', 'C')"))
        for cid in (1, 2):
            conn.execute(text(
                "INSERT INTO consumers (id, ca_number, name, mobile_e164, language, "
                "tariff_category, sanctioned_load_w, circle_id, created_at) VALUES "
                "(:id, :ca, 'n', '+917000000001', 'hi', 'DS-II', 1000, 1, :t)"),
                {"id": cid, "ca": f"10000000{cid}", "t": t0})
        conn.execute(text(
            "INSERT INTO accounts (consumer_id, balance_paise, as_of, mtd_units_wh, "
            "last_charged_day, arrears_paise) VALUES (1, 100, :t, 0, :last, 0), "
            "(2, 100, :t, 0, NULL, 0)"), {"t": t0, "last": last})
        for back in range(9):  # days 2..10: only the last 7 count
            conn.execute(text(
                "INSERT INTO ledger_entries (consumer_id, kind, amount_paise, day, posted_at) "
                "VALUES (1, 'charge', :amount, :day, :t)"),
                {"amount": -(100 + back), "day": last - timedelta(days=back), "t": t0})
    eng.dispose()
    migrate.upgrade(fresh_url)
    eng = make_engine(fresh_url)
    try:
        with eng.connect() as conn:
            rows = conn.execute(text(
                "SELECT consumer_id, recent_spend_paise, recent_charge_days, change_seq "
                "FROM accounts ORDER BY consumer_id")).all()
            assert [tuple(r) for r in rows] == [(1, sum(100 + b for b in range(7)), 7, 1),
                                                (2, 0, 0, 1)]
            assert counters.current_change(conn) == 1
            assert counters.get(conn, "recent_spend_window") == 7
            # Sums with the monthly fixed charge: the first charge run or scan rebuilds them.
            assert counters.get(conn, counters.SPEND_WINDOW) is None
            assert conn.execute(select(func.count()).select_from(Account)).scalar_one() == 2
    finally:
        eng.dispose()
    migrate.downgrade(fresh_url, "0004")
    assert not {"recent_spend_paise", "recent_charge_days", "change_seq"} & _columns(fresh_url)
    assert "balance_paise" in _columns(fresh_url)
    migrate.upgrade(fresh_url)
    assert "change_seq" in _columns(fresh_url)
