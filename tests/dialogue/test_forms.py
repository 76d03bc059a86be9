"""The free-text guard of forms, "still wrong?" read as yes/no, cancel said in a sentence,
and what the app guide hears in words: deterministic, on a fixed NLU result."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.dialogue.flows.app_guide import said
from bot.dialogue.flows.base import cancels_form, other_intent
from bot.dialogue.flows.complaint_answers import file_it, still_wrong
from nlu import Entity, IntentScore, ParseResult


def _turn(text: str, intent: str, confidence: float = 1.0, *, value: str | None = None,
          category: str | None = None, slot_category: str = "high_deduction") -> Any:
    entities = [Entity("complaint_category", category, 0, len(text))] if category else []
    parse = ParseResult(text=text, intent=IntentScore(intent, confidence), entities=entities)
    return SimpleNamespace(text=text, value=value, parse=parse, intent=intent,
                           state=SimpleNamespace(slots={"category": slot_category}))


@pytest.mark.parametrize(("text", "intent"), [
    ("balance kitna hai", "check_balance"), ("बैलेंस कितना है", "check_balance"),
    ("what is my balance?", "check_balance"), ("balance", "check_balance"),
    ("kal kitna kata", "usage_history"), ("recharge kaise kare", "recharge_help"),
    ("meri shikayat ka kya hua", "complaint_status"),
    ("kisi insaan se baat karao", "human_handoff")])
def test_questions_are_not_swallowed(text: str, intent: str) -> None:
    assert other_intent(_turn(text, intent)) == intent


@pytest.mark.parametrize(("text", "intent", "confidence", "value"), [
    ("balance kat gaya bina bijli jale", "check_balance", 1.0, None),  # tells, not asks
    ("balance kitna hai", "check_balance", 0.5, None),                 # not sure enough
    ("balance kitna hai", "check_balance", 1.0, "yes"),                # a tapped option
    ("bijli kab aayegi?", "file_complaint", 1.0, None),                # the form's own subject
])
def test_answers_stay_with_the_form(text: str, intent: str, confidence: float,
                                    value: str | None) -> None:
    assert other_intent(_turn(text, intent, confidence, value=value)) is None


@pytest.mark.parametrize(("text", "intent", "expected"), [
    ("galat hai abhi bhi", "deny", True), ("गलत है अभी भी", "deny", True),
    ("theek nahi hai", "deny", True), ("still wrong", "nlu_fallback", True),
    ("haan", "affirm", True), ("shikayat karni hai", "file_complaint", True),
    ("samajh gaya", "help", False), ("सही है", "affirm", False), ("nahi", "deny", False),
    ("balance kitna hai", "check_balance", None), ("asdf", "nlu_fallback", None),
    ("achha", "affirm", None), ("ok", "affirm", None), ("👍", "nlu_fallback", None)])
def test_still_wrong_reads_the_answer(text: str, intent: str, expected: bool | None) -> None:
    assert still_wrong(_turn(text, intent)) is expected


def test_another_complaint_is_not_a_yes() -> None:
    turn = _turn("bijli nahi aa rahi", "file_complaint", category="no_supply")
    assert still_wrong(turn) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("complaint cancel kar do", True), ("cancel karo", True), ("please cancel", True),
    ("रहने दीजिए", True), ("शिकायत रद्द करें", True), ("छोड़ दो", True),
    ("recharge cancel ho gaya", False), ("रद्द कर दिया गया", False),
    ("mera recharge cancel hua aur paisa bhi kat gaya abhi tak wapas nahi", False)])
def test_cancel_said_in_a_sentence(text: str, expected: bool) -> None:
    assert cancels_form(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("install ho gaya", "installed"), ("I installed it", "installed"),
    ("ऐप इंस्टॉल हो गया", "installed"), ("app download kar liya", "installed"),
    ("install nahi kiya", "not_installed"), ("I haven't installed it yet", "not_installed"),
    ("अभी नहीं", "not_installed"),
    ("login nahi ho raha", "t_login"), ("लॉगिन नहीं हो रहा", "t_login"),
    ("I can't log in", "t_login"),
    ("OTP nahi aaya", "t_otp"), ("ओटीपी नहीं आया", "t_otp"),
    ("password bhool gaya", "t_password"), ("पासवर्ड भूल गया", "t_password"),
    ("forgot my password", "t_password"), ("login password bhool gaya", "t_password"),
    ("app me purana balance dikh raha", "t_balance"), ("app shows old balance", "t_balance"),
    ("app nahi khul raha", "t_open"), ("mobile number galat hai", "t_mobile"),
    ("I installed it, what now", "installed"),
    ("app ka link bhejo", None), ("app kaise download kare", None)])
def test_app_guide_hears_words(text: str, expected: str | None) -> None:
    assert said(text) == expected


@pytest.mark.parametrize(("text", "intent", "expected"), [
    ("haan", "affirm", True), ("darj kar do", "nlu_fallback", True),
    ("shikayat darj karo", "file_complaint", True), ("दर्ज कर दीजिए", "file_complaint", True),
    ("please file it", "nlu_fallback", True), ("darj mat karo", "deny", False),
    ("nahi", "deny", False), ("rehne do", "deny", False),
    ("balance kitna hai", "check_balance", None), ("asdf", "nlu_fallback", None)])
def test_file_it_reads_the_answer(text: str, intent: str, expected: bool | None) -> None:
    assert file_it(_turn(text, intent)) is expected
