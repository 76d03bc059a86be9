"""Small pure parts of the engine: keywords, numbered answers, state round trip, the
assistant file, FAQ topic keys built at run time, composed replies."""

from __future__ import annotations

import pytest

from bot.dialogue.compose import compose, reply_keys
from bot.dialogue.config import ConfigError, load_assistant_config
from bot.dialogue.flows.faq import ORDER, topic_of
from bot.dialogue.keywords import bare_number, digits, keyword
from bot.dialogue.state import DialogueState
from bot.i18n import Msg
from bot.i18n.catalog import LANGUAGES, Catalogs


@pytest.mark.parametrize(("text", "kind"), [
    ("STOP", "opt_out"), (" stop ", "opt_out"), ("Unsubscribe", "opt_out"),
    ("मैसेज बंद करो", "opt_out"), ("START", "opt_in"), ("शुरू", "opt_in"),
    ("cancel", "cancel"), ("रद्द", "cancel"), ("band karo", "stop_or_cancel"),
    ("बंद करें", "stop_or_cancel"), ("Band Karo!", "stop_or_cancel"), ("0", "cancel"),
    ("menu", "menu"),
    ("stop the cut please", None), ("mera balance", None),
])
def test_keywords_match_whole_messages_only(text: str, kind: str | None) -> None:
    assert keyword(text) == kind


def test_numbers_and_digits() -> None:
    assert bare_number("2") == 2 and bare_number(" २. ") == 2 and bare_number("123") is None
    assert digits("CA 1234-5678 9") == "123456789" and digits("१२३") == "123"


def test_state_round_trip_and_unknown_versions() -> None:
    state = DialogueState()
    state.open("link", "otp", ca="100000001", then="check_balance")
    state.options = ["resend"]
    again = DialogueState.from_dict(state.to_dict())
    assert again == state
    assert DialogueState.from_dict({"v": 99, "form": "x"}) == DialogueState()


def test_assistant_file_loads_and_refuses_float_money(tmp_path) -> None:  # noqa: ANN001
    config = load_assistant_config()
    assert config.helpline == "1912" and config.suggested_recharge_paise == 20000
    bad = tmp_path / "a.yml"
    bad.write_text("helpline: '1912'\ndiscom_website: x\napp: {name: a, android: b, ios: c}\n"
                   "recharge: {channels: [app], website: w, suggested_minimum: 200.5}\n")
    with pytest.raises(ConfigError):
        load_assistant_config(bad)


def test_every_faq_topic_has_texts_in_every_language() -> None:
    catalogs = Catalogs()
    for language in LANGUAGES:
        for topic in ORDER:
            assert catalogs.lookup(f"faq.{topic}", language), (language, topic)
            assert catalogs.lookup(f"faq.topic.{topic}", language), (language, topic)


@pytest.mark.parametrize(("text", "topic"), [
    ("रविवार को बिजली कटती है क्या", "happy_hours"),
    ("emergency credit kaise le", "emergency_credit"),
    ("is smart meter safe", "safety"), ("125 unit free", "free_units"),
    ("what is the prepaid rebate", "rebate"), ("hello", None),
])
def test_faq_topics(text: str, topic: str | None) -> None:
    assert topic_of(text) == topic


def test_compose_joins_lines_and_keeps_keys() -> None:
    reply = compose([Msg("a"), None, Msg("b", {"x": 1}), Msg("c")])
    assert reply_keys(reply) == ["a", "b", "c"]
    assert reply_keys(compose([Msg("only", {"y": 2})])) == ["only"]
