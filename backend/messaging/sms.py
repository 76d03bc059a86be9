"""SMS awareness: GSM-7 or UCS-2, segment counts, and ASCII stand-ins for ₹ and smart
punctuation. Pure, so bot rendering and backend broadcast previews share it. One Devanagari
letter (or a ₹) turns a whole SMS into UCS-2: 70 characters a segment instead of 160, so
Hindi SMS cost 2-3x (docs/ARCHITECTURE.md, "Messaging in India")."""

from __future__ import annotations

import math
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 basic character set (without ESC) and the extension table (ESC + char: two
# septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}  # the concatenation header takes the rest

# Replacements that keep an otherwise GSM-7 text GSM-7.
_ASCII = str.maketrans({
    "₹": "Rs.", "‘": "'", "’": "'", "‚": ",", "′": "'", "“": '"', "”": '"', "„": '"',
    "″": '"', "–": "-", "—": "-", "‒": "-", "−": "-", "‐": "-", "‑": "-", "…": "...",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "", "\u200c": "", "\u200d": "",
    "•": "-", "·": ".",
})


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic or extension table."""
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def encoding(text: str) -> Encoding:
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def length(text: str, enc: Encoding | None = None) -> int:
    """Length in the encoding's units: septets (extension chars count 2) or UTF-16 units
    (characters outside the BMP, such as emoji, count 2)."""
    enc = enc or encoding(text)
    if enc == "GSM-7":
        return sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """Billable SMS parts: 160/153 septets in GSM-7, 70/67 characters in UCS-2; 0 for "".
    (Carriers never split an escape pair or a surrogate pair; the rare extra part that
    costs is ignored here.)"""
    enc = encoding(text)
    n = length(text, enc)
    if n == 0:
        return 0
    return 1 if n <= SINGLE[enc] else math.ceil(n / PART[enc])


def to_gsm_safe(text: str) -> str:
    """₹ -> "Rs.", smart quotes/dashes/ellipsis -> ASCII, but only when that makes the
    whole text GSM-7; a text that is UCS-2 anyway (Devanagari) keeps its ₹."""
    if is_gsm7(text):
        return text
    replaced = text.translate(_ASCII)
    return replaced if is_gsm7(replaced) else text
