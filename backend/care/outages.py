"""Outage notices: a known supply interruption for a circle, division or subdivision, with
the expected restoration time. Complaint triage answers "no light" with the notice for the
consumer's area instead of filing a ticket. Staff add, extend and close notices through
`backend.engagement.outages`, which also tells the area's consumers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.models import Circle, Consumer, Division, OutageNotice, Subdivision
from backend.platform.errors import Conflict, InvalidInput, NotFound


def circle_id(session: Session, code: str) -> int:
    """The id of the circle with this code (as staff type it, e.g. PATNA)."""
    found = session.scalar(select(Circle.id).where(Circle.code == code.strip().upper()))
    if found is None:
        raise NotFound(f"no circle {code}")
    return found


def add(session: Session, *, now: datetime, circle_id: int | None = None,
        division_id: int | None = None, subdivision_id: int | None = None,
        expected_restore_at: datetime | None = None, reason: str = "",
        starts_at: datetime | None = None) -> OutageNotice:
    if circle_id is None and division_id is None and subdivision_id is None:
        raise InvalidInput("an outage needs a circle, division or subdivision")
    for model, key, what in ((Circle, circle_id, "circle"), (Division, division_id, "division"),
                             (Subdivision, subdivision_id, "subdivision")):
        if key is not None and (not 0 < key < 2**31 or session.get(model, key) is None):
            raise NotFound(f"no {what} {key}")
    if expected_restore_at is not None and expected_restore_at <= (starts_at or now):
        raise InvalidInput("the expected restoration must be after the outage starts")
    notice = OutageNotice(circle_id=circle_id, division_id=division_id,
                          subdivision_id=subdivision_id, starts_at=starts_at or now,
                          expected_restore_at=expected_restore_at, reason=reason[:200],
                          active=True, created_at=now)
    session.add(notice)
    session.flush()
    return notice


def _active(session: Session, notice_id: int) -> OutageNotice:
    """The notice, locked against a concurrent change; Conflict if already closed."""
    notice = session.get(OutageNotice, notice_id, with_for_update=True)
    if notice is None:
        raise NotFound(f"no outage notice {notice_id}")
    if not notice.active:
        raise Conflict(f"outage {notice_id} is already closed")
    return notice


def extend(session: Session, notice_id: int, expected_restore_at: datetime,
           now: datetime) -> OutageNotice:
    """Move the expected restoration later (repairs take longer than hoped)."""
    notice = _active(session, notice_id)
    if expected_restore_at <= now:
        raise InvalidInput("the new expected restoration must be in the future")
    if notice.expected_restore_at is not None and expected_restore_at <= notice.expected_restore_at:
        raise InvalidInput(f"outage {notice_id} is already expected back by then: an "
                           "extension must be later than the current expected restoration")
    notice.expected_restore_at = expected_restore_at
    session.flush()
    return notice


def close(session: Session, notice_id: int) -> OutageNotice:
    """Supply is back: complaint triage stops answering with this notice."""
    notice = _active(session, notice_id)
    notice.active = False
    session.flush()
    return notice


def active(session: Session) -> list[OutageNotice]:
    return list(session.scalars(select(OutageNotice).where(OutageNotice.active.is_(True))
                                .order_by(OutageNotice.starts_at)))


def for_consumer(session: Session, consumer_id: int, now: datetime) -> OutageNotice | None:
    """The active notice covering the consumer's subdivision, division or circle (the most
    specific first), started by now."""
    row = session.execute(
        select(Consumer.circle_id, Consumer.subdivision_id, Subdivision.division_id)
        .outerjoin(Subdivision, Subdivision.id == Consumer.subdivision_id)
        .where(Consumer.id == consumer_id)).first()
    if row is None:
        return None
    matches = [and_(OutageNotice.subdivision_id.is_(None), OutageNotice.division_id.is_(None),
                    OutageNotice.circle_id == row.circle_id)]
    if row.division_id is not None:
        matches.append(and_(OutageNotice.subdivision_id.is_(None),
                            OutageNotice.division_id == row.division_id))
    if row.subdivision_id is not None:
        matches.append(OutageNotice.subdivision_id == row.subdivision_id)
    notices = list(session.scalars(select(OutageNotice).where(
        OutageNotice.active.is_(True), OutageNotice.starts_at <= now, or_(*matches))))
    if not notices:
        return None
    notices.sort(key=lambda n: (n.subdivision_id is None, n.division_id is None))
    return notices[0]
