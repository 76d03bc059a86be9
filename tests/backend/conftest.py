"""The REST API tests' client: the real app over the test database, composed like
production (test_api.py keeps its own, with a small request-size limit)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.composition import compose
from tests.servers import clear_settings_env, make_settings


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[TestClient]:  # noqa: ANN001
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with TestClient(create_app(compose(make_settings(db_url))),
                    raise_server_exceptions=False) as c:
        yield c
