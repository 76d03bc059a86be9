"""Consumer (CA) numbers and meter numbers.

A CA number is 9-12 digits, typed in any digits and often split by spaces or dashes. A
bare 9-12 digit number is taken for a CA number unless the words just before it say it is
a mobile number or a meter number. Meter numbers are alphanumeric ids ("GP123456") or a
digit run right after "meter"/"मीटर".
"""

from __future__ import annotations

import re

from nlu.entities.tokens import Token


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CA_MIN_DIGITS = 9
CA_MAX_DIGITS = 12

_CA_WORDS = frozenset(
    _words(
    """
ca consumer upbhokta upabhokta account connection उपभोक्ता कंज्यूमर कनेक्शन खाता
कंजूमर
"""
)
)
_METER_WORDS = frozenset(["meter", "serial", "मीटर", "सीरियल"])
_PHONE_WORDS = _words(
    """
mobile phone mob fone whatsapp मोबाइल फोन फ़ोन otp
"""
)
_ALNUM = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9]{6,16}$")
_LETTERS = re.compile(r"^[a-z]{1,4}$")
_NOT_METER_SUFFIX = re.compile(r"^\d+(?:rs|k|inr|kwh|unit|units|din|days|am|pm|th|st|nd|rd)$")
_NOT_METER_PREFIX = re.compile(r"^(?:rs|ca|no|inr)\d+$")

Found = tuple[str, str, int, int]  # (entity, value, first token index, last token index)


def _context(tokens: list[Token], index: int, window: int = 4) -> str | None:
    """The nearest keyword kind (ca/meter/phone) in the few tokens before ``index``."""
    for j in range(index - 1, max(-1, index - 1 - window), -1):
        word = tokens[j].text
        if word in _PHONE_WORDS:
            return "phone"
        if word in _METER_WORDS:
            return "meter"
        if word in _CA_WORDS:
            return "ca"
    return None


def _digit_groups(tokens: list[Token], used: set[int]) -> list[list[int]]:
    """Runs of consecutive all-digit tokens (spaces/dashes inside a number split it)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.text.isdigit() and i not in used:
            current.append(i)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _split_run(tokens: list[Token], run: list[int]) -> list[list[int]]:
    """Pieces of a digit run that can be one CA number each (9-12 digits)."""
    pieces: list[list[int]] = []
    i = 0
    while i < len(run):
        first = len(tokens[run[i]].text)
        if CA_MIN_DIGITS <= first <= CA_MAX_DIGITS:
            pieces.append([run[i]])  # a whole number typed in one go stands alone
            i += 1
            continue
        best = 0
        total = 0
        for k in range(i, len(run)):
            total += len(tokens[run[k]].text)
            if total > CA_MAX_DIGITS:
                break
            if total >= CA_MIN_DIGITS:
                best = k - i + 1
        if best:
            pieces.append(run[i : i + best])
            i += best
        else:
            i += 1
    return pieces


def find_identifiers(tokens: list[Token]) -> list[Found]:
    """CA and meter numbers as (entity, value, first token, last token)."""
    found: list[Found] = []
    used: set[int] = set()
    for i, tok in enumerate(tokens):
        text = tok.text
        if (
            _ALNUM.match(text)
            and sum(ch.isdigit() for ch in text) >= 4
            and not _NOT_METER_SUFFIX.match(text)
            and not _NOT_METER_PREFIX.match(text)
        ):
            found.append(("meter_number", text.upper(), i, i))
            used.add(i)
        elif (
            _LETTERS.match(text)
            and i + 1 < len(tokens)
            and tokens[i + 1].text.isdigit()
            and len(tokens[i + 1].text) >= 5
            and _context(tokens, i) == "meter"
            and text not in ("no", "ka", "ki", "ke", "hai", "is", "id", "ca")
        ):
            found.append(("meter_number", (text + tokens[i + 1].text).upper(), i, i + 1))
            used.update((i, i + 1))
    for run in _digit_groups(tokens, used):
        context = _context(tokens, run[0])
        if context == "phone":
            continue
        if context == "meter":
            digits = "".join(tokens[k].text for k in run)
            if 5 <= len(digits) <= 16:
                found.append(("meter_number", digits, run[0], run[-1]))
            continue
        for piece in _split_run(tokens, run):
            digits = "".join(tokens[k].text for k in piece)
            found.append(("ca_number", digits, piece[0], piece[-1]))
    return found
