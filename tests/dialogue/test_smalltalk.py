"""The small-talk lexicon and the off-topic check: deterministic, whole-message matches."""

from __future__ import annotations

import pytest

from bot.dialogue.smalltalk import off_topic, small_talk


@pytest.mark.parametrize("text", ["ok", "OK!", "okay", "hmm", "hmmmm", "achha", "accha",
                                  "acha", "theek hai", "thik hai", "ji", "haan", "ठीक है",
                                  "अच्छा", "हम्म", "जी", "👍", "🙏", "🙏🙏", "❤️", "👍🏽",
                                  "😀 😀", "good night"])
def test_acknowledgements_and_emoji(text: str) -> None:
    assert small_talk(text) == "ack"


@pytest.mark.parametrize("text", ["thanks", "Thank you", "dhanyavad", "shukriya", "धन्यवाद"])
def test_thanks(text: str) -> None:
    assert small_talk(text) == "thanks"


@pytest.mark.parametrize("text", ["namaste", "Good morning", "नमस्ते", "pranam"])
def test_greetings(text: str) -> None:
    assert small_talk(text) == "greet"


@pytest.mark.parametrize("text", ["ok balance batao", "balance", "1", "0", "", "   ", "?",
                                  "asdf", "👍 balance", "stop", "bijli nahi hai"])
def test_requests_are_not_small_talk(text: str) -> None:
    assert small_talk(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("jio ka recharge karna hai", True), ("जियो का रिचार्ज करना है", True),
    ("what is the weather today", True), ("asdf qwer", False), ("xyz", False),
    ("lkjh gfds poiu", False)])
def test_off_topic_needs_a_subject_or_a_sentence(text: str, expected: bool) -> None:
    assert off_topic(text) is expected
