"""Broadcasts as staff use them (CLI now, dashboard later): create, preview, send, pause,
resume, cancel, list, and `send_due` for the scheduler; what they did is in
`delivery_report`. Functions taking a `Session` work in the caller's transaction; `send`
and `send_due` take a session factory because a large fan-out commits chunk by chunk."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.engagement.broadcasts.audience import audience
from backend.engagement.broadcasts.fanout import (
    BODY_KEY,
    Progress,
    id_chunks,
    queue_chunk,
    row_params,
)
from backend.engagement.broadcasts.spec import (
    LANGUAGES,
    Draft,
    Segment,
    validate_draft,
    validate_segment,
)
from backend.engagement.broadcasts.window import TRAI_WINDOW, PromoWindow
from backend.messaging.reach import BIHAR, PushChannels
from backend.messaging.sms import encoding, segments, to_gsm_safe
from backend.models import (
    Broadcast,
    BroadcastClass,
    BroadcastStatus,
    OutboxMessage,
    OutboxStatus,
)
from backend.platform.errors import Conflict, InvalidInput, NotFound

#: (message key, language, outbox params) -> the text a recipient reads; the bot passes
#: its catalog renderer so previews count the real SMS text (backend has no catalogs).
log = logging.getLogger(__name__)

RenderText = Callable[[str, str, Mapping[str, Any]], str]
CHUNK = 100_000


def _get(session: Session, broadcast_id: int, *, lock: bool = False) -> Broadcast:
    query = select(Broadcast).where(Broadcast.id == broadcast_id)
    if lock:
        query = query.with_for_update()
    broadcast = session.scalars(query).first()
    if broadcast is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    return broadcast


def get(session: Session, broadcast_id: int) -> Broadcast:
    return _get(session, broadcast_id)


def create(session: Session, draft: Draft, now: datetime) -> Broadcast:
    """A free-text broadcast, checked; 'scheduled' if it has a time, else a 'draft'."""
    draft = validate_draft(draft, now)
    segment = validate_segment(session, draft.segment)
    return _add(session, title=draft.title, message_class=draft.message_class,
                message_key=BODY_KEY, params={}, body_hi=draft.body_hi, body_en=draft.body_en,
                body_hi_latn=draft.body_hi_latn, content_sid=draft.content_sid,
                content_variables=draft.content_variables or None, segment=segment,
                scheduled_at=draft.scheduled_at, created_by=draft.created_by, now=now)


def create_notice(session: Session, *, title: str, message_key: str,
                  params: Mapping[str, Any], segment: Segment, created_by: str,
                  now: datetime, outage_id: int | None = None) -> Broadcast:
    """A service broadcast whose text is a catalog key with fixed params, so each
    recipient reads it in their own language (outage notices)."""
    if not title.strip() or len(title) > 120:
        raise InvalidInput("title must be 1-120 characters")
    return _add(session, title=title.strip(), message_class=BroadcastClass.SERVICE.value,
                message_key=message_key, params=dict(params), body_hi=None, body_en=None,
                body_hi_latn=None, content_sid=None, content_variables=None,
                segment=validate_segment(session, segment), scheduled_at=None,
                created_by=created_by, now=now, outage_id=outage_id)


def _add(session: Session, *, segment: Segment, now: datetime, scheduled_at: datetime | None,
         **values: Any) -> Broadcast:
    status = BroadcastStatus.SCHEDULED if scheduled_at else BroadcastStatus.DRAFT
    broadcast = Broadcast(**values, status=status, segment=segment.to_dict(),
                          scheduled_at=scheduled_at, created_at=now, updated_at=now)
    session.add(broadcast)
    session.flush()
    return broadcast


def list_broadcasts(session: Session, limit: int = 50) -> list[Broadcast]:
    if limit <= 0:
        raise InvalidInput("limit must be positive")
    return list(session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)))


# ----------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class SmsCost:
    encoding: str
    segments: int


@dataclass
class Preview:
    """Recipients per (channel, language), consumers skipped as opted out, and what one
    SMS costs per language (None when there is no text to measure)."""

    recipients: dict[tuple[str, str], int] = field(default_factory=dict)
    skipped_opted_out: int = 0
    sms: dict[str, SmsCost | None] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.recipients.values())

    def by_channel(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (channel, _), n in self.recipients.items():
            out[channel] += n
        return dict(out)


def preview(session: Session, broadcast_id: int, render: RenderText | None = None, *,
            reach: PushChannels = BIHAR) -> Preview:
    """Counts straight from the audience query the fan-out uses (distinct addresses, as
    the fan-out sends one message per address)."""
    broadcast = _get(session, broadcast_id)
    a = audience(Segment.from_dict(broadcast.segment), reach=reach).subquery("a")
    rows = session.execute(
        select(a.c.channel, a.c.language, a.c.skip, func.count(func.distinct(a.c.address)),
               func.count())
        .group_by(a.c.channel, a.c.language, a.c.skip)).all()
    result = Preview()
    for channel, language, skip, addresses, consumers in rows:
        if skip:
            result.skipped_opted_out += int(consumers)
        else:
            result.recipients[(channel, language)] = int(addresses)
    for language in LANGUAGES:
        params = row_params(broadcast, language)
        if render is not None:
            text = render(broadcast.message_key, language, params)
        else:
            text = params.get("body") if broadcast.message_key == BODY_KEY else None
        if text is None:
            result.sms[language] = None
            continue
        text = to_gsm_safe(text)
        result.sms[language] = SmsCost(encoding(text), segments(text))
    return result


# ----------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class SendReport:
    broadcast_id: int
    queued: int  # rows added by this run (a rerun adds only consumers new to the segment)
    recipients: int  # rows in the outbox for the broadcast in all
    skipped_opted_out: int


Target = sessionmaker[Session] | Engine | Connection


def _sessions(target: Target) -> sessionmaker[Session]:
    """Sessions for a fan-out. On an Engine or a session factory each chunk commits; on a
    Connection the sessions join the caller's transaction, which commits (or rolls back)
    the whole fan-out at once."""
    if isinstance(target, Engine | Connection):
        return sessionmaker(target, expire_on_commit=False)
    return target


def send(target: Target, broadcast_id: int, now: datetime, *,
         progress: Progress | None = None, chunk: int = CHUNK,
         only_if_scheduled: bool = False, window: PromoWindow = TRAI_WINDOW,
         reach: PushChannels = BIHAR) -> SendReport | None:
    """Fan a draft, scheduled or already-queued broadcast out into the outbox now
    (promotional rows wait for the start of `window`, Backend.promotional_window, when
    outside it). Refuses paused and
    cancelled ones. With `only_if_scheduled` (the scheduler) anything no longer scheduled
    is left alone and None returned, so two schedulers racing send it once."""
    if chunk <= 0:
        raise InvalidInput("chunk must be positive")
    sessions = _sessions(target)
    with sessions.begin() as session:
        broadcast = _get(session, broadcast_id, lock=True)
        if only_if_scheduled and broadcast.status != BroadcastStatus.SCHEDULED:
            return None
        if broadcast.status in (BroadcastStatus.PAUSED, BroadcastStatus.CANCELLED):
            raise Conflict(f"broadcast {broadcast_id} is {broadcast.status.value}: "
                           + ("resume it first" if broadcast.status == BroadcastStatus.PAUSED
                              else "it cannot be sent"))
        broadcast.status = BroadcastStatus.QUEUED
        broadcast.queued_at = broadcast.queued_at or now
        broadcast.updated_at = now
        session.flush()
        session.expunge(broadcast)
        chunks = id_chunks(session.connection(), chunk)
    queued = skipped = 0
    for done, ids in enumerate(chunks, 1):
        with sessions.begin() as session:
            # A share lock: a cancel (FOR UPDATE) waits for this chunk, or this chunk
            # sees the cancel and stops, so no row is queued after a cancel.
            status = session.scalar(select(Broadcast.status)
                                    .where(Broadcast.id == broadcast_id)
                                    .with_for_update(read=True))
            if status == BroadcastStatus.CANCELLED:
                break
            added, skip = queue_chunk(session.connection(), broadcast, ids, now, window,
                                      reach=reach)
        queued, skipped = queued + added, skipped + skip
        if progress is not None:
            progress(done, len(chunks), queued)
    with sessions.begin() as session:
        total = session.scalar(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.broadcast_id == broadcast_id)) or 0
        session.execute(update(Broadcast).where(Broadcast.id == broadcast_id)
                        .values(recipients=total, skipped_opted_out=skipped))
    log.info("broadcast %s: %d queued now, %d in all, %d skipped as opted out",
             broadcast_id, queued, total, skipped)
    return SendReport(broadcast_id, queued, int(total), skipped)


def send_due(target: Target, now: datetime, *, progress: Progress | None = None,
             window: PromoWindow = TRAI_WINDOW,
             reach: PushChannels = BIHAR) -> list[SendReport]:
    """Send every scheduled broadcast whose time has come (the scheduler calls this every
    minute); paused ones wait, a scheduled time in the past is sent at once."""
    sessions = _sessions(target)
    with sessions() as session:
        due = list(session.scalars(
            select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SCHEDULED,
                                       Broadcast.scheduled_at <= now)
            .order_by(Broadcast.scheduled_at, Broadcast.id)))
    reports = []
    for broadcast_id in due:
        report = send(sessions, broadcast_id, now, progress=progress, only_if_scheduled=True,
                      window=window, reach=reach)
        if report is not None:
            reports.append(report)
    return reports


# ----------------------------------------------------------------------------- control


def pause(session: Session, broadcast_id: int, now: datetime) -> Broadcast:
    """Hold a scheduled or queued broadcast: the outbox claims none of its rows."""
    broadcast = _get(session, broadcast_id, lock=True)
    if broadcast.status not in (BroadcastStatus.SCHEDULED, BroadcastStatus.QUEUED):
        raise Conflict(f"broadcast {broadcast_id} is {broadcast.status.value}; only a "
                       "scheduled or queued broadcast can be paused")
    broadcast.status, broadcast.updated_at = BroadcastStatus.PAUSED, now
    session.flush()
    return broadcast


def resume(session: Session, broadcast_id: int, now: datetime) -> Broadcast:
    """Back to where it was: queued (sending again), scheduled or draft."""
    broadcast = _get(session, broadcast_id, lock=True)
    if broadcast.status != BroadcastStatus.PAUSED:
        raise Conflict(f"broadcast {broadcast_id} is {broadcast.status.value}, not paused")
    broadcast.status = (BroadcastStatus.QUEUED if broadcast.queued_at
                        else BroadcastStatus.SCHEDULED if broadcast.scheduled_at
                        else BroadcastStatus.DRAFT)
    broadcast.updated_at = now
    session.flush()
    return broadcast


def cancel(session: Session, broadcast_id: int, now: datetime) -> int:
    """Cancel for good; rows not yet sent are marked cancelled (returned: how many), so the
    totals say what happened. A message being sent right now still goes."""
    broadcast = _get(session, broadcast_id, lock=True)
    if broadcast.status == BroadcastStatus.CANCELLED:
        raise Conflict(f"broadcast {broadcast_id} is already cancelled")
    broadcast.status, broadcast.updated_at = BroadcastStatus.CANCELLED, now
    session.flush()
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast_id,
               OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, locked_until=None)
        .execution_options(synchronize_session=False))
    return result.rowcount
