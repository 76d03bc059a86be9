"""Staff service API (`/api/v1/staff`): complaints and handed-off conversations, until the
dashboard comes. Operator keys only (read-only keys may list). Status changes and replies
reach the consumer through the outbox, in their language and on their channel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, not_, select

from backend.care import complaints, handoff
from backend.messaging.senders import mask_address
from backend.models import Complaint, ComplaintStatus, Contact
from backend.platform.clock import utcnow
from backend.platform.errors import NotFound
from backend.services import Backend

TICKET = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{4,16}$")]


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: ComplaintStatus
    note: str = Field(default="", max_length=500)
    staff: str = Field(min_length=1, max_length=64)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=handoff.MAX_REPLY)
    staff: str = Field(min_length=1, max_length=64)


def _complaint(c: Complaint, now: datetime) -> dict:
    return {"ticket": c.ticket, "category": c.category, "status": c.status.value,
            "urgent": c.urgent, "ca_number": c.ca_number, "consumer_id": c.consumer_id,
            "area": c.area, "description": c.description, "reports": c.reports,
            "created_at": c.created_at.isoformat(), "due_at": c.due_at.isoformat(),
            "updated_at": c.updated_at.isoformat(),
            "overdue": c.status in complaints.OPEN and c.due_at <= now,
            "escalated_at": c.escalated_at.isoformat() if c.escalated_at else None}


def build_staff_router(backend: Backend, read: list, write: list) -> APIRouter:
    router = APIRouter(prefix="/api/v1/staff", tags=["staff"])
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

    @router.get("/complaints/{ticket}", dependencies=read)
    def show_complaint(ticket: TICKET) -> dict:
        with sessions() as s:
            c = complaints.get(s, ticket)
            events = [{"at": e.at.isoformat(), "status": e.status.value, "note": e.note,
                       "staff": e.staff} for e in complaints.history(s, c)]
            return {**_complaint(c, utcnow()), "history": events}

    @router.post("/complaints/{ticket}/status", dependencies=write)
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

    @router.post("/handoffs/{contact_id}/reply", dependencies=write, status_code=201)
    def reply(contact_id: int, body: ReplyIn) -> dict:
        with sessions.begin() as s:
            return {"outbox_id": handoff.staff_reply(s, contact_id, body.text, body.staff,
                                                     utcnow())}

    @router.post("/handoffs/{contact_id}/release", dependencies=write)
    def release(contact_id: int) -> dict:
        with sessions.begin() as s:
            contact = s.get(Contact, contact_id)
            if contact is None:
                raise NotFound(f"no contact {contact_id}")
            return {"released": handoff.release(s, contact)}

    return router
