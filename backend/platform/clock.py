"""Time helpers: store UTC, reason about rules in local (IST) time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_day(moment: datetime, tz: ZoneInfo = IST) -> date:
    return moment.astimezone(tz).date()


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
