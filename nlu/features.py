"""Feature strings for the intent classifier: word 1-2-grams and char_wb 2-5-grams.

Word n-grams carry meaning; character n-grams absorb the spellings the normaliser did not
catch ("blence", "rechaarj") and Devanagari inflections. Digits become "0" so that a CA
number or amount says "there is a number here" without adding noise.
"""

from __future__ import annotations

import re

from nlu.normalize import normalize_text

MIN_CHAR_N = 2
MAX_CHAR_N = 5
_DIGIT = re.compile(r"\d")
_DIGITS_RUN = re.compile(r"0{3,}")


def feature_text(text: str) -> str:
    """The normalised text the classifier sees."""
    return fold_digits(normalize_text(text))


def fold_digits(normalised: str) -> str:
    """Digits to "0", long runs to "000": a number's presence matters, not its value."""
    return _DIGITS_RUN.sub("000", _DIGIT.sub("0", normalised))


def analyze(text: str) -> list[str]:
    """Feature strings of one (already feature_text-ed) message."""
    words = text.split()
    feats = ["w:" + w for w in words]
    feats.extend("b:" + a + " " + b for a, b in zip(words, words[1:], strict=False))
    for w in words:
        padded = f" {w} "
        size = len(padded)
        for n in range(MIN_CHAR_N, min(MAX_CHAR_N, size) + 1):
            feats.extend("c:" + padded[i : i + n] for i in range(size - n + 1))
    return feats
