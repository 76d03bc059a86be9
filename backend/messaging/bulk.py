"""Set-based enqueueing, the bulk twin of `enqueue.enqueue`: INSERT … SELECT into the outbox,
a row whose idempotency key is already there skipped (ON CONFLICT DO NOTHING), so a rerun
queues nothing twice. Used by the alert scan, broadcast fan-out and complaint escalation;
plus the SQL pieces their SELECTs share (typed literals, JSON params, keys)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Integer, Select, String, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import JSON

from backend.models import OutboxMessage, OutboxStatus
from backend.platform.dialect import insert_for

outbox = OutboxMessage.__table__
#: The columns a SELECT handed to `insert_from_select` yields, in this order (`extra` adds
#: more after them, e.g. broadcast_id).
COLUMNS = ("idempotency_key", "channel", "address", "message_key", "params", "language",
           "status", "attempts", "next_attempt_at", "created_at")


def text_value(value: str | None) -> ColumnElement:
    """A typed string literal: PostgreSQL cannot infer a bare parameter's type inside
    json_build_object."""
    return cast(literal(value, String), String)


def json_object(conn: Connection, **values: ColumnElement) -> ColumnElement:
    """A JSON object built in SQL (json_build_object on PostgreSQL, json_object on SQLite)."""
    args: list[ColumnElement] = []
    for name, value in values.items():
        args += [text_value(name), value]
    fn = func.json_build_object if conn.dialect.name == "postgresql" else func.json_object
    return fn(*args, type_=JSON)


def idempotency_key(*parts: ColumnElement | str) -> ColumnElement:
    """An idempotency key joined with ':' from strings and columns."""
    out: ColumnElement = literal("", String)
    for i, part in enumerate(parts):
        piece = literal(part, String) if isinstance(part, str) else cast(part, String)
        out = out + (literal(":", String) + piece if i else piece)
    return out


def pending(not_before: datetime, now: datetime) -> list[ColumnElement]:
    """The last four of `COLUMNS` for a new row: pending, no attempts, due at `not_before`."""
    return [literal(OutboxStatus.PENDING.value, String).label("status"),
            literal(0, Integer).label("attempts"),
            literal(not_before, OutboxMessage.next_attempt_at.type).label("next_attempt_at"),
            literal(now, OutboxMessage.created_at.type).label("created_at")]


def insert_from_select(conn: Connection, query: Select, extra: tuple[str, ...] = ()) -> int:
    """Queue the rows `query` yields (`COLUMNS` + `extra`); returns how many were new."""
    stmt = (insert_for(conn)(outbox).from_select([*COLUMNS, *extra], query)
            .on_conflict_do_nothing(index_elements=[outbox.c.idempotency_key])
            # Without it SQLAlchemy reports -1 for an INSERT ... SELECT on psycopg.
            .execution_options(preserve_rowcount=True))
    return conn.execute(stmt).rowcount
