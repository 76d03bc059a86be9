"""Money and numbers the Indian way: ₹1,23,456.78 (lakh grouping)."""

from __future__ import annotations


def group_indian(whole: int) -> str:
    """12345678 -> '1,23,45,678': last three digits, then pairs."""
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])


def rupees(paise: int, *, ascii_only: bool = False) -> str:
    """Format paise as rupees. `ascii_only` writes "Rs." (₹ forces Unicode SMS)."""
    sign = "-" if paise < 0 else ""
    whole, fraction = divmod(abs(int(paise)), 100)
    symbol = "Rs." if ascii_only else "₹"
    return f"{sign}{symbol}{group_indian(whole)}.{fraction:02d}"
