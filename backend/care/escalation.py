"""Complaint SLA escalation: open tickets past their due time are flagged once, noted in
their history, and reported to the consumer and to the circle's revenue manager.

A pass is a few statements whatever the backlog: one UPDATE flags every overdue ticket not
yet escalated (stamping `escalated_at` with the pass's time, which then names this pass's
tickets), one INSERT…SELECT writes their history, two INSERT…SELECTs queue the consumer
notices into the outbox. Only the managers' digests are built in Python, one per circle
with escalations (a few dozen circles, not one per ticket).

Re-running never notifies twice: a flagged ticket is never picked again, and every outbox
row has an idempotency key (ticket and contact; circle and the pass's first ticket).
A circle without a manager is logged as a warning and counted; its tickets stay flagged
(the consumer was told) and show as escalated in the staff API.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from backend.messaging.bulk import idempotency_key, insert_from_select, json_object, pending
from backend.messaging.enqueue import enqueue
from backend.messaging.senders import mask_address
from backend.models import (
    Circle,
    CircleManager,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Consumer,
    Contact,
    ContactLink,
)

log = logging.getLogger(__name__)

complaints = Complaint.__table__
events = ComplaintEvent.__table__
consumers = Consumer.__table__
contacts = Contact.__table__
links = ContactLink.__table__

CONSUMER_KEY = "complaint.escalated"
DIGEST_KEY = "complaint.escalation_digest"
DIGEST_MORE_KEY = "complaint.escalation_digest_more"
#: Tickets named in one digest; the rest are counted ("and 7 more"), so an SMS stays short.
DIGEST_TICKETS = 6
HISTORY_NOTE = "overdue: escalated to the circle's revenue manager"
HISTORY_STAFF = "system"
OPEN_VALUES = [ComplaintStatus.OPEN.value, ComplaintStatus.IN_PROGRESS.value]


@dataclass
class EscalationResult:
    escalated: int = 0
    consumer_messages: int = 0
    digests: int = 0
    #: Circles with newly overdue tickets and no manager: code -> tickets.
    circles_without_manager: dict[str, int] = field(default_factory=dict)
    #: Overdue reports with no connection, hence no circle (an unverified outage report).
    without_circle: int = 0
    dry_run: bool = False

    @property
    def unreported(self) -> int:
        """Escalated tickets no manager was told about."""
        return sum(self.circles_without_manager.values()) + self.without_circle


def escalate(conn: Connection, now: datetime, *, dry_run: bool = False,
             max_tickets: int = DIGEST_TICKETS) -> EscalationResult:
    """Escalate every open ticket past its due time, in the caller's transaction. A dry run
    does the same inside a savepoint and rolls it back, so its counts are exact."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware (UTC) datetime")
    if not dry_run:
        return _escalate(conn, now, max_tickets)
    savepoint = conn.begin_nested()
    try:
        result = _escalate(conn, now, max_tickets)
    finally:
        savepoint.rollback()
    result.dry_run = True
    return result


def overdue(now: datetime) -> ColumnElement[bool]:
    """Open, past due, not escalated yet (matches the partial index) and not flagged."""
    return and_(complaints.c.status.in_(OPEN_VALUES), complaints.c.escalated_at.is_(None),
                complaints.c.due_at <= literal(now, Complaint.due_at.type),
                complaints.c.flag.is_(None))  # flagged (unknown CA): staff look first


def _escalate(conn: Connection, now: datetime, max_tickets: int) -> EscalationResult:
    result = EscalationResult()
    result.escalated = conn.execute(
        update(complaints).where(overdue(now)).values(escalated_at=now)).rowcount
    if not result.escalated:
        log.info("escalation: no overdue complaints")
        return result
    this_pass = complaints.c.escalated_at == literal(now, Complaint.escalated_at.type)
    conn.execute(insert(events).from_select(
        ["complaint_id", "at", "status", "note", "staff"],
        select(complaints.c.id, literal(now, ComplaintEvent.at.type), complaints.c.status,
               literal(HISTORY_NOTE, String), literal(HISTORY_STAFF, String))
        .where(this_pass)))
    result.consumer_messages = _notify_consumers(conn, this_pass, now)
    _notify_managers(conn, this_pass, now, max_tickets, result)
    log.info("escalation: %d complaints escalated, %d consumer messages, %d manager digests, "
             "%d not reported to any manager", result.escalated, result.consumer_messages,
             result.digests, result.unreported)
    return result


# ------------------------------------------------------------------------ consumers


def _consumer_columns(conn: Connection, language: ColumnElement,
                      now: datetime) -> list[ColumnElement]:
    key = idempotency_key("escalated", complaints.c.id, contacts.c.id)
    params = json_object(conn, ticket=complaints.c.ticket)
    return [key.label("idempotency_key"), contacts.c.channel, contacts.c.address,
            literal(CONSUMER_KEY, String).label("message_key"), params.label("params"),
            language.label("language"), *pending(now, now)]


def _notify_consumers(conn: Connection, this_pass: ColumnElement[bool], now: datetime) -> int:
    """The same people a status change reaches (backend.complaints): the connection's
    verified contacts, or for a report without a connection the contact who made it."""
    linked = (
        select(*_consumer_columns(conn, func.coalesce(contacts.c.language,
                                                      consumers.c.language, "hi"), now))
        .select_from(complaints)
        .join(consumers, consumers.c.id == complaints.c.consumer_id)
        .join(links, and_(links.c.consumer_id == complaints.c.consumer_id,
                          links.c.verified_phone == consumers.c.mobile_e164))
        .join(contacts, contacts.c.id == links.c.contact_id)
        .where(this_pass, contacts.c.opted_out.is_(False)))
    reporter = (
        select(*_consumer_columns(conn, func.coalesce(contacts.c.language, "hi"), now))
        .select_from(complaints)
        .join(contacts, contacts.c.id == complaints.c.contact_id)
        .where(this_pass, complaints.c.consumer_id.is_(None),
               contacts.c.opted_out.is_(False)))
    return insert_from_select(conn, linked) + insert_from_select(conn, reporter)


# ------------------------------------------------------------------------ managers


def _notify_managers(conn: Connection, this_pass: ColumnElement[bool], now: datetime,
                     max_tickets: int, result: EscalationResult) -> None:
    result.without_circle = conn.execute(
        select(func.count()).select_from(complaints)
        .where(this_pass, complaints.c.consumer_id.is_(None))).scalar_one()
    circles = conn.execute(
        select(Circle.id, Circle.code, Circle.name, Circle.name_hi, func.count(),
               func.min(complaints.c.id), CircleManager.name, CircleManager.mobile_e164,
               CircleManager.channel, CircleManager.language)
        .select_from(complaints)
        .join(consumers, consumers.c.id == complaints.c.consumer_id)
        .join(Circle, Circle.id == consumers.c.circle_id)
        .outerjoin(CircleManager, CircleManager.circle_id == Circle.id)
        .where(this_pass)
        .group_by(Circle.id, Circle.code, Circle.name, Circle.name_hi, CircleManager.name,
                  CircleManager.mobile_e164, CircleManager.channel, CircleManager.language)
        .order_by(Circle.code)).all()
    ranked = (
        select(consumers.c.circle_id, complaints.c.ticket,
               func.row_number().over(
                   partition_by=consumers.c.circle_id,
                   order_by=(complaints.c.urgent.desc(), complaints.c.due_at,
                             complaints.c.id)).label("rank"))
        .select_from(complaints)
        .join(consumers, consumers.c.id == complaints.c.consumer_id)
        .where(this_pass).subquery("ranked"))
    shown_by_circle: dict[int, list[str]] = {}
    for circle_id, ticket in conn.execute(
            select(ranked.c.circle_id, ranked.c.ticket).where(ranked.c.rank <= max_tickets)
            .order_by(ranked.c.circle_id, ranked.c.rank)):
        shown_by_circle.setdefault(circle_id, []).append(ticket)
    session = Session(bind=conn)  # enqueue takes a session; this one joins our transaction
    try:
        for (circle_id, code, name, name_hi, count, first_id, _who, mobile, channel,
             language) in circles:
            if mobile is None:
                log.warning("escalation: circle %s has %d overdue complaints and no revenue "
                            "manager (sahayak manager set)", code, count)
                result.circles_without_manager[code] = count
                continue
            shown = shown_by_circle.get(circle_id, [])
            params: dict[str, object] = {"count": count,
                                         "circle": name_hi if language == "hi" else name,
                                         "tickets": ", ".join(shown)}
            if count > len(shown):
                params["more"] = count - len(shown)
            queued = enqueue(session, channel=channel, address=mobile,
                             message_key=DIGEST_MORE_KEY if "more" in params else DIGEST_KEY,
                             params=params, language=language,
                             # A ticket is escalated once, so passes never share
                             # tickets: the pass's first ticket names its digest.
                             idempotency_key=f"escalation-digest:{circle_id}:{first_id}",
                             now=now)
            result.digests += queued is not None
            log.debug("escalation digest for circle %s to %s", code, mask_address(mobile))
        session.flush()
    finally:
        session.close()
