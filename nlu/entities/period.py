""""kal"/"कल" means yesterday or tomorrow; the verb's tense tells which.

Past markers (tha, gaya, hua, kata, था, गया ...) make it yesterday; future markers
(hoga, aayega, karunga, होगा, -ega/-egi/-enge/-गा ...) make it tomorrow. With no marker it
is yesterday: a bare "kal" in a balance/usage question ("kal ka kharcha") means the past.

`resolve` turns any period value (these, the phrase table's, and ``dates.py``'s) into the
local calendar days it names, given the local date of the turn's clock: the NLU itself has
no clock, so "28 December" stays year-less until the dialogue asks on 2 January.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from nlu.entities.tokens import Token


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_KAL = frozenset(("kal", "कल"))
_PAST = frozenset(
    _words(
    """
tha thi the gaya hua kata kiya kiye liya diya aaya aayi aya ayi laga lagi chala chali
raha_tha was were did था थी थे गया गई गयी गए हुआ हुई हुए कटा कटी कटे किया लिया दिया आया
आई लगा लगी चला चली
"""
)
)
_FUTURE = frozenset(
    ["hoga", "hogi", "honge", "will", "tomorrow", "होगा", "होगी", "होंगे"]
)
_FUTURE_ROMAN = re.compile(r"^[a-z]{2,}(?:ega|egi|enge|unga|ungi|oge|enge|ayega|aega)$")
_FUTURE_DEV = re.compile(r"^[\u0900-\u097f]{2,}(?:गा|गी|गे)$")

Found = tuple[str, str, int, int]


def tense(word: str) -> str | None:
    """"past" or "future" if the (normalised) word marks a tense, else None."""
    return _tense(word)


def _tense(word: str) -> str | None:
    if word in _PAST:
        return "past"
    if word in _FUTURE or _FUTURE_ROMAN.match(word) or _FUTURE_DEV.match(word):
        return "future"
    return None


def tense_near(words: list[str], i: int) -> str | None:
    """"past", "future" or None: the first tense marker after word i, else before it."""
    for j in list(range(i + 1, len(words))) + list(range(i - 1, -1, -1)):
        tense = _tense(words[j])
        if tense:
            return tense
    return None


def find_kal(tokens: list[Token]) -> list[Found]:
    """Each "kal" as a period entity, yesterday or tomorrow by the nearest tense marker."""
    found: list[Found] = []
    words = [t.text for t in tokens]
    for i, word in enumerate(words):
        if word not in _KAL:
            continue
        tense = tense_near(words, i)
        found.append(("period", "tomorrow" if tense == "future" else "yesterday", i, i))
    return found


@dataclass(frozen=True, slots=True)
class Span:
    """A resolved period: the days `first`..`last` (inclusive) of the local calendar."""

    first: date
    last: date

    @property
    def one_day(self) -> bool:
        return self.first == self.last


_RANGES = frozenset(("this_month", "last_month", "last_7_days"))


def is_range(value: str) -> bool:
    """Whether a period value names several days ("monthly", "7 din") rather than one,
    even when only one of them has come yet (the 1st of the month)."""
    return value in _RANGES or value.partition(":")[0] in ("last_days", "month", "range")


#: A year-less date more than this far ahead is last year's ("28 December" on 2 January).
AHEAD_MAX = timedelta(days=31)


def resolve(value: str, today: date) -> Span | None:
    """The days a period value means on the local date `today`; None for values that name
    no calendar days (or an impossible date such as "31 ko" after a 30-day month)."""
    try:
        return _resolve(value, today)
    except ValueError:
        return None


def _resolve(value: str, today: date) -> Span | None:
    fixed = {"today": 0, "yesterday": -1, "tomorrow": 1}
    if value in fixed:
        day = today + timedelta(days=fixed[value])
        return Span(day, day)
    if value == "last_7_days":
        value = "last_days:7"
    if value in ("this_month", "last_month"):
        first = today.replace(day=1)
        if value == "last_month":
            first = (first - timedelta(days=1)).replace(day=1)
            return Span(first, _month_end(first))
        return Span(first, today)
    kind, _, arg = value.partition(":")
    if kind == "days_ago":
        day = today - timedelta(days=int(arg))
        return Span(day, day)
    if kind == "days_ahead":
        day = today + timedelta(days=int(arg))
        return Span(day, day)
    if kind == "last_days":
        return Span(today - timedelta(days=int(arg)), today - timedelta(days=1))
    if kind == "month":
        year, _, month = arg.rpartition("-")
        m = int(month)
        y = int(year) if year else today.year if m <= today.month else today.year - 1
        first = date(y, m, 1)
        return Span(first, _month_end(first))
    if kind == "date":
        return _date(arg, today)
    if kind == "range":  # "28 dec se 2 jan tak": each end as a date, in order; open: today
        a, b = (_date(x, today).first if x else today for x in arg.split("/"))
        return Span(min(a, b), max(a, b))
    return None


def _date(arg: str, today: date) -> Span:
    if arg.startswith("---"):  # a day of the month: this month's, or last month's if ahead
        d = int(arg[3:])
        month = today.replace(day=1)
        if d > today.day:
            month = (month - timedelta(days=1)).replace(day=1)
        day = month.replace(day=d)
    elif arg.startswith("--"):  # day and month: this year's, or last year's if far ahead
        m, d = (int(x) for x in arg[2:].split("-"))
        day = _this_or_last_year(today, m, d)
    else:
        day = date.fromisoformat(arg)
    return Span(day, day)


def _this_or_last_year(today: date, month: int, day: int) -> date:
    try:
        this = date(today.year, month, day)
    except ValueError:  # 29 February outside a leap year: the last one that existed
        for year in range(today.year - 1, today.year - 5, -1):
            if (month, day) == (2, 29) and year % 4 == 0 and (year % 100 or year % 400 == 0):
                return date(year, month, day)
        raise
    return this if this - today <= AHEAD_MAX else date(today.year - 1, month, day)


def _month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
