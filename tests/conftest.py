"""Shared fixtures: a migrated database on SQLite and, when TEST_DATABASE_URL is set, on
PostgreSQL (a throwaway database per run and per xdist worker), the default rules, the
bounded Hypothesis profile, and the tier markers (docs/ARCHITECTURE.md, "Tests")."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from backend.metering.rules import Rules, load_rules
from backend.models import Base
from backend.platform import migrate
from backend.platform.db import (
    create_database,
    drop_database,
    make_engine,
    make_session_factory,
)
from backend.platform.settings import DEFAULT_RULES_FILE

if TYPE_CHECKING:
    from bot.i18n import Renderer

BACKENDS = ["sqlite", "postgres"]
# Names this worker's scratch databases: "gw0", "gw1", … under pytest-xdist, prefixed by a
# tag of the checkout, so two checkouts (git worktrees) testing at once never share one.
_CHECKOUT = hashlib.sha1(str(Path(__file__).resolve().parent).encode()).hexdigest()[:6]
WORKER = f"{_CHECKOUT}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

# Bounded and repeatable by default, so property tests cost the same every run and never
# flake; HYPOTHESIS_PROFILE=explore searches wider (random, more examples).
hypothesis_settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True,
                                     print_blob=True)
hypothesis_settings.register_profile("explore", max_examples=500, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
        url = create_database(admin, f"sahayak_test_{WORKER}")
        _no_commit_wait(admin, url)
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


def _no_commit_wait(admin_url: str, url: str) -> None:
    """Commits in this throwaway database do not wait for the WAL flush (a crash may lose
    the last commits, which a test database never minds); reads see the same data."""
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{make_url(url).database}" '
                              "SET synchronous_commit = off"))
    finally:
        admin.dispose()


# Every sequence used since the last wipe back to its start, as TRUNCATE … RESTART IDENTITY
# would do, so ids start at 1 in every test.
_RESTART_SEQUENCES = """
SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL
"""


def _wipe(engine: Engine) -> None:
    """Empty every table, children first. DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of
    the ~26 small tables costs 150-400 ms per test (new files for each table and index),
    DELETE about 3 ms."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        if engine.dialect.name == "postgresql":
            conn.execute(text(_RESTART_SEQUENCES))


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
    drops = request.getfixturevalue("background_drops")  # set up after, torn down before
    url = create_database(admin_url, f"sahayak_fresh_{WORKER}")
    try:
        yield url
    finally:
        drops.submit(drop_database, admin_url, url)


@pytest.fixture(scope="session")
def background_drops() -> Iterator[ThreadPoolExecutor]:
    """DROP DATABASE waits for a checkpoint (seconds on a busy machine): the tests go on
    while one thread drops the scratch databases; the session waits for it at the end."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-db") as pool:
        yield pool


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def db_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


# A test that asks for one of these (directly or through another fixture) runs on a
# migrated database: the `database` tier.
DATABASE_FIXTURES = frozenset({"migrated_engine", "engine", "session_factory", "db_url",
                               "fresh_url", "sqlite_url", "postgres_url"})
WEB_DIR = Path(__file__).parent / "web"


def tier_of(item: pytest.Item) -> str:
    """`web` for tests/web (a browser), `database` for a test that uses a database fixture,
    else `unit`."""
    if WEB_DIR in Path(str(item.path)).parents:
        return "web"
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "database"
    return "unit"


def on_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    return ("postgres" in (params.get("migrated_engine"), params.get("fresh_url"))
            or "postgres_url" in getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier (and `postgres` for the PostgreSQL half), so that
    `-m unit`, `-m "database and not postgres"` or `-m "not slow"` pick a tier."""
    for item in items:
        item.add_marker(tier_of(item))
        if on_postgres(item):
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
