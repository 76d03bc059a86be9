"""The reply-language decision (bot/dialogue/language_choice.py) on its own: which messages
are clear enough to move a reply, when a language is stored, and how a streak runs."""

from __future__ import annotations

import pytest

from bot.dialogue.language_choice import (
    SWITCH_AFTER,
    Choice,
    Streak,
    base_language,
    clear_language,
    decide,
    explicit_choice,
    offer_english,
)
from bot.dialogue.types import Reply
from nlu.langid import detect_language, language_evidence


@pytest.mark.parametrize("text", [
    "Hi", "hi", "ok", "OK", "bal", "STOP", "menu", "asdf", "123", "2", "👍", "😀😀😀", "",
    "Good morning", "hello ji", "balance", "meter no",
])
def test_short_or_courtesy_messages_are_never_clear(text: str) -> None:
    assert clear_language(text, base="hi") is None
    assert clear_language(text, base="en") is None


@pytest.mark.parametrize("text", ["Good morning sir", "thank you so much", "good evening to all"])
def test_courtesy_intents_never_move_the_reply(text: str) -> None:
    assert clear_language(text, "greet", base="hi") is None
    assert clear_language(text, "thanks", base="hi") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("What is my balance", "en"),
    ("I want to talk to a person", "en"),
    ("how much electricity did I use last week", "en"),
    ("mera balance kitna hai", "hi-Latn"),
    ("bijli nahi aa rahi hai", "hi-Latn"),
    ("बिजली कब कटेगी", "hi"),
    ("मेरा बैलेंस कितना है", "hi"),
])
def test_clear_sentences(text: str, expected: str) -> None:
    assert clear_language(text, base="hi") == expected
    assert clear_language(text, base="en") == expected


def test_two_words_move_between_hindis_scripts_but_not_to_or_from_english() -> None:
    assert clear_language("balance batao", base="hi") == "hi-Latn"
    assert clear_language("बैलेंस बताओ", base="hi-Latn") == "hi"
    assert clear_language("बैलेंस बताओ", base="en") is None
    assert clear_language("balance batao", base="en") is None
    assert clear_language("check balance", base="hi") is None
    assert clear_language("recharge kaise", base="en") is None


@pytest.mark.parametrize("text", ["mera balance check karo please", "is mahine kitni bijli jali"])
def test_mixed_messages_are_not_clear(text: str) -> None:
    assert clear_language(text, base="hi") is None


def test_base_is_stored_then_account_then_default() -> None:
    assert base_language("en", "hi", "hi") == "en"
    assert base_language(None, "hi-Latn", "hi") == "hi-Latn"
    assert base_language(None, None, "hi") == "hi"
    assert base_language(None, None, "en") == "en"
    assert base_language(None, "xx", "also bad") == "hi"


def test_nothing_clear_keeps_the_account_language_and_stores_nothing() -> None:
    assert decide(stored=None, account="hi", default="hi", clear=None,
                  streak=None) == Choice("hi", None, None)


def test_nothing_clear_follows_a_running_streak() -> None:
    streak = Streak("en", 1)
    assert decide(stored=None, account="hi", default="hi", clear=None,
                  streak=streak) == Choice("en", None, streak)


def test_one_clear_message_answers_in_its_language_without_storing() -> None:
    assert decide(stored="hi", account=None, default="hi", clear="en",
                  streak=None) == Choice("en", None, Streak("en", 1))


def test_the_third_clear_message_in_a_row_stores_it() -> None:
    streak = None
    for n in range(1, SWITCH_AFTER):
        choice = decide(stored=None, account="hi", default="hi", clear="en", streak=streak)
        assert choice == Choice("en", None, Streak("en", n))
        streak = choice.streak
    assert decide(stored=None, account="hi", default="hi", clear="en",
                  streak=streak) == Choice("en", "en", None)


def test_switch_after_is_a_setting() -> None:
    assert decide(stored="hi", account=None, default="hi", clear="en", streak=None,
                  switch_after=1).store == "en"
    assert decide(stored="hi", account=None, default="hi", clear="en", streak=Streak("en", 3),
                  switch_after=5) == Choice("en", None, Streak("en", 4))


def test_a_clear_message_in_the_contacts_language_ends_the_streak() -> None:
    assert decide(stored=None, account="hi", default="hi", clear="hi",
                  streak=Streak("en", 2)) == Choice("hi", None, None)


def test_another_language_restarts_the_count() -> None:
    assert decide(stored=None, account="hi", default="hi", clear="hi-Latn",
                  streak=Streak("en", 2)) == Choice("hi-Latn", None, Streak("hi-Latn", 1))


def test_stranger_gets_the_default() -> None:
    assert decide(stored=None, account=None, default="hi", clear=None,
                  streak=None).reply == "hi"


@pytest.mark.parametrize(("text", "expected"), [
    ("EN", "en"), ("en", "en"), ("English", "en"), ("english please", "en"),
    ("हिंदी में", "hi"), ("Hindi", "hi"), ("hinglish", "hi-Latn"), ("  EN. ", "en"),
    ("hi", None), ("Hi", None), ("english me balance batao", None), ("", None),
])
def test_explicit_choice_is_the_whole_message(text: str, expected: str | None) -> None:
    assert explicit_choice(text) == expected


@pytest.mark.parametrize("raw", [None, {}, {"lang": "en"}, {"lang": {"language": "fr", "count": 1}},
                                 {"lang": {"language": "en", "count": 0}},
                                 {"lang": {"language": "en", "count": "2"}}])
def test_malformed_streak_data_is_no_streak(raw: dict | None) -> None:
    assert Streak.from_data(raw) is None


def test_streak_round_trips_through_state_data() -> None:
    streak = Streak("hi-Latn", 2)
    assert Streak.from_data({"lang": streak.to_data()}) == streak


def test_offer_is_one_message_with_the_original_options() -> None:
    from bot.dialogue.compose import reply_keys
    from bot.dialogue.flows.base import menu

    original = menu()
    offered = offer_english(original)
    assert {"menu.title", "language.offer_en"} <= set(reply_keys(offered))
    assert offered.options == original.options
    assert offer_english(Reply("chat.ack", urgent=True)).urgent


def test_evidence_agrees_with_detect_language() -> None:
    for text in ("What is my balance", "mera balance kitna hai", "बिजली", "ok", "", "👍"):
        assert language_evidence(text).language == detect_language(text)
    evidence = language_evidence("meter ka balance batao please")
    assert evidence.words == 5 and evidence.hindi > evidence.english > 0
