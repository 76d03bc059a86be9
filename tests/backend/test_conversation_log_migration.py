"""Migration 0009 (the conversation log) goes down and up again and leaves exactly the
schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from backend.platform import migrate
from tests.factories import schema_diff, table_names


def test_migration_0009_down_and_up(fresh_url: str) -> None:
    below = ScriptDirectory.from_config(migrate.alembic_config(fresh_url)).get_revision(
        "0009").down_revision
    migrate.upgrade(fresh_url)
    assert "conversation_log" in table_names(fresh_url)
    migrate.downgrade(fresh_url, str(below))
    tables = table_names(fresh_url)
    assert "conversation_log" not in tables and "contacts" in tables
    migrate.upgrade(fresh_url)
    assert migrate.schema_problem(fresh_url) is None
    assert schema_diff(fresh_url) == []
