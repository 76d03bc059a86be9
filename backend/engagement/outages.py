"""Outage use cases, the same for the CLI (`sahayak outage add|extend|close`) and the staff
API (`/api/v1/staff/outages`): open an outage and tell its area, move its expected
restoration later and tell the same area, close it and say supply is back.

Here in engagement rather than care because telling consumers fans out through broadcasts;
the outage record itself (and what complaint triage reads) stays in `backend.care.outages`.
Each change and its draft notice commit together, so a notice that cannot be written (no
reason, no staff name) leaves the outage unchanged; the fan-out then commits chunk by
chunk, and if it is interrupted `sahayak broadcast send ID` finishes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.care import outages
from backend.engagement.broadcasts import notices, service
from backend.engagement.broadcasts.fanout import Progress
from backend.engagement.broadcasts.service import SendReport
from backend.messaging.reach import BIHAR, PushChannels
from backend.models import Broadcast, OutageNotice
from backend.platform.errors import InvalidInput

#: Writes the draft notice for a changed outage (one of `backend.engagement.broadcasts.notices`).
DraftNotice = Callable[..., Broadcast]


@dataclass(frozen=True)
class OutageArea:
    """Where the outage is: the most specific of these that is set. `circle` is a code."""

    circle: str | None = None
    division_id: int | None = None
    subdivision_id: int | None = None


@dataclass(frozen=True)
class OutageOutcome:
    notice_id: int
    active: bool
    expected_restore_at: datetime | None
    sent: SendReport | None  # the consumers' notice, when one was sent


def open_outage(sessions: sessionmaker[Session], area: OutageArea, *, now: datetime,
                reason: str = "", expected_restore_at: datetime | None = None,
                notify: bool = True, staff: str | None = None,
                progress: Progress | None = None,
                reach: PushChannels = BIHAR) -> OutageOutcome:
    """Record an outage and (with `notify`) send its notice to the area's consumers."""
    def change(s: Session) -> OutageNotice:
        circle_id = outages.circle_id(s, area.circle) if area.circle else None
        return outages.add(s, now=now, circle_id=circle_id, division_id=area.division_id,
                           subdivision_id=area.subdivision_id, reason=reason,
                           expected_restore_at=expected_restore_at)

    return _change_and_tell(sessions, change, notices.outage_broadcast if notify else None,
                            staff=staff, now=now, progress=progress, reach=reach)


def extend_outage(sessions: sessionmaker[Session], notice_id: int, *,
                  expected_restore_at: datetime, now: datetime, notify: bool = True,
                  staff: str | None = None, progress: Progress | None = None,
                  reach: PushChannels = BIHAR) -> OutageOutcome:
    """Move the expected restoration later and (with `notify`) tell the area."""
    return _change_and_tell(
        sessions, lambda s: outages.extend(s, notice_id, expected_restore_at, now),
        notices.extended_broadcast if notify else None, staff=staff, now=now,
        progress=progress, reach=reach)


def close_outage(sessions: sessionmaker[Session], notice_id: int, *, now: datetime,
                 notify: bool = True, staff: str | None = None,
                 progress: Progress | None = None,
                 reach: PushChannels = BIHAR) -> OutageOutcome:
    """Close the outage and (with `notify`) tell the area supply is back."""
    return _change_and_tell(sessions, lambda s: outages.close(s, notice_id),
                            notices.restored_broadcast if notify else None, staff=staff,
                            now=now, progress=progress, reach=reach)


def _change_and_tell(sessions: sessionmaker[Session], change: Callable[[Session], OutageNotice],
                     draft: DraftNotice | None, *, staff: str | None, now: datetime,
                     progress: Progress | None, reach: PushChannels) -> OutageOutcome:
    who = (staff or "").strip()
    if draft is not None and not who:
        raise InvalidInput("telling consumers needs the name of the staff member who does "
                           "(--staff)")
    with sessions.begin() as s:
        notice = change(s)
        broadcast_id = (draft(s, notice, created_by=who[:64], now=now).id
                        if draft is not None else None)
        outcome = OutageOutcome(notice.id, notice.active, notice.expected_restore_at, None)
    if broadcast_id is None:
        return outcome
    sent = service.send(sessions, broadcast_id, now, progress=progress, reach=reach)
    return replace(outcome, sent=sent)
