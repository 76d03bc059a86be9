"""Shared fixtures: a migrated database on SQLite and, when TEST_DATABASE_URL is set, on
PostgreSQL (a fresh throwaway database per run), plus the default rules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from backend.metering.rules import Rules, load_rules
from backend.models import Base
from backend.platform import migrate
from backend.platform.db import (
    create_database,
    drop_database,
    make_engine,
    make_session_factory,
    scratch_database,
)
from backend.platform.settings import DEFAULT_RULES_FILE

if TYPE_CHECKING:
    from bot.i18n import Renderer

BACKENDS = ["sqlite", "postgres"]


def _postgres_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules(DEFAULT_RULES_FILE)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A new empty PostgreSQL database for this test run, dropped afterwards."""
    admin = _postgres_admin_url()
    required = os.environ.get("REQUIRE_POSTGRES") == "1"
    if not admin:
        if required:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped")
    try:
        url = create_database(admin, "sahayak_test")
    except Exception as exc:  # noqa: BLE001 - any connection failure
        if required:
            pytest.fail(f"PostgreSQL unreachable at TEST_DATABASE_URL: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    yield url
    drop_database(admin, url)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = request.getfixturevalue(f"{request.param}_url")
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _wipe(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """A migrated, empty database (each test starts clean)."""
    _wipe(migrated_engine)
    yield migrated_engine


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database of its own (migration tests): a SQLite file, or a
    scratch PostgreSQL database next to the test run's, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    admin_url = request.getfixturevalue("postgres_url")  # skips/fails like the others
    with scratch_database(admin_url, "sahayak_fresh") as url:
        yield url


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def db_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("migrated_engine") == "postgres":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def worker_renderer() -> Iterator[Renderer]:
    """The renderer the outbox worker sends with: the composition root's (helpline and
    time zone from the configuration), for tests that read what a consumer would get."""
    from bot.composition import compose
    from tests.servers import make_settings

    components = compose(make_settings("sqlite://"))
    yield components.renderer
    components.close()


@pytest.fixture
def tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
