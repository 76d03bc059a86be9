"""Engine and session factories. Built on demand by the composition root, never at import."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: object) -> Engine:
    """Create an engine with the settings each dialect needs for our workload."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001 - DBAPI types
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_read_engine(url: str, engine: Engine) -> Engine:
    """The engine for hot one-statement reads (`read_retrying`): on PostgreSQL its own
    small pool, autocommit (no ROLLBACK round trip when the connection goes back) and no
    pre-ping (a `SELECT 1` round trip on every checkout); SQLite needs neither, so
    `engine` itself."""
    if url.startswith("sqlite"):
        return engine
    return make_engine(url, pool_pre_ping=False, isolation_level="AUTOCOMMIT")


T = TypeVar("T")


def read_retrying(engine: Engine, read: Callable[[Connection], T]) -> T:
    """`read(connection)` on a pooled connection; if that connection turns out dead (the
    database restarted, the connection was killed), once more on a fresh one. This is what
    keeps a pool without pre-ping resilient: a disconnect invalidates the pool's older
    connections too, so the second try connects anew. `read` must be safe to repeat."""
    try:
        with engine.connect() as conn:
            return read(conn)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as conn:
        return read(conn)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def create_database(admin_url: str, prefix: str) -> str:
    """Create a new, empty PostgreSQL database next to `admin_url`'s; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def scratch_database(admin_url: str, prefix: str, keep: bool = False) -> Iterator[str]:
    """A throwaway PostgreSQL database (tests, benchmarks), dropped on exit unless `keep`."""
    url = create_database(admin_url, prefix)
    try:
        yield url
    finally:
        if not keep:
            drop_database(admin_url, url)
