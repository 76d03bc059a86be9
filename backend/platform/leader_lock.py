"""Leader election for the scheduler: only the process holding the lock runs jobs.

PostgreSQL: a session-level `pg_try_advisory_lock` on a dedicated AUTOCOMMIT connection
(outside the pool, never idle in a transaction) held for the scheduler's life. The server
frees it when that session ends, so a holder that dies (crash, SIGKILL, lost host) hands
over as soon as its connection closes; a standby retries every few seconds. Advisory locks
are per database, so schedulers of different databases never block each other.

SQLite (the embedded single-machine default): an exclusive `flock` on a file next to the
database. The kernel frees it when the process dies. Processes on different machines
cannot share a SQLite file safely anyway. An in-memory database is private to its process,
so its lock is always granted.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, make_url, pool, text
from sqlalchemy.exc import DBAPIError

from backend.platform.db import make_engine

log = logging.getLogger(__name__)

DEFAULT_LOCK_NAME = "bijli-sahayak:scheduler"


class LeaderLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if free; True if this instance holds it now."""

    def still_held(self) -> bool:
        """False once the lock may have passed to someone else (e.g. connection lost)."""

    def release(self) -> None:
        """Let go (idempotent)."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock from a readable name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresAdvisoryLock:
    def __init__(self, url: str, name: str = DEFAULT_LOCK_NAME) -> None:
        self.key = lock_key(name)
        self._engine = make_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT",
                                   pool_pre_ping=False)
        self._conn: Connection | None = None
        self._held = False

    def try_acquire(self) -> bool:
        if self._held:
            return self.still_held()
        try:
            if self._conn is None:
                self._conn = self._engine.connect()
            self._held = bool(self._conn.execute(
                text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"),
                {"key": self.key}).scalar())
        except DBAPIError as exc:
            log.warning("scheduler lock: database unreachable (%s)", type(exc).__name__)
            self._drop()
        return self._held

    def still_held(self) -> bool:
        """The lock lives as long as its session: a query that works means we hold it."""
        if not self._held or self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._conn is not None and self._held:
            # If the session is gone, so is the lock.
            with contextlib.suppress(DBAPIError):
                self._conn.execute(text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"),
                                   {"key": self.key})
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            with contextlib.suppress(DBAPIError):
                self._conn.close()
            self._conn = None


class FileLock:
    """Exclusive, non-blocking `flock` (one per open file, so two instances in one process
    exclude each other too)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class ProcessLock:
    """Always granted: for a database only this process can see (SQLite in memory)."""

    def __init__(self) -> None:
        self._held = False

    def try_acquire(self) -> bool:
        self._held = True
        return True

    def still_held(self) -> bool:
        return self._held

    def release(self) -> None:
        self._held = False


def leader_lock_for(database_url: str, name: str = DEFAULT_LOCK_NAME) -> LeaderLock:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(database_url, name)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
            return ProcessLock()
        return FileLock(Path(f"{url.database}.scheduler.lock"))
    raise ValueError(f"no scheduler lock for {url.get_backend_name()} databases")
