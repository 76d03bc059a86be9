"""After a complaint is resolved: the consumer's answer to "was it solved?" and "theek nahi
hua" (still not fixed), which reopens the ticket.

The question goes out with the resolution notice (an outbox message, `change_status`), so
the answer arrives later as an ordinary message; the pending question is the ticket itself
(resolved, asked within `ask_days`, not yet answered), not conversation state that another
form or its expiry could wipe. Lookups are per the contact's connections, or per the
contact for a report filed without one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.care.complaints import (
    OPEN,
    ComplaintRules,
    default_rules,
    file_complaint,
    open_ticket,
)
from backend.models import Complaint, ComplaintEvent, ComplaintStatus

DONE = (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED)
MAX_NOTE = 500


def _whose(consumer_ids: list[int], contact_id: int | None):  # noqa: ANN202 (a clause)
    mine = [Complaint.consumer_id.in_(consumer_ids)] if consumer_ids else []
    if contact_id is not None:
        mine.append(and_(Complaint.consumer_id.is_(None), Complaint.contact_id == contact_id))
    return or_(*mine) if mine else None


def _newest(session: Session, whose, *conditions, by) -> Complaint | None:  # noqa: ANN001
    if whose is None:
        return None
    return session.scalars(select(Complaint).where(whose, *conditions)
                           .order_by(by.desc(), Complaint.id.desc()).limit(1)).first()


def pending_question(session: Session, *, consumer_ids: list[int], contact_id: int | None,
                     now: datetime, rules: ComplaintRules | None = None) -> Complaint | None:
    """The newest resolved ticket whose "was it solved?" is still unanswered."""
    rules = rules or default_rules()
    return _newest(session, _whose(consumer_ids, contact_id),
                   Complaint.status == ComplaintStatus.RESOLVED, Complaint.satisfied.is_(None),
                   Complaint.satisfaction_asked_at >= now - timedelta(days=rules.ask_days),
                   by=Complaint.satisfaction_asked_at)


def recently_done(session: Session, *, consumer_ids: list[int], contact_id: int | None,
                  now: datetime, rules: ComplaintRules | None = None) -> Complaint | None:
    """The newest ticket resolved or closed within `reopen_days`."""
    rules = rules or default_rules()
    return _newest(session, _whose(consumer_ids, contact_id), Complaint.status.in_(DONE),
                   Complaint.updated_at >= now - timedelta(days=rules.reopen_days),
                   by=Complaint.updated_at)


def latest_open(session: Session, *, consumer_ids: list[int],
                contact_id: int | None) -> Complaint | None:
    whose = _whose(consumer_ids, contact_id)
    if whose is None:
        return None
    return session.scalars(select(Complaint).where(whose, Complaint.status.in_(OPEN))
                           .order_by(Complaint.updated_at.desc(), Complaint.id.desc())
                           .limit(1)).first()


def record_satisfaction(session: Session, complaint: Complaint, satisfied: bool,
                        now: datetime) -> None:
    """The consumer's yes/no to "was it solved?", once per resolution."""
    complaint.satisfied = satisfied
    complaint.satisfaction_at = now
    session.add(ComplaintEvent(complaint_id=complaint.id, at=now, status=complaint.status,
                               note="consumer: solved" if satisfied else "consumer: not solved"))
    session.flush()


@dataclass(frozen=True)
class Reopened:
    complaint: Complaint
    appended: bool  # a newer open ticket of the category took the report instead


def reopen(session: Session, complaint: Complaint, text: str, now: datetime,
           rules: ComplaintRules | None = None) -> Reopened:
    """The consumer says a resolved ticket is not fixed: it is open again with a fresh
    resolution time (the category's SLA from now) and the consumer's words in its history.
    If the connection already has another open ticket of the category (one open per
    category), the report is added to that one instead."""
    rules = rules or default_rules()
    note = (text or "").strip()[:MAX_NOTE]
    if complaint.status in OPEN:
        return Reopened(complaint, appended=True)
    other = open_ticket(session, complaint.category, consumer_id=complaint.consumer_id,
                        ca_number=None if complaint.consumer_id else complaint.ca_number)
    if other is not None:
        filed = file_complaint(session, category=complaint.category, description=note,
                               now=now, consumer_id=complaint.consumer_id, rules=rules)
        return Reopened(filed.complaint, appended=True)
    complaint.status = ComplaintStatus.OPEN
    complaint.reopen_count += 1
    complaint.reports += 1
    complaint.updated_at = now
    complaint.due_at = now + timedelta(hours=rules.category(complaint.category).sla_hours)
    complaint.satisfaction_asked_at = None
    session.add(ComplaintEvent(complaint_id=complaint.id, at=now, status=ComplaintStatus.OPEN,
                               note=f"reopened by consumer: {note}" if note
                               else "reopened by consumer"))
    session.flush()
    return Reopened(complaint, appended=False)


def add_note(session: Session, complaint: Complaint, text: str, now: datetime) -> Complaint:
    """"Still not fixed" about a ticket that is still open: a note, counted as a report."""
    note = (text or "").strip()[:MAX_NOTE]
    complaint.reports += 1
    complaint.updated_at = now
    session.add(ComplaintEvent(complaint_id=complaint.id, at=now, status=complaint.status,
                               note=f"still not fixed: {note}" if note else "still not fixed"))
    session.flush()
    return complaint
