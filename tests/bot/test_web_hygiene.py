"""Web hygiene (the issue's finding 7): no redirect takes its host from the request, the
Host header is checked against ALLOWED_HOSTS, every response carries the security headers
(a CSP without inline script, never framed), production's landing page names no database
and counts nobody, and /docs is local (demo mode) or off (production). SQLite and
PostgreSQL (the landing page counts consumers)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.composition import compose
from bot.settings import AppSettings
from bot.webguard import CONTENT_SECURITY_POLICY
from tests.factories import make_consumer
from tests.servers import clear_settings_env, make_settings

EVIL = "evil.example"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


@contextmanager
def client(db_url: str, **overrides: object) -> Iterator[TestClient]:
    app = create_app(compose(make_settings(db_url, **overrides)))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def test_no_redirect_takes_the_host_from_the_request(db_url: str) -> None:
    """Before: GET /api/v1/staff/complaints/ with Host: evil.example answered 307 with
    Location: http://evil.example/api/v1/staff/complaints (Starlette's slash redirect)."""
    with client(db_url) as c:  # ALLOWED_HOSTS unset: any Host reaches the app
        for path in ("/api/v1/staff/complaints/", "/healthz/", "/docs/", "/chat/",
                     "/api/v1/consumers/100000001/summary/"):
            answer = c.get(path, headers={"Host": EVIL, "X-API-Key": "op-key"})
            assert not answer.is_redirect, (path, answer.headers.get("location"))
            assert EVIL not in answer.headers.get("location", "")
            assert answer.status_code == 404, path


def test_allowed_hosts(db_url: str) -> None:
    with client(db_url, allowed_hosts="bijli.example.in, *.discom.example") as c:
        assert c.get("/healthz", headers={"Host": EVIL}).status_code == 400
        assert c.get("/", headers={"Host": EVIL}).text == "Invalid host header"
        assert c.get("/healthz", headers={"Host": "bijli.example.in"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "BIJLI.example.in:443"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "bot.discom.example"}).status_code == 200
        refused = c.get("/healthz", headers={"Host": "bijli.example.in.evil.example"})
        assert refused.status_code == 400
        assert refused.headers["x-frame-options"] == "DENY"  # headers on the 400 too


def test_allowed_hosts_setting_reads_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " Bijli.example.in ,127.0.0.1,")
    assert AppSettings(_env_file=None).allowed_hosts == ["bijli.example.in", "127.0.0.1"]
    monkeypatch.delenv("ALLOWED_HOSTS")
    assert AppSettings(_env_file=None).allowed_hosts == []


def test_security_headers_on_every_page(db_url: str) -> None:
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    with client(db_url, app_env="demo", web_chat_enabled=True) as c:
        for path in ("/", "/chat", "/docs", "/healthz", "/openapi.json", "/static/site.css",
                     "/no-such-page", "/api/v1/consumers/100000001/summary"):
            headers = c.get(path).headers
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["x-frame-options"] == "DENY", path
            assert headers["referrer-policy"] == "no-referrer", path
        for path in ("/", "/chat", "/docs"):  # so the CSP needs no inline script or style
            page = c.get(path).text
            assert "<script>" not in page and "<style>" not in page, path


def test_production_landing_page_names_no_database_and_counts_nobody(db_url: str) -> None:
    with client(db_url) as c:
        with c.app.state.backend.sessions.begin() as s:  # type: ignore[attr-defined]
            make_consumer(s, ca="100000701", mobile="+917000000701")
        page = c.get("/").text
        assert "Database" not in page and "consumers</li>" not in page
        assert db_url.split("://")[0] not in page and "sahayak demo" not in page
        assert 'href="/docs"' not in page and 'href="/openapi.json"' in page
    with client(db_url, app_env="demo") as demo:
        shown = demo.get("/").text
        assert "Database:" in shown and "1 consumers" in shown and 'href="/docs"' in shown


def test_docs_are_local_in_demo_and_off_in_production(db_url: str) -> None:
    with client(db_url) as production:
        assert production.get("/docs").status_code == 404
        assert production.get("/redoc").status_code == 404
        assert production.get("/openapi.json").status_code == 200  # the API contract stays
    with client(db_url, app_env="demo") as demo:
        docs = demo.get("/docs")
        assert docs.status_code == 200
        assert "http://" not in docs.text and "https://" not in docs.text  # no CDN
        assert demo.get("/redoc").status_code == 404  # ReDoc loads from a CDN: off
        for asset in ("/static/swagger-ui/swagger-ui.css",
                      "/static/swagger-ui/swagger-ui-bundle.js", "/static/docs.js"):
            assert asset in docs.text or asset == "/static/docs.js"
            assert demo.get(asset).status_code == 200, asset
