"""Indian number/money style and per-language dates, times and units."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.formatting import (
    decimal_indian,
    format_clock,
    format_day,
    format_moment,
    group_indian,
    rupees,
    units,
)


@pytest.mark.parametrize(("n", "expected"), [
    (0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (99999, "99,999"),
    (100000, "1,00,000"), (123456, "1,23,456"), (12345678, "1,23,45,678"),
    (1000000000, "1,00,00,00,000"), (-1, "-1"), (-999, "-999"), (-1000, "-1,000"),
    (-1234567, "-12,34,567"),
])
def test_group_indian(n: int, expected: str) -> None:
    assert group_indian(n) == expected


@pytest.mark.parametrize(("paise", "ascii_only", "expected"), [
    (0, False, "₹0.00"), (5, False, "₹0.05"), (99, False, "₹0.99"), (100, False, "₹1.00"),
    (12345650, False, "₹1,23,456.50"), (-50, False, "-₹0.50"),
    (-12345650, True, "-Rs.1,23,456.50"), (100000000, True, "Rs.10,00,000.00"),
])
def test_rupees(paise: int, ascii_only: bool, expected: str) -> None:
    assert rupees(paise, ascii_only=ascii_only) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("123456.50"), "1,23,456.5"), (12.3, "12.3"), (0, "0"), (Decimal("0.005"), "0.01"),
    (-2.5, "-2.5"), (Decimal("-0.001"), "0"), (1234567.891, "12,34,567.89"),
])
def test_decimal_indian(value: Decimal | float, expected: str) -> None:
    assert decimal_indian(value) == expected


@pytest.mark.parametrize(("wh", "language", "expected"), [
    (12500, "hi", "12.5 यूनिट"), (12500, "hi-Latn", "12.5 unit"), (12500, "en", "12.5 units"),
    (1000, "en", "1 unit"), (1000, "hi", "1 यूनिट"), (0, "en", "0 units"),
    (123456789, "en", "1,23,456.79 units"), (5, "en", "0.01 units"),
])
def test_units(wh: int, language: str, expected: str) -> None:
    assert units(wh, language) == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("hi", "27 नवंबर 2026"), ("hi-Latn", "27 Nov 2026"), ("en", "27 Nov 2026"),
    ("fr", "27 Nov 2026"),  # unknown languages read as English
])
def test_format_day(language: str, expected: str) -> None:
    assert format_day(date(2026, 11, 27), language) == expected


@pytest.mark.parametrize(("utc_hour", "minute", "hi", "latn", "en"), [
    (12, 0, "शाम 5:30", "shaam 5:30", "5:30 PM"),   # 17:30 IST
    (3, 30, "सुबह 9:00", "subah 9:00", "9:00 AM"),
    (8, 0, "दोपहर 1:30", "dopahar 1:30", "1:30 PM"),
    (18, 30, "रात 12:00", "raat 12:00", "12:00 AM"),  # not CLDR "मध्यरात्रि"/"midnight"
    (6, 30, "दोपहर 12:00", "dopahar 12:00", "12:00 PM"),
    (22, 29, "रात 3:59", "raat 3:59", "3:59 AM"), (22, 30, "सुबह 4:00", "subah 4:00", "4:00 AM"),
])
def test_format_clock_is_kolkata_time(utc_hour: int, minute: int, hi: str, latn: str,
                                      en: str) -> None:
    moment = datetime(2026, 11, 27, utc_hour, minute, tzinfo=UTC)
    assert (format_clock(moment, "hi"), format_clock(moment, "hi-Latn"),
            format_clock(moment, "en")) == (hi, latn, en)


def test_naive_datetimes_are_utc_and_other_zones_convert() -> None:
    naive = datetime(2026, 11, 27, 12, 0)
    plus_one = datetime(2026, 11, 27, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert format_clock(naive, "en") == format_clock(plus_one, "en") == "5:30 PM"


def test_format_moment_shows_date_unless_today_in_kolkata() -> None:
    moment = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 27 Nov 17:30 IST
    same_day = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)  # 28 Nov 00:30 IST: next day
    assert format_moment(moment, "hi", now=moment) == "शाम 5:30"
    assert format_moment(moment, "hi", now=same_day) == "27 नवंबर 2026, शाम 5:30"
    assert format_moment(moment, "en", now=same_day) == "27 Nov 2026, 5:30 PM"
    assert format_moment(moment, "hi-Latn", now=same_day) == "27 Nov 2026, shaam 5:30"
