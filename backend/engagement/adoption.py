"""App adoption: each "is the app installed?" answer with its time, and the count per
circle of connections whose latest answer is yes (set-based, one query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from backend.models import AppAdoption, Circle, Consumer


def record(session: Session, *, contact_id: int | None, consumer_id: int | None,
           installed: bool, now: datetime) -> AppAdoption:
    row = AppAdoption(contact_id=contact_id, consumer_id=consumer_id, installed=installed,
                      answered_at=now)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class CircleAdoption:
    circle: str
    consumers: int
    answered: int
    installed: int

    @property
    def percent(self) -> float:
        return 100.0 * self.installed / self.consumers if self.consumers else 0.0


def per_circle(session: Session) -> list[CircleAdoption]:
    latest = (select(AppAdoption.consumer_id, func.max(AppAdoption.id).label("last_id"))
              .where(AppAdoption.consumer_id.is_not(None))
              .group_by(AppAdoption.consumer_id).subquery())
    answer = (select(latest.c.consumer_id, AppAdoption.installed)
              .join(AppAdoption, AppAdoption.id == latest.c.last_id).subquery())
    installed = func.sum(case((answer.c.installed.is_(True), 1), else_=0))
    rows = session.execute(
        select(Circle.code, func.count(Consumer.id), func.count(answer.c.consumer_id),
               installed)
        .join(Consumer, Consumer.circle_id == Circle.id)
        .outerjoin(answer, answer.c.consumer_id == Consumer.id)
        .group_by(Circle.code).order_by(Circle.code)).all()
    return [CircleAdoption(code, int(n), int(answered), int(inst or 0))
            for code, n, answered, inst in rows]

