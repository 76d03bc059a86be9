"""Money, numbers, energy, dates and times the Indian way, per language.

Pure functions of their inputs: the language is always an argument (never a process-wide
locale) so one process can answer a Hindi and an English consumer in the same second."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time

KOLKATA = ZoneInfo("Asia/Kolkata")

# Babel locale and patterns per reply language. Hindi spells the month out (the CLDR
# abbreviations look clipped); English and romanized Hindi use "27 Nov 2026", which stays
# GSM-7 on SMS.
_DATE = {"hi": ("hi", "d MMMM y"), "hi-Latn": ("en", "d MMM y"), "en": ("en", "d MMM y")}
# Hindi names the part of the day before a 12-hour time (शाम 5:30). CLDR's "B" pattern does
# too, but says "मध्यरात्रि"/"midnight" and "noon" at exactly 0:00 and 12:00; people say
# रात 12:00 and दोपहर 12:00, so the periods are ours: (first hour, hi, hi-Latn).
_PERIODS = ((0, "रात", "raat"), (4, "सुबह", "subah"), (12, "दोपहर", "dopahar"),
            (16, "शाम", "shaam"), (20, "रात", "raat"))
_UNIT = {"hi": ("यूनिट", "यूनिट"), "hi-Latn": ("unit", "unit"), "en": ("unit", "units")}


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer paise; rendered as ₹1,23,456.50 (or Rs. on GSM-7 SMS)."""

    paise: int


@dataclass(frozen=True, slots=True)
class Units:
    """Energy in integer watt-hours; rendered in units (kWh), the word on the bill.
    `exact`: every digit the meter gave (at least two decimals, up to three), for
    "units × rate = amount" lines that must multiply out to the amount shown."""

    wh: int
    exact: bool = False


def from_outbox(params: Mapping[str, Any]) -> dict[str, Any]:
    """Outbox params (JSON, often built in SQL by set-based scans) as render params: a
    `<name>_paise` int becomes `<name>` as Money, a `<name>_at` ISO string a datetime;
    `_`-prefixed keys are delivery hints and are dropped."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key.startswith("_"):
            continue
        if key.endswith("_paise") and isinstance(value, int) and not isinstance(value, bool):
            out[key.removesuffix("_paise")] = Money(value)
        elif key.endswith("_at") and isinstance(value, str):
            try:
                out[key] = datetime.fromisoformat(value)
            except ValueError:
                out[key] = value
        else:
            out[key] = value
    return out


def group_indian(whole: int) -> str:
    """12345678 -> '1,23,45,678': last three digits, then pairs (lakh, crore)."""
    sign = "-" if whole < 0 else ""
    digits = str(abs(int(whole)))
    if len(digits) <= 3:
        return sign + digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return sign + ",".join([head, *pairs, tail])


def rupees(paise: int, *, ascii_only: bool = False) -> str:
    """Format paise as rupees. `ascii_only` writes "Rs." (₹ forces Unicode SMS)."""
    sign = "-" if paise < 0 else ""
    whole, fraction = divmod(abs(int(paise)), 100)
    symbol = "Rs." if ascii_only else "₹"
    return f"{sign}{symbol}{group_indian(whole)}.{fraction:02d}"


def decimal_indian(value: Decimal | float | int, places: int = 2) -> str:
    """Round half-up to at most `places` decimals, drop trailing zeros, group the whole
    part: Decimal("123456.50") -> '1,23,456.5'. Floats go through str() to avoid binary
    noise (12.3 stays 12.3)."""
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    frac = frac.rstrip("0")
    return f"{sign}{group_indian(int(whole))}" + (f".{frac}" if frac else "")


def units(wh: int, language: str, *, exact: bool = False) -> str:
    """Watt-hours as units: 12500 -> '12.5 यूनिट' / '12.5 unit' / '12.5 units'; exact:
    4002 -> '4.002 units', 4000 -> '4.00 units' (never rounded to '4')."""
    amount = Decimal(int(wh)) / 1000
    one, many = _UNIT.get(language, _UNIT["en"])
    text = decimal_indian(amount)
    if exact:  # Wh are whole: three decimals hold every digit
        whole, _, frac = decimal_indian(amount, 3).partition(".")
        text = f"{whole}.{frac.ljust(2, '0')}"
    return f"{text} {one if amount == 1 else many}"


def format_day(value: date, language: str) -> str:
    """A calendar date: '27 नवंबर 2026' / '27 Nov 2026'."""
    loc, pattern = _DATE.get(language, _DATE["en"])
    return _babel_date(value, pattern, locale=loc)


def local_time(value: datetime, tz: tzinfo = KOLKATA) -> datetime:
    """An instant in local time; naive datetimes are taken as UTC (how we store them)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def format_clock(value: datetime, language: str, tz: tzinfo = KOLKATA) -> str:
    """Local wall-clock time: 'शाम 5:30' / 'shaam 5:30' / '5:30 PM'."""
    local = local_time(value, tz)
    if language not in ("hi", "hi-Latn"):
        return _babel_time(local.time(), "h:mm a", locale="en")
    _, hi, latn = next(p for p in reversed(_PERIODS) if local.hour >= p[0])
    return f"{hi if language == 'hi' else latn} {local.hour % 12 or 12}:{local.minute:02d}"


def format_moment(value: datetime, language: str, *, now: datetime | None = None,
                  tz: tzinfo = KOLKATA) -> str:
    """An instant for a reader in `tz`: only the time when it falls on today's local date
    (short, and 'today' reads naturally), else '27 नवंबर 2026, शाम 5:30'."""
    local = local_time(value, tz)
    today = local_time(now or datetime.now(UTC), tz).date()
    clock = format_clock(local, language, tz)
    if local.date() == today:
        return clock
    return f"{format_day(local.date(), language)}, {clock}"
