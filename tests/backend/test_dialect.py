"""The one dialect-aware INSERT (backend/platform/dialect.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from backend.models import Counter
from backend.platform.dialect import insert_for


def test_insert_for_follows_the_bind_and_upserts(session_factory: sessionmaker[Session]
                                                 ) -> None:
    with session_factory.begin() as session:
        engine = session.get_bind()
        assert isinstance(engine, Engine)
        expected = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        assert insert_for(session) is insert_for(engine) is expected
        assert insert_for(session.connection()) is expected
        table = Counter.__table__
        for value in (1, 2):  # the second insert updates: ON CONFLICT works on both
            stmt = insert_for(session)(table).values(name="dialect-test", value=value)
            session.execute(stmt.on_conflict_do_update(index_elements=[table.c.name],
                                                       set_={"value": stmt.excluded.value}))
        assert session.get(Counter, "dialect-test").value == 2


def test_insert_for_refuses_a_database_without_on_conflict() -> None:
    with pytest.raises(NotImplementedError, match="mysql"):
        insert_for(SimpleNamespace(dialect=SimpleNamespace(name="mysql")))  # type: ignore[arg-type]
