"""Daily limits on what a contact not verified for a connection can make us do: look up
CA numbers (the link flow) and file outage/fraud reports.

Each such action is recorded as an `AbuseEvent` (contact, kind, subject = CA number or
area key) and counted in a sliding window, so a limit holds whether the CA exists or not
and however many chats one person opens (the per-subject count). Works in the caller's
transaction; the caller serialises per contact (contacts.lock_contact) and, for a count
over all contacts, per subject (`lock_subject`)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backend.models import AbuseEvent
from backend.platform.leader_lock import lock_key

CA_LOOKUP = "ca_lookup"
REPORT = "report"
DAY = timedelta(days=1)


def area_key(text: str | None) -> str | None:
    """An area as typed ("Kankarbagh, Patna!", "kankarbagh patna") -> one comparable key
    ("kankarbagh patna"); None when nothing is left."""
    kept = (ch if unicodedata.category(ch)[0] in "LNM" else " "  # letters, digits, matras
            for ch in (text or "").casefold())
    key = " ".join("".join(kept).split())
    return key[:200] or None


def lock_subject(session: Session, subject: str) -> None:
    """Serialise counting and recording for one subject until the transaction ends, so a
    per-area limit holds when many chats report at once. PostgreSQL: a transaction-level
    advisory lock; SQLite: the caller's contact lock already holds the write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(CAST(:key AS bigint))"),
                        {"key": lock_key(f"abuse:{subject}")})


def record(session: Session, contact_id: int, kind: str, subject: str | None,
           now: datetime) -> None:
    session.add(AbuseEvent(contact_id=contact_id, kind=kind,
                           subject=subject[:200] if subject else None, created_at=now))
    session.flush()


def count(session: Session, kind: str, now: datetime, *, contact_id: int | None = None,
          subject: str | None = None, window: timedelta = DAY) -> int:
    """Actions of this kind in the window ending now, by the contact or about the subject."""
    where = [AbuseEvent.kind == kind, AbuseEvent.created_at > now - window]
    if contact_id is not None:
        where.append(AbuseEvent.contact_id == contact_id)
    if subject is not None:
        where.append(AbuseEvent.subject == subject)
    return session.scalar(select(func.count()).select_from(AbuseEvent).where(*where)) or 0


def retry_after(session: Session, kind: str, contact_id: int, limit: int, now: datetime,
                window: timedelta = DAY) -> timedelta | None:
    """None while the contact has fewer than `limit` actions in the window; else how long
    until the oldest counted one ages out."""
    recent = list(session.scalars(
        select(AbuseEvent.created_at)
        .where(AbuseEvent.kind == kind, AbuseEvent.contact_id == contact_id,
               AbuseEvent.created_at > now - window)
        .order_by(AbuseEvent.created_at.desc()).limit(limit)))
    if len(recent) < limit:
        return None
    return max(recent[-1] + window - now, timedelta(seconds=1))

