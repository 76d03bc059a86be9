"""When a meter may be cut: past the grace period, inside the cut window, outside happy
hours, not on a no-cut weekday or holiday, in local time (the TIMEZONE setting, passed as
`tz`). Applied set-based to all accounts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, insert, literal, select, update

from backend.metering.rules import DisconnectionRules
from backend.models import Account, EventKind, Meter, MeterEvent, MeterStatus

Interval = tuple[int, int]  # minutes of the local day, [start, end)
DAY = 24 * 60
SEARCH_DAYS = 60


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _span(start: time, end: time) -> list[Interval]:
    """A daily span as intervals of one day; an end before the start wraps past midnight."""
    s, e = _minutes(start), _minutes(end)
    return [(s, e)] if s < e else [(0, e), (s, DAY)]


def _subtract(spans: list[Interval], holes: list[Interval]) -> list[Interval]:
    result = spans
    for hs, he in holes:
        nxt: list[Interval] = []
        for s, e in result:
            if he <= s or hs >= e:
                nxt.append((s, e))
                continue
            if s < hs:
                nxt.append((s, hs))
            if he < e:
                nxt.append((he, e))
        result = nxt
    return result


def cut_intervals(rules: DisconnectionRules, day: date) -> list[Interval]:
    """The minutes of `day` (local) in which a cut is allowed."""
    if not rules.is_cut_day(day):
        return []
    window = _span(rules.window_start, rules.window_end)
    return _subtract(window, _span(rules.happy_start, rules.happy_end))


def next_cut_time(rules: DisconnectionRules, earliest: datetime,
                  tz: ZoneInfo) -> datetime | None:
    """First moment at or after `earliest` when a cut is allowed (None if none in 60 days)."""
    local = earliest.astimezone(tz)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        midnight = datetime.combine(day, time(0), tz)
        for start, end in cut_intervals(rules, day):
            begin = midnight + timedelta(minutes=start)
            finish = midnight + timedelta(minutes=end)
            if finish > local:
                return max(begin, local)
    return None


def earliest_cut(rules: DisconnectionRules, negative_since: datetime, now: datetime,
                 tz: ZoneInfo) -> datetime | None:
    """When an account negative since `negative_since` can be cut, seen from `now`."""
    grace_end = negative_since + timedelta(hours=rules.grace_hours)
    return next_cut_time(rules, max(grace_end, now), tz)


def negative_since_bound(rules: DisconnectionRules, now: datetime, within: timedelta,
                         tz: ZoneInfo) -> tuple[datetime, bool] | None:
    """`earliest_cut(rules, ns, now, tz) <= now + within` as a bound on `ns`, so a scan can
    test it in SQL: (bound, inclusive) meaning ns <= bound (or ns < bound), None if no
    `ns` qualifies.

    The cut moment t = max(ns + grace, now) qualifies when a cut interval [b, e) with
    b <= deadline has e > t, and t <= deadline; with E the latest such e that is
    ns + grace <= deadline if E > deadline, else ns + grace < E."""
    deadline = now + within
    first, last = now.astimezone(tz).date(), deadline.astimezone(tz).date()
    latest: datetime | None = None
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        midnight = datetime.combine(day, time(0), tz)
        for start, end in cut_intervals(rules, day):
            if midnight + timedelta(minutes=start) <= deadline:
                finish = midnight + timedelta(minutes=end)
                latest = finish if latest is None else max(latest, finish)
    if latest is None or latest <= now:
        return None
    grace = timedelta(hours=rules.grace_hours)
    if latest > deadline:
        return deadline - grace, True
    return latest - grace, False


def can_cut_now(rules: DisconnectionRules, now: datetime, tz: ZoneInfo) -> bool:
    return next_cut_time(rules, now, tz) == now.astimezone(tz)


def apply_disconnections(conn: Connection, rules: DisconnectionRules, now: datetime,
                         tz: ZoneInfo, *, respect_window: bool = True) -> int:
    """Disconnect every connected meter whose account is negative past the grace period.

    Does nothing outside the allowed cut window (the demo seeder alone passes
    `respect_window=False`, to show history as if the window had come). Returns how many
    meters were cut."""
    if respect_window and not can_cut_now(rules, now, tz):
        return 0
    meters, accounts, events = Meter.__table__, Account.__table__, MeterEvent.__table__
    due = and_(
        meters.c.consumer_id == accounts.c.consumer_id,
        meters.c.status == MeterStatus.CONNECTED.value,
        accounts.c.balance_paise < 0,
        accounts.c.negative_since <= now - timedelta(hours=rules.grace_hours),
    )
    conn.execute(insert(events).from_select(
        ["consumer_id", "kind", "at", "balance_paise"],
        select(accounts.c.consumer_id, literal(EventKind.DISCONNECTED.value),
               literal(now, MeterEvent.at.type), accounts.c.balance_paise)
        .select_from(accounts.join(meters, meters.c.consumer_id == accounts.c.consumer_id))
        .where(due),
    ))
    return conn.execute(
        update(meters).where(due).values(status=MeterStatus.DISCONNECTED.value, status_since=now)
    ).rowcount
