"""Dates and periods beyond the phrase table: "28 November", "28 nov", "25/11", "नवंबर",
"२८ तारीख", "parso", "3 din pehle", "pichhle 10 din", "7 दिन का हिसाब", "monthly".

Values are clock-free strings, resolved against the turn's local date by
``nlu.entities.period.resolve`` (the NLU has no clock):

- ``date:--MM-DD`` (day and month, ISO 8601's year-less form), ``date:YYYY-MM-DD``,
  ``date:---DD`` (a day of the month: "28 tarikh");
- ``month:MM`` / ``month:YYYY-MM`` (a whole month: "november me kitna kata");
- ``days_ago:N`` / ``days_ahead:N`` ("parso", "3 din pehle"; future tense makes it ahead);
- ``last_days:N`` ("pichhle 10 din", "10 din ka hisab"; N = 7 gives ``last_7_days``);
- ``range:<date>/<date>`` ("28 nov se 30 nov tak", "1 se 15 tarikh tak"), dates as above
  without ``date:``; ``range:<date>/`` runs to today ("28 nov se", "since 28 nov");
- ``this_month`` for "monthly" / "mahine bhar".

Devanagari digits arrive as ASCII digits (``nlu.normalize``). A month name needs a day next
to it when it is also a common word ("may", "mai" = I, "march") or an abbreviation.
"""

from __future__ import annotations

import functools
import re
from datetime import date

from nlu.entities.numbers import word_kind, words_value
from nlu.entities.period import tense_near
from nlu.entities.tokens import Token
from nlu.normalize import Normalized, normalize_text

Found = tuple[str, str, int, int]

_MONTHS_RAW: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvari", "janwari", "janavari", "jnvri", "जनवरी"),
    2: ("february", "feb", "febuary", "farvari", "farwari", "farvary", "फरवरी", "फ़रवरी"),
    3: ("march", "mar", "marc", "मार्च"),
    4: ("april", "apr", "aprail", "aprel", "aprial", "अप्रैल", "अप्रेल", "एप्रिल"),
    5: ("may", "mai", "मई"),
    6: ("june", "jun", "joon", "जून"),
    7: ("july", "jul", "julai", "जुलाई"),
    8: ("august", "aug", "agast", "agust", "अगस्त"),
    9: ("september", "sep", "sept", "sitambar", "sitmbar", "sitamber", "सितंबर", "सितम्बर"),
    10: ("october", "oct", "aktubar", "aktoobar", "oktober", "aktubr", "अक्टूबर", "अक्तूबर"),
    11: ("november", "nov", "navambar", "navamber", "navmbar", "novembar", "नवंबर", "नवम्बर"),
    12: ("december", "dec", "disambar", "dismbar", "disamber", "dicembar", "दिसंबर", "दिसम्बर"),
}
#: Month words that are also ordinary words or abbreviations: a month alone only with a
#: postposition after them ("oct me", "march ka"); "mai" (= I, in) only with a day.
_NEEDS_DAY = frozenset(("may", "mai", "march", "mar", "marc", "jan", "feb", "apr", "jun",
                        "jul", "aug", "sep", "sept", "oct", "nov", "dec"))
_NEVER_ALONE = frozenset(("mai", "mar", "marc"))
_POSTPOSITIONS = frozenset(("me", "mein", "ka", "ki", "ke", "month", "mahina", "में", "का",
                            "की", "के", "महीने", "महीना"))
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_DAY_MARKERS = frozenset(("tarikh", "tareekh", "tarik", "tareek", "तारीख", "तारिख", "तारीक",
                          "date", "ko", "को"))
_OF = frozenset(("of",))
_DAY_WORDS = frozenset(("din", "दिन", "days", "day", "dino", "दिनों"))
_WEEK_WORDS = frozenset(("hafte", "hafta", "hafton", "week", "weeks", "हफ्ते", "हफ्ता",
                         "हफ्तों", "सप्ताह"))
_AGO = frozenset(("pehle", "pahle", "phle", "pehele", "पहले", "ago", "back"))
_LAST = frozenset(("pichle", "last", "past", "पिछले", "पिछला", "pichhle", "bite", "beete",
                   "बीते", "previous"))
_RELATIVE_DAYS = {"parso": 2, "parson": 2, "parsoon": 2, "parsun": 2, "parsu": 2, "parsho": 2,
                  "परसों": 2, "परसो": 2, "परसौं": 2, "narso": 3, "narson": 3, "नरसों": 3,
                  "नरसो": 3}
_PHRASES: dict[tuple[str, ...], str] = {
    ("day", "before", "yesterday"): "days_ago:2",
    ("todays",): "today",  # "today's" (the apostrophe is dropped)
    ("yesterdays",): "yesterday",
    ("monthly",): "this_month",
    ("month", "wise"): "this_month",
    ("mahina", "bhar"): "this_month",
    ("poore", "mahina"): "this_month",
    ("pure", "mahina"): "this_month",
    ("महीने", "भर"): "this_month",
    ("महीना", "भर"): "this_month",
    ("पूरे", "महीने"): "this_month",
}
MAX_DAYS = 366

_MONTHS: dict[str, int] | None = None


def _months() -> dict[str, int]:
    global _MONTHS
    if _MONTHS is None:
        _MONTHS = {normalize_text(w): m for m, words in _MONTHS_RAW.items() for w in words}
    return _MONTHS


@functools.cache
def _norm_set(words: frozenset[str]) -> frozenset[str]:
    """The word list as the parser sees it, folded once per process (not per message)."""
    return frozenset(normalize_text(w) for w in words)


@functools.cache
def _relative_days() -> dict[str, int]:
    return {normalize_text(k): v for k, v in _RELATIVE_DAYS.items()}


def _day(text: str) -> int | None:
    m = _ORDINAL.match(text)
    if m and 1 <= int(m.group(1)) <= 31:
        return int(m.group(1))
    return None


def _valid(day: int, month: int, year: int = 2024) -> bool:
    try:
        date(year, month, day)  # 2024 is a leap year: "29 Feb" is a valid year-less date
    except ValueError:
        return False
    return True


def _day_month(day: int, month: int, year: str | None) -> str | None:
    if year is not None:
        y = int(year) + (2000 if len(year) == 2 else 0)
        return f"date:{y:04d}-{month:02d}-{day:02d}" if _valid(day, month, y) else None
    return f"date:--{month:02d}-{day:02d}" if _valid(day, month) else None


def _count(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """A count at token i (digits or number words): (value, index of its last token)."""
    text = tokens[i].text
    if text.isdigit():
        return int(text), i
    j = i
    while j < len(tokens) and word_kind(tokens[j].text) in ("unit", "mult", "prefix"):
        j += 1
    if j == i:
        return None
    value = words_value([t.text for t in tokens[i:j]])
    if value is None or value != value.to_integral_value():
        return None
    return int(value), j - 1


def find_dates(tokens: list[Token], norm: Normalized, used: set[int]) -> list[Found]:
    """Date and period entities as (entity, value, first token, last token)."""
    months = _months()
    markers, of = _norm_set(_DAY_MARKERS), _norm_set(_OF)
    day_words, week_words = _norm_set(_DAY_WORDS), _norm_set(_WEEK_WORDS)
    ago, last = _norm_set(_AGO), _norm_set(_LAST)
    posts = _norm_set(_POSTPOSITIONS)
    relative = _relative_days()
    words = [t.text for t in tokens]
    n = len(words)
    found: list[Found] = []
    i = 0

    def free(*idx: int) -> bool:
        return all(0 <= k < n and k not in used for k in idx)

    def sep(k: int) -> str:
        """The original characters between token k and token k + 1."""
        a = norm.offsets[tokens[k].end - 1] + 1
        b = norm.offsets[tokens[k + 1].start]
        return norm.original[a:b].strip()

    def year_at(k: int) -> str | None:
        return words[k] if free(k) and _YEAR.match(words[k]) else None

    while i < n:
        if not free(i):
            i += 1
            continue
        w = words[i]
        hit: Found | None = None
        # "25/11", "25-11-2026", "28.11.2026"
        dotted = _DOTTED.match(w)
        if dotted:
            value = _day_month(int(dotted.group(1)), int(dotted.group(2)), dotted.group(3))
            hit = ("period", value, i, i) if value else None
        elif w.isdigit() and len(w) <= 2 and free(i + 1) and words[i + 1].isdigit() \
                and sep(i) in ("/", "-") and len(words[i + 1]) <= 2:
            end, year = i + 1, None
            if free(i + 2) and sep(i + 1) == sep(i) and re.match(r"^\d{2}$|^\d{4}$", words[i + 2]):
                end, year = i + 2, words[i + 2]
            value = _day_month(int(w), int(words[i + 1]), year)
            hit = ("period", value, i, end) if value else None
        elif (d := _day(w)) is not None:
            k = i + 1 + (1 if free(i + 1) and words[i + 1] in of else 0)
            if free(k) and words[k] in months:  # "28 november", "28th of nov", "28 nov 2025"
                year = year_at(k + 1)
                value = _day_month(d, months[words[k]], year)
                hit = ("period", value, i, k + (1 if year else 0)) if value else None
            elif free(i + 1) and words[i + 1] in markers and (i == 0 or words[i - 1] not in
                                                                 months):
                hit = ("period", f"date:---{d:02d}", i, i + 1)  # "28 tarikh", "28 ko"
        if hit is None and w in months:
            m = months[w]
            d = _day(words[i + 1]) if free(i + 1) else None
            if d is not None and not (free(i + 2) and words[i + 2] in day_words):
                year = year_at(i + 2)  # "november 28", "nov 28th 2025"
                value = _day_month(d, m, year)
                hit = ("period", value, i, i + 1 + (1 if year else 0)) if value else None
            elif w not in _NEEDS_DAY or (w not in _NEVER_ALONE and free(i + 1)
                                         and words[i + 1] in posts):  # "november", "oct me"
                year = year_at(i + 1)
                value = f"month:{year}-{m:02d}" if year else f"month:{m:02d}"
                hit = ("period", value, i, i + (1 if year else 0))
        if hit is None and w in relative:  # "parso", "परसों"
            ahead = tense_near(words, i) == "future"
            hit = ("period", f"days_{'ahead' if ahead else 'ago'}:{relative[w]}", i, i)
        if hit is None:
            start = i + 1 if w in last else i
            counted = _count(tokens, start) if free(start) else None
            if counted is not None:
                value_n, k = counted
                unit = words[k + 1] if free(k + 1) else ""
                days = value_n if unit in day_words else value_n * 7 if unit in week_words \
                    else 0
                if 1 <= days <= MAX_DAYS:
                    if free(k + 2) and words[k + 2] in ago and w not in last:
                        hit = ("period", f"days_ago:{days}", i, k + 2)  # "3 din pehle"
                    else:
                        name = "last_7_days" if days == 7 else f"last_days:{days}"
                        hit = ("period", name, i, k + 1)  # "pichhle 10 din", "10 din ka"
        if hit is None:
            for phrase, value in _PHRASES.items():
                if tuple(words[i:i + len(phrase)]) == phrase and free(*range(i, i + len(phrase))):
                    hit = ("period", value, i, i + len(phrase) - 1)
                    break
        if hit is not None:
            found.append(hit)
            i = hit[3] + 1
        else:
            i += 1
    return _ranges(found, words, used)


_FROM = frozenset(("from", "se", "से"))
_TO = frozenset(("se", "से", "to", "till", "until", "upto", "and"))
_UNTIL = frozenset(("tak", "तक", "till"))
_SINCE_AFTER = frozenset(("se", "से"))


def _ranges(found: list[Found], words: list[str], used: set[int]) -> list[Found]:
    """"28 nov se 30 nov tak", "25/11 to 28/11", "1 se 15 tarikh tak": one period
    ``range:<first>/<last>``; a bare first day takes the month of the last ("1 se 15 tarikh")."""
    out: list[Found] = []
    k = 0
    while k < len(found):
        cur = found[k]
        nxt = found[k + 1] if k + 1 < len(found) else None
        if nxt and cur[1].startswith("date:") and nxt[1].startswith("date:") \
                and nxt[2] - cur[3] == 2 and words[cur[3] + 1] in _TO:
            out.append(_range(cur[1], nxt[1], cur[2], nxt[3], words))
            k += 2
            continue
        d = _day(words[cur[2] - 2]) if cur[2] >= 2 and cur[1].startswith("date:") else None
        if d is not None and words[cur[2] - 1] in _TO and (cur[2] - 2) not in used \
                and not any(f[2] <= cur[2] - 2 <= f[3] for f in out):
            first = cur[1][:-2] + f"{d:02d}"  # the same month (or none) as the last day
            out.append(_range(first, cur[1], cur[2] - 2, cur[3], words))
            k += 1
            continue
        if cur[1].startswith("date:") and cur[3] + 1 < len(words) \
                and words[cur[3] + 1] in _SINCE_AFTER and (cur[3] + 1) not in used:
            out.append(("period", f"range:{cur[1][len('date:'):]}/", cur[2], cur[3] + 1))
        elif cur[1].startswith("date:") and cur[2] > 0 and words[cur[2] - 1] == "since":
            out.append(("period", f"range:{cur[1][len('date:'):]}/", cur[2] - 1, cur[3]))
        else:
            out.append(cur)
        k += 1
    return out


def _range(first: str, last: str, start: int, end: int, words: list[str]) -> Found:
    if start > 0 and words[start - 1] in _FROM:
        start -= 1
    if end + 1 < len(words) and words[end + 1] in _UNTIL:
        end += 1
    return ("period", f"range:{first[len('date:'):]}/{last[len('date:'):]}", start, end)
