"""Throwaway PostgreSQL databases for benchmarks."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from backend.platform import db

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def scratch_database(prefix: str, keep: bool = False) -> Iterator[str]:
    admin = os.environ.get("BENCH_DATABASE_URL", DEFAULT_ADMIN_URL)
    with db.scratch_database(admin, prefix, keep=keep) as url:
        yield url
