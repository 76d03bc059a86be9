"""When a cut may happen: grace, window, happy hours, Sundays and holidays (IST)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.metering.disconnection import (
    apply_disconnections,
    cut_intervals,
    earliest_cut,
    next_cut_time,
)
from backend.models import Account, EventKind, Meter, MeterEvent, MeterStatus
from tests.factories import make_consumer

IST = ZoneInfo("Asia/Kolkata")  # the default TIMEZONE


def ist(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=IST)


def test_default_window_is_eleven_to_one(rules):
    # Cut window 10:00-13:00 minus happy hours 17:30-11:00 leaves 11:00-13:00.
    assert cut_intervals(rules.disconnection, date(2026, 4, 1)) == [(660, 780)]


@pytest.mark.parametrize("earliest, expected", [
    (ist(2026, 4, 1, 9, 0), ist(2026, 4, 1, 11, 0)),     # Wed morning: wait for 11:00
    (ist(2026, 4, 1, 12, 15), ist(2026, 4, 1, 12, 15)),  # inside the window: now
    (ist(2026, 4, 1, 13, 0), ist(2026, 4, 2, 11, 0)),    # window just closed
    (ist(2026, 4, 4, 14, 0), ist(2026, 4, 6, 11, 0)),    # Sat afternoon: skip Sunday
    (ist(2026, 8, 14, 13, 30), ist(2026, 8, 17, 11, 0)),  # 15 Aug holiday, then Sunday
    (ist(2026, 1, 25, 20, 0), ist(2026, 1, 27, 11, 0)),  # 26 Jan holiday
])
def test_next_cut_time(rules, earliest, expected):
    assert next_cut_time(rules.disconnection, earliest, IST) == expected


def test_grace_period_counts_from_turning_negative(rules):
    negative = ist(2026, 4, 1, 12, 0)  # Wednesday noon
    now = ist(2026, 4, 1, 12, 5)
    # 72 h later is Saturday 12:00, inside the window.
    assert earliest_cut(rules.disconnection, negative, now, IST) == ist(2026, 4, 4, 12, 0)
    # Turning negative on Thursday noon: grace ends Sunday noon, so Monday 11:00.
    assert earliest_cut(rules.disconnection, ist(2026, 4, 2, 12), now, IST) == ist(2026, 4, 6, 11)


def test_one_off_holiday_from_config(rules):
    from dataclasses import replace

    custom = replace(rules.disconnection, holiday_dates=frozenset({date(2026, 4, 1)}))
    assert next_cut_time(custom, ist(2026, 4, 1, 9), IST) == ist(2026, 4, 2, 11)


def _negative_account(session_factory, since: datetime):
    with session_factory.begin() as s:
        c = make_consumer(s, balance_paise=-5000)
        s.get(Account, c.id).negative_since = since
    return c


def test_apply_disconnections_cuts_only_in_window_and_past_grace(session_factory, rules):
    due = _negative_account(session_factory, ist(2026, 3, 28, 12))
    fresh = _negative_account(session_factory, ist(2026, 4, 1, 9))
    outside = ist(2026, 4, 1, 18, 0)  # happy hours
    inside = ist(2026, 4, 1, 11, 30)
    with session_factory.begin() as s:
        assert apply_disconnections(s.connection(), rules.disconnection, outside, IST) == 0
    with session_factory.begin() as s:
        assert apply_disconnections(s.connection(), rules.disconnection, inside, IST) == 1
    with session_factory.begin() as s:  # nothing left to cut: idempotent
        assert apply_disconnections(s.connection(), rules.disconnection, inside, IST) == 0
    with session_factory() as s:
        status = dict(s.execute(select(Meter.consumer_id, Meter.status)).all())
        assert status == {due.id: MeterStatus.DISCONNECTED, fresh.id: MeterStatus.CONNECTED}
        events = s.scalars(select(MeterEvent)).all()
        assert [(e.consumer_id, e.kind) for e in events] == [(due.id, EventKind.DISCONNECTED)]
        assert events[0].at == inside.astimezone(UTC)


def test_search_gives_up_when_cuts_are_never_allowed(rules):
    from dataclasses import replace

    never = replace(rules.disconnection, no_cut_weekdays=frozenset(range(7)))
    assert next_cut_time(never, ist(2026, 4, 1, 9), IST) is None
