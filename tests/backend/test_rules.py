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
