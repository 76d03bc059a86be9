"""Fan-out: a broadcast's audience into the outbox with INSERT ... SELECT, chunk by chunk
of consumer ids (each its own transaction, so progress can be shown and a crash loses
nothing: the rerun skips what is there).

Idempotency key `bc:<id>:<channel>:<address>`: a rerun never queues twice, and two
connections registered to one mobile get one message. Each row carries its text in
`params` (`body` in the recipient's language, rendered by the catalog key
`broadcast.body`), or the notice's fixed params for a catalog-key broadcast."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Integer,
    String,
    case,
    cast,
    func,
    literal,
    select,
)

from backend.engagement.broadcasts.audience import IdRange, audience
from backend.engagement.broadcasts.spec import Segment
from backend.engagement.broadcasts.window import TRAI_WINDOW, PromoWindow, next_promotional_start
from backend.messaging.bulk import insert_from_select, json_object, pending, text_value
from backend.messaging.reach import BIHAR, PushChannels
from backend.models import Broadcast, BroadcastClass, Consumer

BODY_KEY = "broadcast.body"
CONTENT_SID_PARAM, CONTENT_VARIABLES_PARAM = "_content_sid", "_content_variables"
Progress = Callable[[int, int, int], None]  # (chunks done, chunks, rows queued so far)


def body_for(broadcast: Broadcast, language: str) -> str | None:
    """The body a reader of `language` gets; romanized Hindi falls back to English."""
    if language == "en":
        return broadcast.body_en
    if language == "hi-Latn":
        return broadcast.body_hi_latn or broadcast.body_en
    return broadcast.body_hi


def row_params(broadcast: Broadcast, language: str) -> dict[str, Any]:
    """What one outbox row's params are for a reader of `language` (for previews)."""
    if broadcast.message_key != BODY_KEY:
        return dict(broadcast.params or {})
    params: dict[str, Any] = {"body": body_for(broadcast, language)}
    if broadcast.content_sid:
        params[CONTENT_SID_PARAM] = broadcast.content_sid
        params[CONTENT_VARIABLES_PARAM] = json.dumps(broadcast.content_variables or {})
    return params


def _params(conn: Connection, broadcast: Broadcast, language: ColumnElement) -> ColumnElement:
    if broadcast.message_key != BODY_KEY:
        fixed = text_value(json.dumps(broadcast.params or {}))
        return (cast(fixed, JSON) if conn.dialect.name == "postgresql"
                else func.json(fixed, type_=JSON))
    body = case((language == "en", text_value(broadcast.body_en)),
                (language == "hi-Latn", text_value(broadcast.body_hi_latn or broadcast.body_en)),
                else_=text_value(broadcast.body_hi))
    extra = {}
    if broadcast.content_sid:
        extra = {CONTENT_SID_PARAM: text_value(broadcast.content_sid),
                 CONTENT_VARIABLES_PARAM: text_value(json.dumps(broadcast.content_variables
                                                               or {}))}
    return json_object(conn, body=body, **extra)


def queue_chunk(conn: Connection, broadcast: Broadcast, ids: IdRange | None,
                now: datetime, window: PromoWindow = TRAI_WINDOW, *,
                reach: PushChannels = BIHAR) -> tuple[int, int]:
    """Queue one chunk; returns (rows queued now, consumers skipped as opted out).
    Promotional rows wait for `window` (Backend.promotional_window); `reach` names the
    push channels (the bot's channel registry describes them)."""
    a = audience(Segment.from_dict(broadcast.segment), ids, reach=reach).subquery("a")
    not_before = (next_promotional_start(now, window)
                  if broadcast.message_class == BroadcastClass.PROMOTIONAL else now)
    key = (literal(f"bc:{broadcast.id}:", String) + a.c.channel + literal(":", String)
           + a.c.address)
    query = select(
        key, a.c.channel, a.c.address, literal(broadcast.message_key, String),
        _params(conn, broadcast, a.c.language), a.c.language,
        *pending(not_before, now), literal(broadcast.id, Integer),
    ).where(~a.c.skip)
    queued = insert_from_select(conn, query, extra=("broadcast_id",))
    skipped = conn.execute(select(func.count()).select_from(a).where(a.c.skip)).scalar_one()
    return queued, int(skipped)


def id_chunks(conn: Connection, chunk: int) -> list[IdRange]:
    """Consumer id ranges of about `chunk` ids each, covering every consumer."""
    lo, hi = conn.execute(select(func.min(Consumer.id), func.max(Consumer.id))).one()
    if lo is None:
        return []
    start, out = lo - 1, []
    while start < hi:
        out.append(IdRange(start, min(start + chunk, hi)))
        start += chunk
    return out
