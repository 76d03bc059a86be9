"""Alert bands as data: the rules file declares them, a bad one is refused with a clear
message, a band added only in a rules file is scanned and sent with its own key, the cut
condition compiled to SQL agrees with the cut calendar, and quiet hours follow TIMEZONE."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.engagement.alerts import scan
from backend.metering.alert_rules import DEFAULT_BANDS, DISCONNECTED_MESSAGE
from backend.metering.counters import next_change
from backend.metering.disconnection import earliest_cut, negative_since_bound
from backend.metering.rules import Rules, RulesError, load_rules, parse_rules
from backend.models import Account, OutboxMessage
from backend.platform.settings import DEFAULT_RULES_FILE
from bot.formatting import from_outbox
from bot.i18n.catalog import LANGUAGES, Catalogs
from bot.i18n.rendering import placeholders
from tests.factories import link_contact, make_consumer

IST = ZoneInfo("Asia/Kolkata")  # the default TIMEZONE
NOON = datetime(2026, 4, 1, 12, 0, tzinfo=IST).astimezone(UTC)  # a Wednesday
NIGHT = datetime(2026, 4, 1, 22, 0, tzinfo=IST).astimezone(UTC)


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))


def _with_bands(raw: dict, *extra: dict, drop: tuple[str, ...] = ()) -> dict:
    out = copy.deepcopy(raw)
    out["alerts"]["bands"] = [b for b in out["alerts"]["bands"] if b["name"] not in drop]
    out["alerts"]["bands"] += list(extra)
    return out


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _consumer(session: Session, balance: int, **account: object) -> int:
    consumer = make_consumer(session, balance_paise=balance)
    session.flush()
    if account:
        session.execute(update(Account).where(Account.consumer_id == consumer.id)
                        .values(**account))
    link_contact(session, consumer, "whatsapp", at=NOON, language="en")
    return consumer.id


def _scan(sessions: sessionmaker[Session], rules: Rules, now: datetime,
          tz: ZoneInfo = IST) -> dict[str, int]:
    with sessions.begin() as session:
        return scan(session.connection(), rules, now, tz=tz).queued


def _outbox(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- the rules file ----------------------------------------------------------------------

def test_the_shipped_bands_are_todays(rules):
    assert rules.alerts.bands == DEFAULT_BANDS
    assert [(b.name, b.severity, b.message) for b in rules.alerts.bands] == [
        ("days_3", 1, "alert.low_balance_days"), ("days_1", 2, "alert.low_balance_one_day"),
        ("amount", 100, "alert.low_balance_amount"), ("zero", 101, "alert.zero_balance"),
        ("negative", 102, "alert.negative_balance")]


def test_an_older_rules_file_still_means_the_same_bands(raw):
    old = copy.deepcopy(raw)
    old["alerts"] = {"days_left": [1, 3], "balance_at_or_below": "50.00",
                     "quiet_hours": {"start": "21:00", "end": "08:00"},
                     "urgent_within_hours": 24}
    assert parse_rules(old).alerts.bands == DEFAULT_BANDS


def test_every_band_message_is_in_every_catalog_with_the_params_it_gets(rules):
    catalogs = Catalogs()
    # from_outbox drops the _paise of money params
    sent = {"balance_paise": "balance", "need_paise": "need"}
    for band in rules.alerts.bands:
        # A cut meter gets DISCONNECTED_MESSAGE with the same params (backend.alert_fanout).
        messages = [band.message, DISCONNECTED_MESSAGE]
        for language, message in itertools.product(LANGUAGES, messages):
            assert rules.alerts.missing_messages(catalogs.messages(language)) == [], language
            text = catalogs.lookup(message, language)
            assert text, (band.name, language)
            assert placeholders(text) <= {sent.get(p, p) for p in band.params}, band.name


def test_a_band_whose_message_is_not_in_the_catalog_is_named(raw):
    rules = parse_rules(_with_bands(raw, {"name": "typo", "severity": 5, "when": "zero",
                                          "message": "alert.zero_balanse"}))
    assert rules.alerts.missing_messages(Catalogs().messages("hi")) == [
        "alert band 'typo': message 'alert.zero_balanse' is not in the catalog"]


@pytest.mark.parametrize("band, message", [
    ({"name": "x", "severity": 5, "when": {"days_remaining": 2}, "message": "m"},
     r"alert band 'x': unknown condition 'days_remaining' in when; known: days_left, "),
    ({"name": "x", "severity": 5, "when": "broke", "message": "m"},
     "unknown condition 'broke'"),
    ({"name": "amount", "severity": 5, "when": "zero", "message": "m"},
     "duplicate name 'amount'"),
    ({"name": "x", "severity": 100, "when": "zero", "message": "m"},
     "duplicate severity 100"),
    ({"name": "x", "when": "zero", "message": "m"},
     "alert band 'x': severity must be a whole number > 0, not None"),
    ({"name": "x", "severity": 0, "when": "zero", "message": "m"}, "severity must be"),
    ({"name": "x", "severity": 5, "when": {"amount_left": 20.5}, "message": "m"},
     "quoted decimal"),
    ({"name": "x", "severity": 5, "when": {"days_left": 0}, "message": "m"},
     "days_left must be positive"),
    ({"name": "x", "severity": 5, "when": {"zero": 3}, "message": "m"}, "zero takes no value"),
    ({"name": "x", "severity": 5, "when": "zero"}, "message must be a catalog key"),
    ({"name": "x", "severity": 5, "message": "m"}, r"no condition \(when\)"),
    ({"name": "x", "severity": 5, "when": "zero", "message": "m", "urgent": "soon"},
     "unknown condition 'soon' in urgent"),
    ({"name": "x", "severity": 5, "when": "zero", "message": "m", "colour": "red"},
     r"unknown field\(s\) colour"),
    ({"severity": 5, "when": "zero", "message": "m"}, "needs a name"),
])
def test_a_bad_band_is_refused_with_a_clear_message(raw, band, message):
    with pytest.raises(RulesError, match=message):
        parse_rules(_with_bands(raw, band))


def test_old_and_new_band_settings_together_are_refused(raw):
    mixed = copy.deepcopy(raw)
    mixed["alerts"]["days_left"] = [3]
    with pytest.raises(RulesError, match="days_left belong.* old format"):
        parse_rules(mixed)


def test_a_bad_rules_file_on_disk_names_the_band(raw, tmp_path):
    path = _write(tmp_path, _with_bands(raw, {"name": "x", "severity": 7, "when": "brke",
                                              "message": "m"}))
    with pytest.raises(RulesError, match="alert band 'x': unknown condition 'brke'"):
        load_rules(path)


# --- scanning declared bands ---------------------------------------------------------------

def test_a_band_added_in_the_rules_file_is_scanned_and_sent_with_its_key(
        raw, tmp_path, session_factory, worker_renderer):
    rules = load_rules(_write(tmp_path, _with_bands(raw, {
        "name": "fifth_left", "severity": 50, "when": {"percent_of_last_recharge": 20},
        "message": "alert.low_balance_percent"})))
    with session_factory.begin() as session:
        low = _consumer(session, 9000, last_recharge_at=NOON - timedelta(days=9),
                        last_recharge_paise=50_000)  # 18% of ₹500, above ₹50
        _consumer(session, 12_000, last_recharge_paise=50_000)  # 24%: no band
        _consumer(session, 4000, last_recharge_paise=50_000)  # under ₹50: amount is worse
    assert _scan(session_factory, rules, NOON) == {"fifth_left": 1, "amount": 1}
    percent = next(m for m in _outbox(session_factory) if m.message_key.endswith("percent"))
    assert percent.message_key == "alert.low_balance_percent"
    assert percent.params == {"percent": 20, "balance_paise": 9000, "need_paise": None}
    text = worker_renderer.text(percent.message_key, "en", from_outbox(percent.params))
    assert "₹90.00" in text and "20%" in text
    assert "20%" in worker_renderer.text(percent.message_key, "hi", from_outbox(percent.params))
    # Once per band: the same band again says nothing; falling to ₹40 is a worse band.
    assert _scan(session_factory, rules, NOON) == {}
    with session_factory.begin() as session:
        session.execute(update(Account).where(Account.consumer_id == low).values(
            balance_paise=4000, change_seq=next_change(session.connection())))
    assert _scan(session_factory, rules, NOON) == {"amount": 1}


def test_a_band_on_hours_before_the_cut_follows_the_clock(raw, tmp_path, session_factory):
    """Cut-within-a-day is worse than negative: it comes as the cut nears, with no account
    change, and is urgent (it goes out at night)."""
    rules = load_rules(_write(tmp_path, _with_bands(raw, {
        "name": "cut_soon", "severity": 103, "when": {"hours_before_cut": 24},
        "message": "alert.negative_balance", "urgent": True})))
    monday = datetime(2026, 4, 6, 12, 0, tzinfo=IST).astimezone(UTC)
    with session_factory.begin() as session:
        # Negative since Monday noon: grace ends Thursday noon, a cut is allowed from then.
        _consumer(session, -500, negative_since=monday)
    assert _scan(session_factory, rules, monday) == {"negative": 1}
    wednesday_night = datetime(2026, 4, 8, 22, 0, tzinfo=IST).astimezone(UTC)
    assert _scan(session_factory, rules, wednesday_night - timedelta(hours=11)) == {}  # 25 h
    assert _scan(session_factory, rules, wednesday_night) == {"cut_soon": 1}
    soon = _outbox(session_factory)[-1]
    assert soon.next_attempt_at == wednesday_night  # urgent: not held till morning
    assert datetime.fromisoformat(soon.params["cut_at"]) == datetime(2026, 4, 9, 12, 0,
                                                                     tzinfo=IST)
    assert _scan(session_factory, rules, wednesday_night + timedelta(hours=1)) == {}


def test_urgency_by_condition_is_decided_per_account(raw, tmp_path, session_factory):
    bands = copy.deepcopy(raw)
    for band in bands["alerts"]["bands"]:
        if band["name"] == "amount":
            band["urgent"] = {"amount_left": "10.00"}
    rules = load_rules(_write(tmp_path, bands))
    with session_factory.begin() as session:
        _consumer(session, 4000)
        _consumer(session, 900)
    assert _scan(session_factory, rules, NIGHT) == {"amount": 2}
    due = sorted((m.params["balance_paise"], m.next_attempt_at)
                 for m in _outbox(session_factory))
    assert due == [(900, NIGHT), (4000, datetime(2026, 4, 2, 8, 0, tzinfo=IST))]


def test_quiet_hours_follow_the_timezone_setting(session_factory, rules):
    nairobi = ZoneInfo("Africa/Nairobi")  # UTC+3: 22:00 in India is 19:30 there
    with session_factory.begin() as session:
        _consumer(session, 4000)
    assert _scan(session_factory, rules, NIGHT, tz=nairobi) == {"amount": 1}
    (message,) = _outbox(session_factory)
    assert message.next_attempt_at == NIGHT  # not quiet hours in Nairobi


def test_quiet_hours_in_india_wait_for_the_morning(session_factory, rules):
    with session_factory.begin() as session:
        _consumer(session, 4000)
    assert _scan(session_factory, rules, NIGHT, tz=IST) == {"amount": 1}
    (message,) = _outbox(session_factory)
    assert message.next_attempt_at == datetime(2026, 4, 2, 8, 0, tzinfo=IST)


# --- hours before the cut as SQL ------------------------------------------------------------

@pytest.mark.parametrize("now", [
    datetime(2026, 4, 1, 12, 0, tzinfo=IST),   # Wednesday, inside the cut window
    datetime(2026, 4, 3, 22, 0, tzinfo=IST),   # Friday night, before a Sunday
    datetime(2026, 8, 13, 9, 0, tzinfo=IST),   # before Independence Day and a Sunday
])
@pytest.mark.parametrize("hours", [1, 6, 24, 72])
def test_the_negative_since_bound_agrees_with_the_cut_calendar(rules, now, hours):
    cut, within = rules.disconnection, timedelta(hours=hours)
    bound = negative_since_bound(cut, now, within, IST)
    for minutes in range(-6 * 24 * 60, 24 * 60, 7):
        since = now + timedelta(minutes=minutes)
        first = earliest_cut(cut, since, now, IST)
        expected = first is not None and first - now <= within
        got = bound is not None and (since <= bound[0] if bound[1] else since < bound[0])
        assert got == expected, (since, first, bound)


def test_a_zone_without_cut_hours_soon_gives_no_bound(rules):
    from dataclasses import replace

    never = replace(rules.disconnection, no_cut_weekdays=frozenset(range(7)))
    assert negative_since_bound(never, NOON, timedelta(hours=24), IST) is None
