"""Migration 0009 (the conversation log) goes down and up again and leaves exactly the
schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from backend.models import Base
from backend.platform import migrate
from backend.platform.db import make_engine


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_migration_0009_down_and_up(fresh_url: str) -> None:
    below = ScriptDirectory.from_config(migrate.alembic_config(fresh_url)).get_revision(
        "0009").down_revision
    migrate.upgrade(fresh_url)
    assert "conversation_log" in _tables(fresh_url)
    migrate.downgrade(fresh_url, str(below))
    tables = _tables(fresh_url)
    assert "conversation_log" not in tables and "contacts" in tables
    migrate.upgrade(fresh_url)
    assert migrate.schema_problem(fresh_url) is None
    engine = make_engine(fresh_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
