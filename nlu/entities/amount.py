"""Money amounts: "₹500", "Rs.500", "500 rupaye", "पांच सौ रुपये", "ek hazaar", "1.5k".

A number is money when a currency word is next to it, when it is a number word with a
multiplier ("do sau", "ek hazaar"), or when a plain number sits near a recharge/payment
word ("500 ka recharge"). Numbers followed by units ("125 unit", "7 din") are not money.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from nlu.entities.numbers import format_decimal, word_kind, words_value
from nlu.entities.tokens import Token


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CURRENCY = frozenset(("rs", "रुपये", "रु", "₹"))
_MONEY_CONTEXT = frozenset(
    _words(
    """
recharge रिचार्ज pay paid payment jama bhara bhare dala daala kata कटा कटे कट deduct
deducted deduction topup top bhugtan भुगतान जमा
"""
)
)
_NOT_MONEY_NEXT = frozenset(
    _words(
    """
unit units यूनिट din days दिन ghante ghanta hours hour घंटे baje बजे tarikh तारीख saal
साल mahine महीने minute minutes मिनट sec second seconds percent % kw kwh watt number
नंबर
"""
)
)
_LINKERS = frozenset(["ka", "ki", "ke", "का", "की", "के"])
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_K_SUFFIX = re.compile(r"^(\d+(?:\.\d+)?)k$")
_RS_PREFIX = re.compile(r"^rs(\d+(?:\.\d+)?)$")
_RS_SUFFIX = re.compile(r"^(\d+(?:\.\d+)?)(?:rs|rupees|rupaye|/-)$")
MAX_PLAIN_DIGITS = 6

Found = tuple[str, str, int, int]


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def find_amounts(tokens: list[Token], used: set[int]) -> list[Found]:
    """Amount entities as (entity, value, first token, last token)."""
    found: list[Found] = []
    n = len(tokens)
    i = 0
    while i < n:
        if i in used:
            i += 1
            continue
        text = tokens[i].text
        glued = _K_SUFFIX.match(text) or _RS_PREFIX.match(text) or _RS_SUFFIX.match(text)
        if glued:
            value = _number(glued.group(1))
            if value is not None:
                if text.endswith("k"):
                    value *= 1000
                found.append(("amount", format_decimal(value), i, i))
            i += 1
            continue
        is_digit = bool(_NUMBER.match(text))
        kind = word_kind(text)
        if not is_digit and kind is None:
            i += 1
            continue
        # Extend the run: number words and multipliers (after digits: multipliers only).
        j = i + 1
        while j < n and j not in used:
            k = word_kind(tokens[j].text)
            if k is None or (is_digit and k != "mult"):
                break
            j += 1
        run = [t.text for t in tokens[i:j]]
        value = words_value(run[1:], _number(text)) if is_digit else words_value(run)
        has_mult = any(word_kind(t) == "mult" for t in run)
        first, last = i, j - 1
        before = tokens[i - 1].text if i > 0 else ""
        after = tokens[j].text if j < n else ""
        money = False
        if before in _CURRENCY and (i - 1) not in used:
            first, money = i - 1, True
        if after in _CURRENCY:
            last, money = j, True
        if not money and after not in _NOT_MONEY_NEXT:
            words_only = not is_digit
            if has_mult and (len(run) > 1 or is_digit):
                money = True
            elif is_digit and len(text.split(".")[0]) <= MAX_PLAIN_DIGITS and not words_only:
                money = _near_money_word(tokens, i, j)
        if money and value is not None and value > 0:
            found.append(("amount", format_decimal(value), first, last))
            i = last + 1
        else:
            i = j
    return found


def _near_money_word(tokens: list[Token], start: int, end: int) -> bool:
    """A recharge/payment word within two tokens (skipping ka/ki/ke) of the number."""
    lo, hi = max(0, start - 2), min(len(tokens), end + 3)
    for k in range(lo, hi):
        if start <= k < end:
            continue
        word = tokens[k].text
        if word in _MONEY_CONTEXT:
            return True
        if word in _LINKERS:
            continue
    return False
