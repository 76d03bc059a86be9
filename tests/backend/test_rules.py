from __future__ import annotations

import copy

import pytest
import yaml

from backend.metering.rules import RulesError, load_rules, parse_rules, rupees_to_paise
from backend.platform.settings import DEFAULT_RULES_FILE


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))


def test_default_rules_load_as_integers(rules):
    ds2 = rules.tariff("DS-II")
    assert [s.rate_paise for s in ds2.slabs] == [742, 895, 995]
    assert ds2.slabs[-1].up_to_units is None
    assert rules.charges.free_units_per_month == 125
    assert rules.charges.duty_bp == 600 and rules.charges.rebate_bp == 300
    assert rules.disconnection.grace_hours == 72


@pytest.mark.parametrize("value, paise", [("7.42", 742), ("40", 4000), (5, 500), ("0.01", 1)])
def test_rupees_to_paise_is_exact(value, paise):
    assert rupees_to_paise(value) == paise


@pytest.mark.parametrize("value", [7.42, "7.425", "abc"])
def test_rupees_to_paise_refuses_inexact(value):
    with pytest.raises((RulesError, ArithmeticError)):
        rupees_to_paise(value)


def test_unknown_tariff_is_a_clear_error(rules):
    with pytest.raises(RulesError, match="no tariff"):
        rules.tariff("XYZ")


def test_slabs_must_increase(raw):
    bad = copy.deepcopy(raw)
    bad["tariffs"]["DS-II"]["slabs"][1]["up_to"] = 50
    with pytest.raises(RulesError, match="increase"):
        parse_rules(bad)


def test_last_slab_open_ended(raw):
    bad = copy.deepcopy(raw)
    bad["tariffs"]["DS-II"]["slabs"][-1]["up_to"] = 999
    with pytest.raises(RulesError, match="open-ended"):
        parse_rules(bad)


def test_missing_section_is_reported(raw):
    bad = copy.deepcopy(raw)
    del bad["disconnection"]
    with pytest.raises(RulesError, match="incomplete"):
        parse_rules(bad)


def test_missing_file(tmp_path):
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "nope.yml")


def test_promotional_hours_are_a_rule_read_in_the_configured_zone(raw):
    from datetime import UTC, datetime, time
    from zoneinfo import ZoneInfo

    from backend.engagement.broadcasts.window import (
        TRAI_WINDOW,
        PromoWindow,
        in_promotional_window,
        next_promotional_start,
    )
    from backend.platform.clock import LocalHours

    rules = parse_rules(raw)
    assert rules.promotional_hours == LocalHours(time(10), time(21)) == TRAI_WINDOW.hours
    later = copy.deepcopy(raw)
    later["broadcasts"]["promotional_hours"] = {"start": "11:30", "end": "20:00"}
    hours = parse_rules(later).promotional_hours
    dubai = PromoWindow(hours, ZoneInfo("Asia/Dubai"))  # UTC+4
    at = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # 11:00 in Dubai, 12:30 in India
    assert in_promotional_window(at, TRAI_WINDOW) and not in_promotional_window(at, dubai)
    assert next_promotional_start(at, dubai) == datetime(2026, 11, 27, 11, 30,
                                                         tzinfo=ZoneInfo("Asia/Dubai"))
    bad = copy.deepcopy(raw)
    bad["broadcasts"]["promotional_hours"] = {"start": "10", "end": "21:00"}
    with pytest.raises(RulesError, match="bad time '10'"):
        parse_rules(bad)


def test_bad_quiet_hours_are_reported(raw):
    bad = copy.deepcopy(raw)
    bad["alerts"]["quiet_hours"] = {"start": "9pm", "end": "08:00"}
    with pytest.raises(RulesError, match="alerts.quiet_hours: bad time '9pm'"):
        parse_rules(bad)
