"""Dates and periods: many phrasings in Devanagari, romanized Hindi and English, and their
resolution on the local calendar at different clocks (year and month boundaries)."""

from __future__ import annotations

from datetime import date

import pytest

from nlu import dataset
from nlu.date_questions import usage_if_dated
from nlu.entities import EntityExtractor, Gazetteer
from nlu.entities.period import Span, is_range, resolve
from nlu.settings import DEFAULT_DATA_DIR
from nlu.types import FALLBACK_INTENT, IntentScore, ParseResult


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    synonyms = dataset.load(DEFAULT_DATA_DIR / "synonyms.yml").synonyms
    return EntityExtractor(Gazetteer.build(synonyms))


def _periods(extractor: EntityExtractor, text: str) -> list[str]:
    return [e.value for e in extractor.extract(text) if e.entity == "period"]


ROWS = [
    # day and month, any order, abbreviations, ordinals, Devanagari digits and months
    ("28 November ko kitna kata", ["date:--11-28"]),
    ("28 nov kitna kata", ["date:--11-28"]),
    ("28th of November", ["date:--11-28"]),
    ("nov 28th usage", ["date:--11-28"]),
    ("november 28", ["date:--11-28"]),
    ("28 नवंबर को कितना कटा", ["date:--11-28"]),
    ("२८ नवम्बर को कितना कटा", ["date:--11-28"]),
    ("२८ नवंबर", ["date:--11-28"]),
    ("3 dec ko kitna kata", ["date:--12-03"]),
    ("5 मई को", ["date:--05-05"]),
    ("15 agast ko", ["date:--08-15"]),
    ("1 जनवरी 2026 को", ["date:2026-01-01"]),
    ("28 nov 2025 ka hisab", ["date:2025-11-28"]),
    # numeric dates, day first (India)
    ("25/11 ka usage", ["date:--11-25"]),
    ("25-11 ko kitna kata", ["date:--11-25"]),
    ("25/11/2025", ["date:2025-11-25"]),
    ("25/11/25", ["date:2025-11-25"]),
    ("28.11.2026 ko", ["date:2026-11-28"]),
    ("२५/११ को", ["date:--11-25"]),
    ("31/04", []),  # no such day
    ("13/13", []),
    # a day of the month
    ("28 tarikh ko kitna kata", ["date:---28"]),
    ("28 तारीख का हिसाब", ["date:---28"]),
    ("28 ko kitna kata", ["date:---28"]),
    # a whole month
    ("नवंबर में कितना कटा", ["month:11"]),
    ("november ka usage", ["month:11"]),
    ("october 2025 ka bill", ["month:2025-10"]),
    ("may I know my usage", []),  # "may" alone is a verb
    ("mai kya karu", []),  # "mai" alone is "I"
    ("march karo", []),
    ("oct me kitna kata", ["month:10"]),
    ("march ka bill", ["month:03"]),
    ("may me kitna kata", ["month:05"]),
    ("mai ka kya karu", []),
    ("nov", []),
    # days before or after today
    ("parso kitna kata", ["days_ago:2"]),
    ("परसों कितना कटा", ["days_ago:2"]),
    ("parson ka kharcha", ["days_ago:2"]),
    ("parso recharge karunga", ["days_ahead:2"]),
    ("परसों बिजली आएगी", ["days_ahead:2"]),
    ("narso", ["days_ago:3"]),
    ("3 din pehle kitna kata", ["days_ago:3"]),
    ("तीन दिन पहले", ["days_ago:3"]),
    ("5 days ago", ["days_ago:5"]),
    ("day before yesterday", ["days_ago:2"]),
    # periods
    ("पिछले 7 दिन का हिसाब", ["last_7_days"]),
    ("pichhle 7 din", ["last_7_days"]),
    ("7 din ka hisab", ["last_7_days"]),
    ("7 दिन", ["last_7_days"]),
    ("is hafte kitna kata", ["last_7_days"]),
    ("इस हफ्ते", ["last_7_days"]),
    ("last week", ["last_7_days"]),
    ("pichhle 10 din ka", ["last_days:10"]),
    ("das din ka hisab", ["last_days:10"]),
    ("पिछले पंद्रह दिन", ["last_days:15"]),
    ("last 30 days", ["last_days:30"]),
    ("2 hafte ka usage", ["last_days:14"]),
    ("monthly usage", ["this_month"]),
    ("mahine bhar ka kharcha", ["this_month"]),
    ("महीने भर की खपत", ["this_month"]),
    ("pichhle mahine", ["last_month"]),
    ("पिछले महीने", ["last_month"]),
    ("today's usage", ["today"]),
    ("kal kitna kata", ["yesterday"]),
    # from .. to, and since
    ("28 nov se 30 nov tak kitna kata", ["range:--11-28/--11-30"]),
    ("25/11 to 28/11", ["range:--11-25/--11-28"]),
    ("1 se 15 tarikh tak ka hisab", ["range:---01/---15"]),
    ("२० से २५ नवंबर तक", ["range:--11-20/--11-25"]),
    ("from 1 to 15 november", ["range:--11-01/--11-15"]),
    ("28 nov se kitna kata", ["range:--11-28/"]),
    ("since 28 nov", ["range:--11-28/"]),
    # numbers that are not dates
    ("500 ka recharge kiya", []),
    ("CA 123456789 ka balance", []),
    ("1234-5678-9012", []),
]


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_periods(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    assert _periods(extractor, text) == expected


def test_a_date_is_not_an_amount(extractor: EntityExtractor) -> None:
    ents = extractor.extract("28 nov ko 200 rs kata")
    assert [(e.entity, e.value) for e in ents] == [("period", "date:--11-28"),
                                                    ("amount", "200")]


def test_spans_index_the_original_text(extractor: EntityExtractor) -> None:
    text = "भाई २८ नवम्बर को कितना कटा, और 25/11 को?"
    found = [e for e in extractor.extract(text) if e.entity == "period"]
    assert [e.text for e in found] == ["२८ नवम्बर", "25/11"]
    for e in found:
        assert text[e.start:e.end] == e.text


D = date


@pytest.mark.parametrize(("value", "today", "first", "last"), [
    ("yesterday", D(2026, 12, 1), D(2026, 11, 30), D(2026, 11, 30)),
    ("yesterday", D(2027, 1, 1), D(2026, 12, 31), D(2026, 12, 31)),
    ("today", D(2026, 12, 1), D(2026, 12, 1), D(2026, 12, 1)),
    ("tomorrow", D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 1)),
    ("days_ago:2", D(2026, 12, 1), D(2026, 11, 29), D(2026, 11, 29)),
    ("days_ago:2", D(2027, 1, 1), D(2026, 12, 30), D(2026, 12, 30)),
    ("days_ago:2", D(2024, 3, 1), D(2024, 2, 28), D(2024, 2, 28)),
    ("days_ahead:2", D(2026, 12, 30), D(2027, 1, 1), D(2027, 1, 1)),
    # year-less dates: this year's, or last year's when far ahead
    ("date:--11-28", D(2026, 12, 1), D(2026, 11, 28), D(2026, 11, 28)),
    ("date:--12-28", D(2027, 1, 2), D(2026, 12, 28), D(2026, 12, 28)),
    ("date:--12-05", D(2026, 12, 1), D(2026, 12, 5), D(2026, 12, 5)),  # soon: not yet
    ("date:--01-03", D(2026, 12, 30), D(2026, 1, 3), D(2026, 1, 3)),
    ("date:--02-29", D(2027, 3, 1), D(2024, 2, 29), D(2024, 2, 29)),
    ("date:2025-11-28", D(2026, 12, 1), D(2025, 11, 28), D(2025, 11, 28)),
    # a day of the month: this month's, or last month's when ahead
    ("date:---28", D(2026, 12, 1), D(2026, 11, 28), D(2026, 11, 28)),
    ("date:---28", D(2027, 1, 2), D(2026, 12, 28), D(2026, 12, 28)),
    ("date:---1", D(2026, 12, 15), D(2026, 12, 1), D(2026, 12, 1)),
    # periods end yesterday (today is charged the next morning)
    ("last_7_days", D(2026, 12, 1), D(2026, 11, 24), D(2026, 11, 30)),
    ("last_days:10", D(2027, 1, 3), D(2026, 12, 24), D(2027, 1, 2)),
    ("this_month", D(2026, 12, 15), D(2026, 12, 1), D(2026, 12, 15)),
    ("last_month", D(2027, 1, 2), D(2026, 12, 1), D(2026, 12, 31)),
    ("last_month", D(2024, 3, 10), D(2024, 2, 1), D(2024, 2, 29)),
    ("month:11", D(2026, 12, 1), D(2026, 11, 1), D(2026, 11, 30)),
    ("month:12", D(2027, 1, 2), D(2026, 12, 1), D(2026, 12, 31)),
    ("month:12", D(2026, 12, 2), D(2026, 12, 1), D(2026, 12, 31)),
    ("month:2025-02", D(2026, 12, 1), D(2025, 2, 1), D(2025, 2, 28)),
    ("range:--11-28/--11-30", D(2026, 12, 1), D(2026, 11, 28), D(2026, 11, 30)),
    ("range:--12-28/--01-02", D(2027, 1, 5), D(2026, 12, 28), D(2027, 1, 2)),
    ("range:---25/---05", D(2026, 12, 10), D(2026, 11, 25), D(2026, 12, 5)),
    ("range:--11-28/", D(2026, 12, 1), D(2026, 11, 28), D(2026, 12, 1)),
])
def test_resolve(value: str, today: date, first: date, last: date) -> None:
    assert resolve(value, today) == Span(first, last)


@pytest.mark.parametrize("value", ["date:---31", "date:--02-30", "nonsense", "days_ago:x", ""])
def test_resolve_impossible(value: str) -> None:
    assert resolve(value, D(2026, 12, 1)) is None  # 31 November does not exist


def test_ranges() -> None:
    assert is_range("this_month") and is_range("last_days:10") and is_range("month:11")
    assert is_range("range:--11-28/--11-30")
    assert not is_range("yesterday") and not is_range("date:--11-28")
    assert not is_range("days_ago:2")


@pytest.mark.parametrize(("text", "guess", "expected"), [
    ("28 नवंबर को कितने पैसे कटे", "faq_prepaid", "usage_history"),
    ("10 din ka kharcha", "out_of_scope", "usage_history"),
    ("november ka bill kitna aaya", "out_of_scope", "usage_history"),
    ("25/11", "link_account", "usage_history"),
    ("parso", FALLBACK_INTENT, "usage_history"),
    ("28 nov ko shaadi hai", "out_of_scope", "out_of_scope"),  # a date, no usage question
    ("balance 28 nov ko kitna tha", "check_balance", "check_balance"),
    ("28 nov ko recharge kiya nahi juda", "faq_prepaid", "faq_prepaid"),  # a complaint
    ("parso bijli aayegi kya", "faq_prepaid", "faq_prepaid"),  # the future
    ("kitna kata", "faq_prepaid", "faq_prepaid"),  # no date
    ("7 din me bill kitna aayega", "faq_prepaid", "faq_prepaid"),  # a forecast
])
def test_a_clear_date_question_is_a_usage_question(
        extractor: EntityExtractor, text: str, guess: str, expected: str) -> None:
    score = IntentScore(guess, 0.6)
    parsed = ParseResult(text, score, [score], extractor.extract(text), "hi")
    result = usage_if_dated(parsed)
    assert result.intent.name == expected
    assert result.intent_ranking[0] == result.intent
