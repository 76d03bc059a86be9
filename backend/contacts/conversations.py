"""Per-contact dialogue records: provider-message dedupe and conversation state.

Everything works in the caller's transaction and never commits. The intended order in the
transaction that handles one inbound message is:

1. Lock the contact's row, so two processes handling two messages of the same contact
   take turns instead of interleaving their state: the engine does it with
   `contacts.inbound_contact` (one statement that also notes the message); otherwise
   `load_state(..., for_update=True)` takes the lock.
2. `claim_message`. On PostgreSQL a concurrent duplicate blocks on the primary key until
   this transaction ends, then sees it processed; on SQLite the first write takes the
   database's write lock for the whole transaction. If handling fails and the
   transaction rolls back, the claim goes too, so the provider's retry is handled.
   Then `load_state`.
3. `save_state` / `clear_state` / `bump_failures` / `reset_failures`, then commit.

State is read and written with Core statements, not ORM objects, so a snapshot is always
what the database holds (no stale identity-map copies after an upsert). The upserts are
written as SQL text: SQLAlchemy's dialect `insert()` constructs (ON CONFLICT) cannot be
cached and were recompiled on every message, while this text is compiled once; the
syntax is the same on PostgreSQL and SQLite (3.35+).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, delete, select, text, update
from sqlalchemy.orm import Session

from backend.contacts.contacts import lock_contact
from backend.models import ConversationState, ProcessedMessage

MAX_MESSAGE_ID = 128
MAX_NAME = 32  # flow and step names
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


@dataclass(frozen=True)
class ConversationSnapshot:
    """A contact's state as loaded. `flow` None: no form in progress (the row then exists
    only to keep `failures`). `data` is a private copy: change it and `save_state` it."""

    flow: str | None
    step: str | None
    data: dict[str, Any] = field(default_factory=dict)
    failures: int = 0
    expires_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def in_flow(self) -> bool:
        return self.flow is not None


def typed_sql(table: Table, sql: str, *, returning: tuple[str, ...] = ()) -> TextClause:
    """Cacheable SQL text for `table` whose `:name` parameters and RETURNING columns take
    the types of the table's columns of the same name (UtcDateTime, JSON, enums)."""
    names = sorted(set(_PARAM.findall(sql)) & set(table.c.keys()))
    stmt = text(sql).bindparams(*(bindparam(n, type_=table.c[n].type) for n in names))
    return stmt.columns(*(table.c[n] for n in returning)) if returning else stmt


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware (UTC) datetime")
    return moment


# ---------------------------------------------------------------------------- dedupe

_CLAIM = typed_sql(ProcessedMessage.__table__, """
    INSERT INTO processed_messages (channel, message_id, contact_id, processed_at)
    VALUES (:channel, :message_id, :contact_id, :processed_at)
    ON CONFLICT (channel, message_id) DO NOTHING
    RETURNING message_id""")


def claim_message(session: Session, channel: str, message_id: str | int,
                  contact_id: int | None, now: datetime) -> bool:
    """Record that (channel, message_id) is being handled. False if it already was: the
    provider is retrying a message we answered, so answer nothing.

    INSERT ... ON CONFLICT DO NOTHING: a duplicate neither raises nor aborts the caller's
    transaction, and two processes racing on the same id get exactly one True.
    """
    message_id = str(message_id)
    if not channel or len(channel) > 16:
        raise ValueError("channel must be 1-16 characters")
    if not message_id or len(message_id) > MAX_MESSAGE_ID:
        raise ValueError(f"message_id must be 1-{MAX_MESSAGE_ID} characters")
    params = {"channel": channel, "message_id": message_id, "contact_id": contact_id,
              "processed_at": _aware(now)}
    return session.execute(_CLAIM, params).first() is not None


def purge_processed(session: Session, older_than: datetime) -> int:
    """Forget message ids processed before `older_than` (providers retry only for minutes
    to hours; see `Settings.processed_message_retention_hours`). Returns rows deleted."""
    stmt = (delete(ProcessedMessage)
            .where(ProcessedMessage.processed_at < _aware(older_than))
            .execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount or 0


# ---------------------------------------------------------------------------- state

_COLUMNS = (ConversationState.flow, ConversationState.step, ConversationState.data,
            ConversationState.failures, ConversationState.expires_at,
            ConversationState.updated_at)


_STATE_TABLE = ConversationState.__table__
_SAVE = typed_sql(_STATE_TABLE, """
    INSERT INTO conversation_states
        (contact_id, flow, step, data, failures, expires_at, updated_at)
    VALUES (:contact_id, :flow, :step, :data, :failures, :expires_at, :updated_at)
    ON CONFLICT (contact_id) DO UPDATE SET
        flow = excluded.flow, step = excluded.step, data = excluded.data,
        failures = excluded.failures, expires_at = excluded.expires_at,
        updated_at = excluded.updated_at
    RETURNING flow, step, data, failures, expires_at, updated_at""",
    returning=("flow", "step", "data", "failures", "expires_at", "updated_at"))
_BUMP = typed_sql(_STATE_TABLE, """
    INSERT INTO conversation_states
        (contact_id, flow, step, data, failures, expires_at, updated_at)
    VALUES (:contact_id, NULL, NULL, :data, 1, :expires_at, :updated_at)
    ON CONFLICT (contact_id) DO UPDATE SET
        failures = conversation_states.failures + 1,
        expires_at = excluded.expires_at, updated_at = excluded.updated_at
    RETURNING failures""", returning=("failures",))


# Built once: constructing a statement costs more than running a cached one.
_LOAD = select(*_COLUMNS).where(ConversationState.contact_id == bindparam("contact_id"))
_LOAD_FOR_UPDATE = _LOAD.with_for_update()


def _snapshot(row: Any) -> ConversationSnapshot:  # noqa: ANN401 - a Row of _COLUMNS
    return ConversationSnapshot(flow=row.flow, step=row.step,
                                data=copy.deepcopy(row.data or {}), failures=row.failures,
                                expires_at=row.expires_at, updated_at=row.updated_at)


def load_state(session: Session, contact_id: int, now: datetime, *,
               for_update: bool = False) -> ConversationSnapshot | None:
    """The contact's live state, or None. An expired state counts as none and is deleted
    (a half-finished form from yesterday must not capture today's "balance?").

    `for_update=True` locks the contact first (see `contacts.lock_contact`): use it when this
    transaction will save the state.
    """
    now = _aware(now)
    if for_update:
        lock_contact(session, contact_id)
    stmt = _LOAD_FOR_UPDATE if for_update else _LOAD
    row = session.execute(stmt, {"contact_id": contact_id}).first()
    if row is None:
        return None
    if row.expires_at <= now:
        clear_state(session, contact_id)
        return None
    return _snapshot(row)


def save_state(session: Session, contact_id: int, *, flow: str | None, step: str | None,
               data: dict[str, Any] | None, failures: int, now: datetime,
               ttl: timedelta) -> ConversationSnapshot:
    """Create or replace the contact's state; it expires `ttl` after `now`. `data` must be
    JSON-serialisable (strings, numbers, lists, dicts)."""
    now = _aware(now)
    for name, value in (("flow", flow), ("step", step)):
        if value is not None and not 0 < len(value) <= MAX_NAME:
            raise ValueError(f"{name} must be 1-{MAX_NAME} characters")
    if failures < 0:
        raise ValueError("failures must be >= 0")
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    params = {"contact_id": contact_id, "flow": flow, "step": step, "data": dict(data or {}),
              "failures": failures, "expires_at": now + ttl, "updated_at": now}
    return _snapshot(session.execute(_SAVE, params).one())


def clear_state(session: Session, contact_id: int) -> None:
    """Forget the contact's state entirely, failure count included."""
    session.execute(delete(ConversationState)
                    .where(ConversationState.contact_id == contact_id)
                    .execution_options(synchronize_session=False))


def bump_failures(session: Session, contact_id: int, now: datetime,
                  ttl: timedelta) -> int:
    """Count one more consecutive misunderstanding and return the new count. Keeps any
    flow in progress (and extends its life); creates a flow-less row if there is none; an
    expired state starts again from 1. Atomic, so concurrent bumps are never lost."""
    now = _aware(now)
    session.execute(delete(ConversationState)
                    .where(ConversationState.contact_id == contact_id,
                           ConversationState.expires_at <= now)
                    .execution_options(synchronize_session=False))
    params = {"contact_id": contact_id, "data": {}, "expires_at": now + ttl, "updated_at": now}
    return int(session.execute(_BUMP, params).scalar_one())


def reset_failures(session: Session, contact_id: int, now: datetime | None = None) -> None:
    """The contact was understood: the consecutive-failure count starts again. A row that
    only existed to hold failures is removed."""
    session.execute(delete(ConversationState)
                    .where(ConversationState.contact_id == contact_id,
                           ConversationState.flow.is_(None))
                    .execution_options(synchronize_session=False))
    values: dict[str, Any] = {"failures": 0}
    if now is not None:
        values["updated_at"] = _aware(now)
    session.execute(update(ConversationState)
                    .where(ConversationState.contact_id == contact_id,
                           ConversationState.failures != 0)
                    .values(**values)
                    .execution_options(synchronize_session=False))


def purge_expired_states(session: Session, now: datetime) -> int:
    """Delete every expired state (housekeeping; `load_state` already ignores them)."""
    stmt = (delete(ConversationState).where(ConversationState.expires_at <= _aware(now))
            .execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount or 0
