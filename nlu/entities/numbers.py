"""Number words in Hindi (Devanagari and roman) and English, for amounts like "do sau".

Values are Decimals; callers decide whether a number is money by context. Words that are
also common words ("saath" = with, "so") are left out on purpose.
"""

from __future__ import annotations

from decimal import Decimal

from nlu.normalize import normalize_text

_UNITS_RAW: dict[int, tuple[str, ...]] = {
    1: ("ek", "एक", "one"),
    2: ("do", "दो", "two"),
    3: ("teen", "tin", "तीन", "three"),
    4: ("char", "chaar", "चार", "four"),
    5: ("panch", "paanch", "पांच", "पाँच", "five"),
    6: ("chhe", "chhah", "chah", "छह", "छः", "छै", "six"),
    7: ("saat", "सात", "seven"),
    8: ("aath", "आठ", "eight"),
    9: ("nau", "नौ", "nine"),
    10: ("das", "दस", "ten"),
    11: ("gyarah", "ग्यारह", "eleven"),
    12: ("barah", "बारह", "twelve"),
    13: ("terah", "तेरह", "thirteen"),
    14: ("chaudah", "चौदह", "fourteen"),
    15: ("pandrah", "पंद्रह", "पन्द्रह", "fifteen"),
    16: ("solah", "सोलह", "sixteen"),
    17: ("satrah", "सत्रह", "seventeen"),
    18: ("atharah", "अठारह", "eighteen"),
    19: ("unnis", "उन्नीस", "nineteen"),
    20: ("bees", "bis", "बीस", "twenty"),
    25: ("pachchis", "pachis", "पच्चीस", "twenty five"),
    30: ("tees", "तीस", "thirty"),
    40: ("chalis", "chaalis", "चालीस", "forty"),
    50: ("pachas", "pachaas", "पचास", "fifty"),
    60: ("साठ", "sixty"),
    70: ("sattar", "सत्तर", "seventy"),
    75: ("pachattar", "पचहत्तर", "seventy five"),
    80: ("assi", "अस्सी", "eighty"),
    90: ("nabbe", "नब्बे", "ninety"),
}
_MULTIPLIERS_RAW: dict[int, tuple[str, ...]] = {
    100: ("sau", "सौ", "hundred"),
    1000: ("hazaar", "हजार", "thousand", "k"),
    100000: ("lakh", "lac", "लाख"),
}
# Fractions that prefix a multiplier: "dedh sau" = 150, "dhai hazaar" = 2500.
_FRACTIONS_RAW: dict[str, tuple[str, ...]] = {
    "1.5": ("dedh", "derh", "डेढ़", "डेढ"),
    "2.5": ("dhai", "dhaai", "ढाई"),
}
# Additive prefixes: "sawa sau" = 125, "saadhe teen sau" = 350.
_PREFIXES_RAW: dict[str, tuple[str, ...]] = {
    "0.25": ("sawa", "सवा"),
    "0.5": ("saadhe", "sade", "saade", "साढ़े", "साढे"),
}


def _index(raw: dict[object, tuple[str, ...]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for value, words in raw.items():
        for word in words:
            if " " not in word:
                out[normalize_text(word)] = Decimal(str(value))
    return out


_UNITS: dict[str, Decimal] | None = None
_MULTIPLIERS: dict[str, Decimal] | None = None
_FRACTIONS: dict[str, Decimal] | None = None
_PREFIXES: dict[str, Decimal] | None = None


def _tables() -> tuple[dict[str, Decimal], ...]:
    global _UNITS, _MULTIPLIERS, _FRACTIONS, _PREFIXES
    if _UNITS is None:
        _UNITS = _index(_UNITS_RAW)  # type: ignore[arg-type]
        _MULTIPLIERS = _index(_MULTIPLIERS_RAW)  # type: ignore[arg-type]
        _FRACTIONS = _index(_FRACTIONS_RAW)  # type: ignore[arg-type]
        _PREFIXES = _index(_PREFIXES_RAW)  # type: ignore[arg-type]
    return _UNITS, _MULTIPLIERS, _FRACTIONS, _PREFIXES  # type: ignore[return-value]


def word_kind(token: str) -> str | None:
    """``unit``, ``mult``, ``fraction``, ``prefix`` or None for a normalised token."""
    units, mults, fractions, prefixes = _tables()
    if token in units:
        return "unit"
    if token in mults:
        return "mult"
    if token in fractions:
        return "fraction"
    if token in prefixes:
        return "prefix"
    return None


def words_value(tokens: list[str], start: Decimal | None = None) -> Decimal | None:
    """Value of a run of number words (optionally after a digit value), or None."""
    units, mults, fractions, prefixes = _tables()
    total = Decimal(0)
    current = start if start is not None else Decimal(0)
    pending_prefix = Decimal(0)
    seen = start is not None
    for tok in tokens:
        if tok in units:
            current += units[tok] + pending_prefix
            pending_prefix = Decimal(0)
        elif tok in fractions:
            current += fractions[tok]
        elif tok in prefixes:
            pending_prefix = prefixes[tok]
            if tok in ("sawa", "सवा"):
                current += Decimal(1) + pending_prefix
                pending_prefix = Decimal(0)
        elif tok in mults:
            m = mults[tok]
            base = current if current else Decimal(1)
            if m == 100:
                current = base * m
            else:
                total += base * m
                current = Decimal(0)
        else:
            return None
        seen = True
    return total + current if seen else None


def format_decimal(value: Decimal) -> str:
    """"500" for whole numbers, "12.5" otherwise (no exponent, no trailing zeros)."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
