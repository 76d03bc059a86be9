"""Staff service API (`/api/v1/staff`): complaints, handed-off conversations and outage
notices, until the dashboard comes. Operator keys only (read-only keys may list). Status
changes, replies and outage notices reach consumers through the outbox, in their language
and on their channel. Each action calls the same backend use case as the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import and_, not_, select

from backend.api.types import ID, TICKET, FreeText, RequiredText, errors
from backend.care import complaints, handoff, outages
from backend.engagement import outages as outage_notices
from backend.messaging.senders import mask_address
from backend.models import Complaint, ComplaintStatus, Contact, OutageNotice
from backend.platform.clock import utcnow
from backend.platform.errors import InvalidInput, NotFound
from backend.services import Backend


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: ComplaintStatus
    note: FreeText = Field(default="", max_length=500)
    staff: RequiredText = Field(min_length=1, max_length=64)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: RequiredText = Field(min_length=1, max_length=handoff.MAX_REPLY)
    staff: RequiredText = Field(min_length=1, max_length=64)
    release: bool = Field(default=False, description="Hand the conversation back to the bot")


MAX_HOURS = 24 * 14  # an expected restoration further out than two weeks is a typo


class Restoration(BaseModel):
    """The expected restoration: an aware time, or hours from now."""

    model_config = ConfigDict(extra="forbid")
    expected_restore_at: AwareDatetime | None = None
    hours: float | None = Field(default=None, gt=0, le=MAX_HOURS)

    @model_validator(mode="after")
    def _one(self) -> Restoration:
        if self.expected_restore_at is not None and self.hours is not None:
            raise ValueError("give expected_restore_at or hours, not both")
        return self

    def restore_at(self, now: datetime) -> datetime | None:
        if self.hours is not None:
            return now + timedelta(hours=self.hours)
        if (self.expected_restore_at is not None
                and self.expected_restore_at > now + timedelta(hours=MAX_HOURS)):
            raise InvalidInput("expected_restore_at is more than two weeks away")
        return self.expected_restore_at


class OutageIn(Restoration):
    circle: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,16}$")
    division_id: int | None = Field(default=None, gt=0, le=2**31 - 1)
    subdivision_id: int | None = Field(default=None, gt=0, le=2**31 - 1)
    reason: FreeText = Field(default="", max_length=200)
    notify: bool = True
    staff: RequiredText | None = Field(default=None, min_length=1, max_length=64)


class ExtendIn(Restoration):
    notify: bool = True
    staff: RequiredText | None = Field(default=None, min_length=1, max_length=64)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notify: bool = True
    staff: RequiredText | None = Field(default=None, min_length=1, max_length=64)


def _complaint(c: Complaint, now: datetime) -> dict:
    return {"ticket": c.ticket, "category": c.category, "status": c.status.value,
            "urgent": c.urgent, "ca_number": c.ca_number, "consumer_id": c.consumer_id,
            "area": c.area, "description": c.description, "reports": c.reports,
            "created_at": c.created_at.isoformat(), "due_at": c.due_at.isoformat(),
            "updated_at": c.updated_at.isoformat(),
            "overdue": c.status in complaints.OPEN and c.due_at <= now,
            "escalated_at": c.escalated_at.isoformat() if c.escalated_at else None,
            "recharge": ({"amount_paise": c.recharge_amount_paise, "when": c.recharge_when,
                          "reference": c.recharge_reference}
                         if c.category == "recharge_not_credited" else None),
            "reopen_count": c.reopen_count, "satisfied": c.satisfied,
            "flag": c.flag}  # "unknown_ca": a report for a CA that does not exist


def _outage(n: OutageNotice) -> dict:
    return {"id": n.id, "circle_id": n.circle_id, "division_id": n.division_id,
            "subdivision_id": n.subdivision_id, "reason": n.reason,
            "starts_at": n.starts_at.isoformat(),
            "expected_restore_at": (n.expected_restore_at.isoformat()
                                    if n.expected_restore_at else None)}


def _outcome(o: outage_notices.OutageOutcome) -> dict:
    sent = o.sent
    return {"id": o.notice_id, "active": o.active,
            "expected_restore_at": (o.expected_restore_at.isoformat()
                                    if o.expected_restore_at else None),
            "notice": None if sent is None else {
                "broadcast_id": sent.broadcast_id, "queued": sent.queued,
                "skipped_opted_out": sent.skipped_opted_out}}


def build_staff_router(backend: Backend, read: list, write: list) -> APIRouter:
    router = APIRouter(prefix="/api/v1/staff", tags=["staff"], responses=errors(401))
    write_errors = errors(400, 403, 404, 409, 413)
    sessions = backend.sessions

    @router.get("/complaints", dependencies=read)
    def list_complaints(status: ComplaintStatus | None = None, overdue: bool | None = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict]:
        """`overdue=true`: open tickets past their due time (escalated or about to be)."""
        now = utcnow()
        query = select(Complaint).order_by(Complaint.urgent.desc(), Complaint.due_at)
        if status is not None:
            query = query.where(Complaint.status == status)
        late = and_(Complaint.status.in_(complaints.OPEN), Complaint.due_at <= now)
        if overdue is not None:
            query = query.where(late if overdue else not_(late))
        with sessions() as s:
            return [_complaint(c, now) for c in s.scalars(query.limit(limit))]

    @router.get("/complaints/{ticket}", dependencies=read, responses=errors(404))
    def show_complaint(ticket: TICKET) -> dict:
        with sessions() as s:
            c = complaints.get(s, ticket)
            events = [{"at": e.at.isoformat(), "status": e.status.value, "note": e.note,
                       "staff": e.staff} for e in complaints.history(s, c)]
            return {**_complaint(c, utcnow()), "history": events}

    @router.post("/complaints/{ticket}/status", dependencies=write, responses=write_errors)
    def set_status(ticket: TICKET, body: StatusIn) -> dict:
        with sessions.begin() as s:
            c = complaints.get(s, ticket)
            queued = complaints.change_status(s, c, body.status, body.note, body.staff,
                                              utcnow())
            return {"ticket": c.ticket, "status": c.status.value, "queued": queued}

    @router.get("/handoffs", dependencies=read)
    def list_handoffs() -> list[dict]:
        with sessions() as s:
            return [{"contact_id": c.id, "channel": c.channel.value,
                     "address": mask_address(c.address), "reason": c.handoff_reason,
                     "since": c.handoff_at.isoformat() if c.handoff_at else None,
                     "language": c.language} for c in handoff.pending(s)]

    @router.post("/handoffs/{contact_id}/reply", dependencies=write, responses=write_errors,
                 status_code=201)
    def reply(contact_id: ID, body: ReplyIn) -> dict:
        """Queue the reply to the contact (409 if it is not handed off or opted out)."""
        with sessions.begin() as s:
            result = handoff.reply(s, contact_id, body.text, body.staff, utcnow(),
                                   release_after=body.release)
        return {"outbox_id": result.outbox_id, "released": result.released}

    @router.post("/handoffs/{contact_id}/release", dependencies=write, responses=write_errors)
    def release(contact_id: ID) -> dict:
        with sessions.begin() as s:
            contact = s.get(Contact, contact_id)
            if contact is None:
                raise NotFound(f"no contact {contact_id}")
            return {"released": handoff.release(s, contact)}

    @router.get("/outages", dependencies=read)
    def list_outages() -> list[dict]:
        """Active outage notices, oldest first."""
        with sessions() as s:
            return [_outage(n) for n in outages.active(s)]

    @router.post("/outages", dependencies=write, responses=write_errors, status_code=201)
    def open_outage(body: OutageIn) -> dict:
        """Record an outage; with `notify` (the default) message the area's consumers."""
        now = utcnow()
        area = outage_notices.OutageArea(body.circle, body.division_id, body.subdivision_id)
        return _outcome(outage_notices.open_outage(
            sessions, area, now=now, reason=body.reason,
            expected_restore_at=body.restore_at(now), notify=body.notify, staff=body.staff,
            reach=backend.reach))

    @router.post("/outages/{notice_id}/extend", dependencies=write, responses=write_errors)
    def extend_outage(notice_id: ID, body: ExtendIn) -> dict:
        """A later expected restoration; with `notify` the same area is told."""
        now = utcnow()
        restore_at = body.restore_at(now)
        if restore_at is None:
            raise InvalidInput("give the new expected_restore_at or hours")
        return _outcome(outage_notices.extend_outage(
            sessions, notice_id, expected_restore_at=restore_at, now=now, notify=body.notify,
            staff=body.staff, reach=backend.reach))

    @router.post("/outages/{notice_id}/close", dependencies=write, responses=write_errors)
    def close_outage(notice_id: ID, body: CloseIn) -> dict:
        """Supply is back; with `notify` the area is told."""
        return _outcome(outage_notices.close_outage(sessions, notice_id, now=utcnow(),
                                                    notify=body.notify, staff=body.staff,
                                                    reach=backend.reach))

    return router
