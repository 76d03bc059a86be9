"""Revenue managers per circle: who hears about the circle's overdue complaints.

Managed by operators (`sahayak manager set|list|remove`); one manager per circle, reached
by SMS or WhatsApp on an Indian mobile, in Hindi, romanized Hindi or English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.metering.registry import normalise_mobile
from backend.models import Circle, CircleManager
from backend.platform.errors import InvalidInput, NotFound

CHANNELS = ("sms", "whatsapp")
LANGUAGES = ("hi", "hi-Latn", "en")
MAX_NAME = 120


@dataclass(frozen=True)
class ManagerView:
    circle: str
    name: str
    mobile_e164: str
    channel: str
    language: str


def _circle(session: Session, code: str) -> Circle:
    circle = session.scalar(select(Circle).where(Circle.code == code.strip().upper()))
    if circle is None:
        raise NotFound(f"no circle {code!r}")
    return circle


def set_manager(session: Session, *, circle_code: str, name: str, mobile: str,
                channel: str, language: str, now: datetime) -> ManagerView:
    """Create or replace the circle's manager (one per circle)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"name must be 1-{MAX_NAME} characters")
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}")
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    e164 = normalise_mobile(mobile)
    circle = _circle(session, circle_code)
    row = session.get(CircleManager, circle.id)
    if row is None:
        row = CircleManager(circle_id=circle.id)
        session.add(row)
    row.name, row.mobile_e164, row.channel, row.language = name, e164, channel, language
    row.updated_at = now
    session.flush()
    return ManagerView(circle.code, name, e164, channel, language)


def list_managers(session: Session) -> list[ManagerView]:
    rows = session.execute(
        select(Circle.code, CircleManager.name, CircleManager.mobile_e164,
               CircleManager.channel, CircleManager.language)
        .join(Circle, Circle.id == CircleManager.circle_id).order_by(Circle.code)).all()
    return [ManagerView(*row) for row in rows]


def remove_manager(session: Session, circle_code: str) -> None:
    circle = _circle(session, circle_code)
    if session.execute(delete(CircleManager)
                       .where(CircleManager.circle_id == circle.id)).rowcount == 0:
        raise NotFound(f"circle {circle.code} has no manager")
