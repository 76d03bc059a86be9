"""The one place that picks the dialect's INSERT: only the PostgreSQL and SQLite constructs
have ON CONFLICT (`on_conflict_do_nothing` / `on_conflict_do_update`), which the upserts
and idempotent enqueues rely on; plain `sqlalchemy.insert` has neither."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Upsert = postgresql.Insert | sqlite.Insert

#: The dialect `insert` functions by dialect name (both return an Insert with ON CONFLICT).
_INSERTS: dict[str, Callable[..., Upsert]] = {"postgresql": postgresql.insert,
                                           "sqlite": sqlite.insert}


def insert_for(bind: Connection | Engine | Session) -> Callable[..., Upsert]:
    """The `insert` function of `bind`'s dialect, e.g. `insert_for(conn)(table)`.

    Raises NotImplementedError for a database other than PostgreSQL or SQLite, rather than
    fall back to an INSERT that would fail later on its ON CONFLICT clause."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect
    try:
        return _INSERTS[dialect.name]
    except KeyError:
        raise NotImplementedError(f"no upsert support for the {dialect.name} dialect") from None
