"""Outage notices: a known supply interruption for a circle, division or subdivision, with
the expected restoration time. Complaint triage answers "no light" with the notice for the
consumer's area instead of filing a ticket; staff add and close notices (CLI for now)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.models import Consumer, OutageNotice, Subdivision
from backend.platform.errors import InvalidInput, NotFound


def add(session: Session, *, now: datetime, circle_id: int | None = None,
        division_id: int | None = None, subdivision_id: int | None = None,
        expected_restore_at: datetime | None = None, reason: str = "",
        starts_at: datetime | None = None) -> OutageNotice:
    if circle_id is None and division_id is None and subdivision_id is None:
        raise InvalidInput("an outage needs a circle, division or subdivision")
    notice = OutageNotice(circle_id=circle_id, division_id=division_id,
                          subdivision_id=subdivision_id, starts_at=starts_at or now,
                          expected_restore_at=expected_restore_at, reason=reason[:200],
                          active=True, created_at=now)
    session.add(notice)
    session.flush()
    return notice


def close(session: Session, notice_id: int) -> OutageNotice:
    notice = session.get(OutageNotice, notice_id)
    if notice is None:
        raise NotFound(f"no outage notice {notice_id}")
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
