"""Time helpers: store UTC, reason about rules in local time.

Local time is the `TIMEZONE` setting (Backend.tz), passed in by the caller: nothing here
assumes a zone, so a discom outside India changes one setting, not code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def hhmm(value: object) -> time:
    """"21:00" -> time(21, 0); ValueError with the value when it is not HH:MM."""
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"bad time {value!r}, expected HH:MM") from exc


@dataclass(frozen=True)
class LocalHours:
    """Daily local hours [start, end); an end before the start wraps past midnight
    (21:00-08:00 is the night). Used for quiet hours and the promotional window."""

    start: time
    end: time

    @classmethod
    def parse(cls, start: object, end: object) -> LocalHours:
        return cls(hhmm(start), hhmm(end))

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        local = moment.astimezone(tz).time().replace(tzinfo=None)
        s, e = self.start, self.end
        return (s <= local < e) if s < e else (local >= s or local < e)

    def _next(self, moment: datetime, at: time, tz: ZoneInfo) -> datetime:
        local = moment.astimezone(tz)
        out = datetime.combine(local.date(), at, tz)
        if out <= local:
            out = datetime.combine(local.date() + timedelta(days=1), at, tz)
        return out.astimezone(moment.tzinfo)

    def next_start(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """`moment` inside the hours, else the next local start (in `moment`'s zone)."""
        return moment if self.contains(moment, tz) else self._next(moment, self.start, tz)

    def next_end(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """`moment` outside the hours, else the local end they wait for."""
        return self._next(moment, self.end, tz) if self.contains(moment, tz) else moment
