"""Outage notices to the consumers of the affected area: a service broadcast whose text
is a catalog key (start, expected restoration, reason), so each recipient reads it in
their own language; a "taking longer" notice when its expected restoration moves later;
and a "supply restored" notice when the outage is closed. The use cases that send them are
in `backend.engagement.outages`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.engagement.broadcasts.service import create_notice
from backend.engagement.broadcasts.spec import Segment
from backend.models import Broadcast, Circle, OutageNotice
from backend.platform.errors import InvalidInput

NOTICE, NOTICE_NO_TIME = "outage.notice", "outage.notice_no_time"
EXTENDED, RESTORED = "outage.extended", "outage.restored"


def _segment(session: Session, notice: OutageNotice) -> Segment:
    """The notice's area, most specific first (as `backend.care.outages.for_consumer`)."""
    if notice.subdivision_id is not None:
        return Segment(subdivision_id=notice.subdivision_id)
    if notice.division_id is not None:
        return Segment(division_id=notice.division_id)
    code = session.scalar(select(Circle.code).where(Circle.id == notice.circle_id))
    return Segment(circle=code)


def _area(notice: OutageNotice) -> str:
    if notice.subdivision_id is not None:
        return f"subdivision {notice.subdivision_id}"
    if notice.division_id is not None:
        return f"division {notice.division_id}"
    return f"circle {notice.circle_id}"


def _params(notice: OutageNotice) -> dict[str, str]:
    if not notice.reason.strip():
        raise InvalidInput("a notified outage needs a reason consumers can read "
                           "(e.g. --reason 'transformer repair')")
    params = {"reason": notice.reason, "start_at": notice.starts_at.isoformat()}
    if notice.expected_restore_at is not None:
        params["restore_at"] = notice.expected_restore_at.isoformat()
    return params


def outage_broadcast(session: Session, notice: OutageNotice, *, created_by: str,
                     now: datetime) -> Broadcast:
    """A draft notice of the outage for its area; the caller sends it."""
    params = _params(notice)
    key = NOTICE if "restore_at" in params else NOTICE_NO_TIME
    return create_notice(session, title=f"Outage {notice.id} ({_area(notice)})",
                         message_key=key, params=params, segment=_segment(session, notice),
                         created_by=created_by, now=now, outage_id=notice.id)


def extended_broadcast(session: Session, notice: OutageNotice, *, created_by: str,
                       now: datetime) -> Broadcast:
    """A draft "it will take longer, now expected back by …" notice for the same area."""
    if not notice.active or notice.expected_restore_at is None:
        raise InvalidInput(f"outage {notice.id} has no new expected restoration to announce")
    return create_notice(session, title=f"Outage {notice.id} extended ({_area(notice)})",
                         message_key=EXTENDED, params=_params(notice),
                         segment=_segment(session, notice), created_by=created_by, now=now,
                         outage_id=notice.id)


def restored_broadcast(session: Session, notice: OutageNotice, *, created_by: str,
                       now: datetime) -> Broadcast:
    """A draft "supply restored" notice for a closed outage's area."""
    if notice.active:
        raise InvalidInput(f"outage {notice.id} is still active: close it first")
    return create_notice(session, title=f"Outage {notice.id} restored ({_area(notice)})",
                         message_key=RESTORED, params={"reason": notice.reason},
                         segment=_segment(session, notice), created_by=created_by, now=now,
                         outage_id=notice.id)
