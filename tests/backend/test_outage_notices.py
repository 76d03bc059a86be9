"""Outage use cases (`backend.engagement.outages`) that the CLI and the staff API both call:
open and tell the area, extend with a notice to the same area, close with "restored";
a notice that cannot be written changes nothing; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.care import outages
from backend.engagement.outages import OutageArea, close_outage, extend_outage, open_outage
from backend.metering.registry import ensure_circle
from backend.models import Broadcast, Division, OutageNotice, OutboxMessage, Subdivision
from backend.platform.errors import Conflict, InvalidInput, NotFound
from bot.formatting import from_outbox
from bot.i18n import Renderer
from tests.factories import make_consumer

IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 11, 27, 14, 0, tzinfo=IST).astimezone(UTC)
PATNA = OutageArea(circle="PATNA")


def _outbox(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as s:
        return [(r.message_key, r.address, r.language) for r in
                s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_open_extend_close_each_tell_the_area(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        inside = make_consumer(s, language="en")
        outside = make_consumer(s)
        gaya = ensure_circle(s, discom_code="SBPDCL", discom_name="South Bihar",
                             discom_name_hi="दक्षिण बिहार", circle_code="GAYA",
                             circle_name="Gaya", circle_name_hi="गया")
        outside.circle_id = gaya.id
        phone = inside.mobile_e164
    opened = open_outage(session_factory, PATNA, now=NOW, reason="transformer repair",
                         expected_restore_at=NOW + timedelta(hours=2), staff="ops")
    assert opened.sent is not None and opened.sent.queued == 1 and opened.active
    later = NOW + timedelta(hours=5)
    extended = extend_outage(session_factory, opened.notice_id, expected_restore_at=later,
                             now=NOW + timedelta(hours=1), staff="ops")
    assert extended.expected_restore_at == later and extended.sent is not None
    closed = close_outage(session_factory, opened.notice_id, now=NOW + timedelta(hours=4),
                          staff="ops")
    assert not closed.active and closed.sent is not None and closed.sent.queued == 1
    assert _outbox(session_factory) == [("outage.notice", phone, "en"),
                                        ("outage.extended", phone, "en"),
                                        ("outage.restored", phone, "en")]
    with session_factory() as s:
        titles = list(s.scalars(select(Broadcast.title).order_by(Broadcast.id)))
        assert titles[1].startswith(f"Outage {opened.notice_id} extended")
        extension = s.scalars(select(OutboxMessage)
                              .where(OutboxMessage.message_key == "outage.extended")).one()
        assert datetime.fromisoformat(extension.params["restore_at"]) == later
        assert outages.active(s) == []


def test_the_extension_notice_reads_well_in_every_language(
        session_factory: sessionmaker[Session], worker_renderer: Renderer) -> None:
    with session_factory.begin() as s:
        make_consumer(s)
    opened = open_outage(session_factory, PATNA, now=NOW, reason="feeder fault",
                         notify=False)
    extend_outage(session_factory, opened.notice_id, now=NOW,
                  expected_restore_at=NOW + timedelta(hours=3), staff="ops")
    with session_factory() as s:
        row = s.scalars(select(OutboxMessage)).one()
    renderer = worker_renderer
    for language in ("hi", "hi-Latn", "en"):
        text = renderer.text(row.message_key, language, from_outbox(row.params), now=NOW)
        assert "1912" in text and "feeder fault" in text and "{" not in text
        assert "17:00" in text or "5:00" in text, text  # 14:00 IST + 3 h
    assert "और समय लगेगा" in renderer.text(row.message_key, "hi", from_outbox(row.params))


def test_a_notice_that_cannot_be_written_changes_nothing(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        make_consumer(s)
    with pytest.raises(InvalidInput, match="needs a reason"):
        open_outage(session_factory, PATNA, now=NOW, staff="ops")
    with pytest.raises(InvalidInput, match="staff member"):
        open_outage(session_factory, PATNA, now=NOW, reason="feeder", staff=" ")
    assert _count(session_factory, OutageNotice) == 0
    opened = open_outage(session_factory, PATNA, now=NOW, reason="feeder", notify=False,
                         expected_restore_at=NOW + timedelta(hours=2))
    assert opened.sent is None and _count(session_factory, Broadcast) == 0
    with pytest.raises(InvalidInput, match="staff member"):
        extend_outage(session_factory, opened.notice_id, now=NOW,
                      expected_restore_at=NOW + timedelta(hours=4))
    with pytest.raises(InvalidInput, match="staff member"):
        close_outage(session_factory, opened.notice_id, now=NOW)
    with session_factory() as s:
        notice = s.get(OutageNotice, opened.notice_id)
        assert notice is not None and notice.active
        assert notice.expected_restore_at == NOW + timedelta(hours=2)


def test_extensions_must_be_later_and_closed_outages_stay_closed(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        make_consumer(s)
    notice_id = open_outage(session_factory, PATNA, now=NOW, reason="feeder", notify=False,
                            expected_restore_at=NOW + timedelta(hours=2)).notice_id
    for when in (NOW + timedelta(hours=1), NOW + timedelta(hours=2), NOW - timedelta(hours=1)):
        with pytest.raises(InvalidInput):
            extend_outage(session_factory, notice_id, now=NOW, expected_restore_at=when,
                          notify=False)
    close_outage(session_factory, notice_id, now=NOW, notify=False)
    with pytest.raises(Conflict, match="already closed"):
        close_outage(session_factory, notice_id, now=NOW, staff="ops")
    with pytest.raises(Conflict, match="already closed"):
        extend_outage(session_factory, notice_id, now=NOW, staff="ops",
                      expected_restore_at=NOW + timedelta(hours=9))
    with pytest.raises(NotFound):
        close_outage(session_factory, 999_999, now=NOW, notify=False)
    assert _count(session_factory, Broadcast) == 0


def test_areas_are_checked_and_the_most_specific_is_told(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        there, elsewhere = make_consumer(s), make_consumer(s)
        division = Division(circle_id=there.circle_id, name="Patna East", name_hi="पटना पूर्व")
        s.add(division)
        s.flush()
        sub = Subdivision(division_id=division.id, name="Kankarbagh", name_hi="कंकड़बाग")
        s.add(sub)
        s.flush()
        there.subdivision_id = sub.id
        sub_id, phone = sub.id, there.mobile_e164
        assert elsewhere.subdivision_id is None
    for area, error in ((OutageArea(circle="NOWHERE"), "no circle NOWHERE"),
                        (OutageArea(division_id=987_654), "no division 987654"),
                        (OutageArea(subdivision_id=2**40), "no subdivision"),
                        (OutageArea(), "needs a circle, division or subdivision")):
        with pytest.raises((NotFound, InvalidInput), match=error):
            open_outage(session_factory, area, now=NOW, reason="x", staff="ops")
    opened = open_outage(session_factory, OutageArea(subdivision_id=sub_id), now=NOW,
                         reason="cable fault", staff="ops")
    assert opened.sent is not None and opened.sent.queued == 1
    assert _outbox(session_factory) == [("outage.notice_no_time", phone, "hi")]
