"""Language ID on short real-world messages (labelled table)."""

from __future__ import annotations

import pytest

from nlu.langid import detect_language

# (message, expected). Ties and lone English/shared words go to "en" by design.
TABLE: list[tuple[str, str]] = [
    ("hi", "en"),
    ("hello", "en"),
    ("ok", "en"),
    ("balance", "en"),
    ("recharge", "en"),
    ("stop", "en"),
    ("yes", "en"),
    ("no", "en"),
    ("thanks", "en"),
    ("bye", "en"),
    ("help", "en"),
    ("good morning", "en"),
    ("what is my balance", "en"),
    ("my balance is low", "en"),
    ("how to recharge", "en"),
    ("meter is running fast", "en"),
    ("no electricity since morning", "en"),
    ("talk in hindi", "en"),
    ("please help", "en"),
    ("app not working", "en"),
    ("otp not received", "en"),
    ("complaint status", "en"),
    ("i want to talk to a person", "en"),
    ("how much was deducted yesterday", "en"),
    ("send me the app link", "en"),
    ("why is my meter showing negative", "en"),
    ("mera balance", "hi-Latn"),
    ("thanks ji", "hi-Latn"),
    ("ok ji", "hi-Latn"),
    ("haan", "hi-Latn"),
    ("nahi", "hi-Latn"),
    ("thik hai", "hi-Latn"),
    ("shukriya", "hi-Latn"),
    ("dhanyawad ji", "hi-Latn"),
    ("namaste", "hi-Latn"),
    ("bijli nahi aa rahi", "hi-Latn"),
    ("recharge kaise kare", "hi-Latn"),
    ("meter tez chal raha", "hi-Latn"),
    ("light kab aayegi", "hi-Latn"),
    ("band karo", "hi-Latn"),
    ("kal kitna kata", "hi-Latn"),
    ("complaint ka status", "hi-Latn"),
    ("english me baat karo", "hi-Latn"),
    ("mujhe agent se baat karni hai", "hi-Latn"),
    ("app download nahi ho raha", "hi-Latn"),
    ("otp nahi aaya", "hi-Latn"),
    ("sorry bhaiya", "hi-Latn"),
    ("bye ji", "hi-Latn"),
    ("mera blance kitna h", "hi-Latn"),
    ("paisa kyu kat raha", "hi-Latn"),
    ("kya haal hai", "hi-Latn"),
    ("bhaiya madad karo", "hi-Latn"),
    ("alvida", "hi-Latn"),
    ("मेरा बैलेंस", "hi"),
    ("नमस्ते", "hi"),
    ("हाँ", "hi"),
    ("बिजली नहीं है", "hi"),
    ("मेरा balance कितना है", "hi"),
    ("बैलेंस check करो", "hi"),
    ("ok धन्यवाद", "hi"),
    ("१२३४५६७८९", "hi"),
    ("रिचार्ज", "hi"),
    ("", "en"),
    ("😀👍", "en"),
    ("123456789", "en"),
]


def test_table_is_big_enough() -> None:
    assert len(TABLE) >= 60


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_language_table(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_long_and_odd_inputs_never_raise() -> None:
    assert detect_language("x" * 5000) in ("en", "hi-Latn")
    assert detect_language("\x00\ufffd\u200d") == "en"
