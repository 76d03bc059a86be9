"""Complaints: categories with SLAs (configuration), filing with one open ticket per
category per connection, status changes with history, and pushing each change to the
consumer's verified contacts through the outbox (message key + params; the worker renders
it in the contact's language).

Reports by contacts not verified for any connection (`file_unverified`) are limited per
contact and per area (CA number or area as typed) per day (complaints.yml), merged into
the open ticket of the same area (or, without one, of the same chat), and a report naming
a CA number that does not exist is kept but flagged and never escalated: refusing it would
tell the reporter that the CA does not exist.

Ticket ids are short and easy to read out on the phone: "BS-" and six characters from an
alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.contacts import abuse
from backend.contacts.contacts import lock_contact
from backend.messaging.enqueue import enqueue
from backend.models import (
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Consumer,
    Contact,
    ContactLink,
)
from backend.platform.errors import InvalidInput, NotFound

DEFAULT_COMPLAINTS_FILE = Path(__file__).resolve().parents[1] / "data" / "complaints.yml"
TICKET_ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
TICKET_LENGTH = 6
OPEN = (ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS)
#: Outbox message key per new status (catalog keys; rendered by the outbox worker).
PUSH_KEYS = {status: f"complaint.push.{status.value}" for status in ComplaintStatus}
MAX_DESCRIPTION = 500
#: Complaint.flag of a report naming a CA number that does not exist.
UNKNOWN_CA = "unknown_ca"


class UnknownTicket(NotFound):
    """No complaint has that ticket id."""


@dataclass(frozen=True)
class Category:
    name: str
    sla_hours: int
    urgent: bool


@dataclass(frozen=True)
class ComplaintRules:
    categories: dict[str, Category]
    unverified: frozenset[str]
    #: How long after the resolution notice a bare yes/no answers "was it solved?".
    ask_days: int = 3
    #: How long after resolution "theek nahi hua" reopens the ticket.
    reopen_days: int = 7
    #: Reports an unverified contact may make in a day, and reports about one area (a CA
    #: number or an area as typed) from all unverified contacts together.
    unverified_per_contact_per_day: int = 3
    unverified_per_area_per_day: int = 5

    def category(self, name: str) -> Category:
        return self.categories.get(name) or self.categories["other"]


def load_complaint_rules(path: Path | None = None) -> ComplaintRules:
    raw = yaml.safe_load(Path(path or DEFAULT_COMPLAINTS_FILE).read_text(encoding="utf-8"))
    cats = {name: Category(name, int(v["sla_hours"]), bool(v.get("urgent", False)))
            for name, v in raw["categories"].items()}
    if "other" not in cats:
        raise ValueError("complaints file needs an 'other' category")
    follow_up = raw.get("follow_up") or {}
    limits = raw.get("unverified_limits") or {}
    return ComplaintRules(cats, frozenset(raw.get("unverified", [])),
                          ask_days=int(follow_up.get("ask_days", 3)),
                          reopen_days=int(follow_up.get("reopen_days", 7)),
                          unverified_per_contact_per_day=int(
                              limits.get("per_contact_per_day", 3)),
                          unverified_per_area_per_day=int(limits.get("per_area_per_day", 5)))


@lru_cache(maxsize=1)
def default_rules() -> ComplaintRules:
    return load_complaint_rules()


def new_ticket_id() -> str:
    return "BS-" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def normalise_ticket(text: str) -> str:
    """"bs 7k3m9q", "7K3M9Q" -> "BS-7K3M9Q"."""
    core = "".join(ch for ch in text.upper() if ch.isalnum())
    core = core.removeprefix("BS")
    return f"BS-{core}"


@dataclass(frozen=True)
class Filed:
    complaint: Complaint
    duplicate: bool  # an open ticket of the category existed: this report became a note
    #: The urgency to tell the reporter when it differs from the ticket's (a flagged one).
    told_urgent: bool | None = None

    @property
    def urgent(self) -> bool:
        return self.complaint.urgent if self.told_urgent is None else self.told_urgent


def open_ticket(session: Session, category: str, *, consumer_id: int | None,
                ca_number: str | None = None, area: str | None = None,
                contact_id: int | None = None) -> Complaint | None:
    """The open ticket of this category for the connection; without a consumer, for the
    CA number given, else the area (as `abuse.area_key` reads it), else the chat."""
    if consumer_id is not None:
        where = Complaint.consumer_id == consumer_id
    elif ca_number:
        where = Complaint.ca_number == ca_number
    elif area:
        where = Complaint.consumer_id.is_(None) & (Complaint.area == abuse.area_key(area))
    elif contact_id is not None:
        where = (Complaint.consumer_id.is_(None) & Complaint.ca_number.is_(None)
                 & Complaint.area.is_(None) & (Complaint.contact_id == contact_id))
    else:
        return None
    return session.scalars(select(Complaint).where(
        where, Complaint.category == category, Complaint.status.in_(OPEN))
        .order_by(Complaint.id).limit(1)).first()


def file_complaint(session: Session, *, category: str, description: str, now: datetime,
                   consumer_id: int | None = None, contact_id: int | None = None,
                   ca_number: str | None = None, area: str | None = None,
                   urgent: bool | None = None,
                   rules: ComplaintRules | None = None,
                   recharge: RechargeClaim | None = None) -> Filed:
    """A new ticket, or a note on the open one of the same category for the connection.
    `recharge`: the payment a "recharge not credited" report is about (kept on the ticket;
    a repeated report fills in what the first one lacked)."""
    rules = rules or default_rules()
    cat = rules.category(category)
    text = (description or "").strip()[:MAX_DESCRIPTION]
    area = abuse.area_key(area)  # "Ramnagar, Gaya" and "ramnagar gaya" are one area
    where = {"consumer_id": consumer_id, "ca_number": ca_number, "area": area,
             "contact_id": contact_id}
    existing = open_ticket(session, cat.name, **where)
    if existing is not None:
        _fill_recharge(existing, recharge)
        return Filed(_add_report(session, existing, text, now), duplicate=True)
    for _attempt in range(5):
        complaint = Complaint(
            ticket=new_ticket_id(), consumer_id=consumer_id, contact_id=contact_id,
            ca_number=ca_number, area=area, category=cat.name,
            urgent=cat.urgent if urgent is None else urgent, status=ComplaintStatus.OPEN,
            description=text, reports=1, created_at=now,
            due_at=now + timedelta(hours=cat.sla_hours), updated_at=now)
        _fill_recharge(complaint, recharge)
        try:
            with session.begin_nested():
                session.add(complaint)
                session.flush()
        except IntegrityError:
            # A ticket id collision, or a concurrent report of the same category.
            existing = open_ticket(session, cat.name, **where)
            if existing is not None:
                _fill_recharge(existing, recharge)
                return Filed(_add_report(session, existing, text, now), duplicate=True)
            continue
        session.add(ComplaintEvent(complaint_id=complaint.id, at=now,
                                   status=ComplaintStatus.OPEN, note=text))
        session.flush()
        return Filed(complaint, duplicate=False)
    raise RuntimeError("could not allocate a ticket id")


def file_unverified(session: Session, *, contact_id: int, category: str, description: str,
                    now: datetime, ca_number: str | None = None, area: str | None = None,
                    urgent: bool | None = None,
                    rules: ComplaintRules | None = None) -> Filed | None:
    """A report by a contact verified for no connection, or None when a daily limit is
    reached (per contact, or per CA number / area from all such contacts). Merged like any
    report; one naming an unknown CA number is filed flagged, not urgent, and never
    escalated, so the reporter learns nothing about the CA."""
    rules = rules or default_rules()
    lock_contact(session, contact_id)  # the count and the insert hold under concurrency
    subject = f"ca:{ca_number}" if ca_number else (
        f"area:{key}" if (key := abuse.area_key(area)) else None)
    if abuse.count(session, abuse.REPORT, now,
                   contact_id=contact_id) >= rules.unverified_per_contact_per_day:
        return None
    if subject is not None:
        abuse.lock_subject(session, subject)
    if subject is not None and abuse.count(
            session, abuse.REPORT, now, subject=subject) >= rules.unverified_per_area_per_day:
        return None
    abuse.record(session, contact_id, abuse.REPORT, subject, now)
    unknown = bool(ca_number) and session.scalar(
        select(Consumer.id).where(Consumer.ca_number == ca_number)) is None
    filed = file_complaint(session, category=category, description=description, now=now,
                           contact_id=contact_id, ca_number=ca_number, area=area,
                           urgent=False if unknown else urgent, rules=rules)
    if not unknown:
        return filed
    if not filed.duplicate:
        filed.complaint.flag = UNKNOWN_CA
        session.flush()
    said = rules.category(category).urgent if urgent is None else urgent
    return replace(filed, told_urgent=said)


@dataclass(frozen=True)
class RechargeClaim:
    """What the consumer says about a recharge that did not show up."""

    amount_paise: int | None
    when: str | None  # the consumer's words ("kal shaam 6 baje")
    reference: str | None  # UPI / transaction id, if known


def _fill_recharge(complaint: Complaint, claim: RechargeClaim | None) -> None:
    if claim is None:
        return
    if claim.amount_paise is not None and complaint.recharge_amount_paise is None:
        complaint.recharge_amount_paise = claim.amount_paise
    if claim.when and not complaint.recharge_when:
        complaint.recharge_when = claim.when[:60]
    if claim.reference and not complaint.recharge_reference:
        complaint.recharge_reference = claim.reference[:64]


def _add_report(session: Session, complaint: Complaint, text: str, now: datetime) -> Complaint:
    complaint.reports += 1
    complaint.updated_at = now
    session.add(ComplaintEvent(complaint_id=complaint.id, at=now, status=complaint.status,
                               note=f"reported again: {text}" if text else "reported again"))
    session.flush()
    return complaint


def get(session: Session, ticket: str) -> Complaint:
    found = session.scalars(select(Complaint).where(
        Complaint.ticket == normalise_ticket(ticket))).first()
    if found is None:
        raise UnknownTicket("no complaint with that ticket id")
    return found


def recent(session: Session, *, consumer_id: int | None = None,
           contact_id: int | None = None, now: datetime, days: int = 30,
           limit: int = 5) -> list[Complaint]:
    """Open tickets and those closed in the last `days`, newest first."""
    if consumer_id is None and contact_id is None:
        return []
    who = (Complaint.consumer_id == consumer_id if consumer_id is not None
           else Complaint.contact_id == contact_id)
    return list(session.scalars(select(Complaint).where(
        who, or_(Complaint.status.in_(OPEN), Complaint.updated_at >= now - timedelta(days=days)))
        .order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(limit)))


def history(session: Session, complaint: Complaint) -> list[ComplaintEvent]:
    return list(session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == complaint.id).order_by(ComplaintEvent.id)))


def change_status(session: Session, ticket: Complaint | str, status: ComplaintStatus | str,
                  note: str, staff: str, now: datetime) -> int:
    """Record a staff status change and queue it to the consumer's verified contacts (or,
    for a report without a connection, to the contact that reported it). Returns how many
    messages were queued."""
    complaint = get(session, ticket) if isinstance(ticket, str) else ticket
    try:
        new = ComplaintStatus(status)
    except ValueError:
        raise InvalidInput(f"unknown status {status!r}") from None
    complaint.status = new
    complaint.updated_at = now
    if new == ComplaintStatus.RESOLVED:
        # The resolution notice asks "was it solved?"; the answer comes in later as an
        # ordinary message (backend.care.follow_up.pending_question).
        complaint.satisfaction_asked_at, complaint.satisfied = now, None
        complaint.satisfaction_at = None
    event = ComplaintEvent(complaint_id=complaint.id, at=now, status=new,
                           note=(note or "")[:MAX_DESCRIPTION], staff=staff[:64] or None)
    session.add(event)
    session.flush()
    queued = 0
    for contact, language in _recipients(session, complaint):
        message = enqueue(session, channel=contact.channel.value, address=contact.address,
                          message_key=PUSH_KEYS[new],
                          params={"ticket": complaint.ticket, "note": event.note},
                          language=language,
                          idempotency_key=f"complaint:{complaint.id}:{event.id}:{contact.id}",
                          now=now)
        queued += message is not None
    if new == ComplaintStatus.RESOLVED and not queued:
        complaint.satisfaction_asked_at = None  # nobody was asked
    return queued


def _recipients(session: Session, complaint: Complaint) -> list[tuple[Contact, str]]:
    if complaint.consumer_id is None:
        contact = session.get(Contact, complaint.contact_id) if complaint.contact_id else None
        if contact is None or contact.opted_out:
            return []
        return [(contact, contact.language or "hi")]
    rows = session.execute(
        select(Contact, Consumer.language)
        .join(ContactLink, ContactLink.contact_id == Contact.id)
        .join(Consumer, Consumer.id == ContactLink.consumer_id)
        .where(ContactLink.consumer_id == complaint.consumer_id,
               ContactLink.verified_phone == Consumer.mobile_e164,
               Contact.opted_out.is_(False))
        .order_by(Contact.id)).all()
    return [(contact, contact.language or language or "hi") for contact, language in rows]
