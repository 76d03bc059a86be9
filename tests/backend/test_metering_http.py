"""`HttpMeteringService` against a real uvicorn server on 127.0.0.1, on SQLite and
PostgreSQL: the same dataclasses as `LocalMeteringService`, and clear errors when the
remote is unknown, refuses our key, answers nonsense or is not there at all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from backend.metering.disconnection import apply_disconnections
from backend.metering.http import HttpMeteringService, MeteringUnavailable
from backend.metering.local import LocalMeteringService
from backend.metering.rules import Rules
from backend.models import EventKind, MeterEvent
from backend.platform.clock import utcnow
from backend.platform.errors import InvalidInput, NotFound
from backend.services import build_backend
from bot.app import create_app
from bot.composition import compose
from tests.factories import make_consumer
from tests.servers import clear_settings_env, closed_port, make_settings, serve

OP = {"X-API-Key": "op-key"}
DAYS = [date(2025, 6, 1) + timedelta(days=i) for i in range(4)]


@dataclass
class Live:
    base_url: str
    url: str  # the database the server uses


@pytest.fixture(scope="module")
def live(migrated_engine: Engine) -> Iterator[Live]:
    """One real server per database for the module (tests wipe the data, not the server)."""
    url = migrated_engine.url.render_as_string(hide_password=False)
    with pytest.MonkeyPatch.context() as mp:
        clear_settings_env(mp)
        app = create_app(compose(make_settings(url)))
        with serve(app) as base_url:
            yield Live(base_url, url)


@pytest.fixture
def remote(live: Live, engine: Engine) -> Iterator[HttpMeteringService]:
    service = HttpMeteringService(live.base_url, api_key="op-key", timeout_s=10)
    yield service
    service.close()


@pytest.fixture
def local(session_factory: sessionmaker[Session], rules: Rules) -> LocalMeteringService:
    return LocalMeteringService(session_factory, rules, tz=ZoneInfo("Asia/Kolkata"))


def _consumer(session_factory: sessionmaker[Session], **kwargs: object) -> tuple[str, str]:
    with session_factory.begin() as session:
        consumer = make_consumer(session, **kwargs)  # type: ignore[arg-type]
        return consumer.ca_number, consumer.meter.meter_number


def _post(live: Live, path: str, body: dict, key: str = "op-key") -> httpx.Response:
    return httpx.post(f"{live.base_url}/api/v1{path}", json=body,
                      headers={"X-API-Key": key}, timeout=10)


def test_remote_answers_equal_local(live: Live, remote: HttpMeteringService,
                                    local: LocalMeteringService,
                                    session_factory: sessionmaker[Session]) -> None:
    rich, rich_meter = _consumer(session_factory, balance_paise=80_000, tariff="DS-I",
                                 arrears_paise=5_000)
    poor, _ = _consumer(session_factory, balance_paise=3_000, tariff="NDS-II")
    rows = [{"meter_number": rich_meter, "date": d.isoformat(), "kwh": f"{4 + i}.125"}
            for i, d in enumerate(DAYS)]
    rows += [{"ca_number": poor, "date": d.isoformat(), "kwh": "9.5"} for d in DAYS]
    fed = _post(live, "/readings", {"readings": rows})
    assert fed.status_code == 200 and fed.json()["inserted"] == 8, fed.text
    assert _post(live, "/recharges", {"ca_number": rich, "amount_paise": 25_000,
                                      "reference": "UPI-HTTP-1", "source": "app",
                                      "paid_at": "2025-06-05T09:15:00+05:30"}
                 ).status_code == 201

    for ca in (rich, poor):
        assert remote.summary(ca) == local.summary(ca)
        assert remote.usage(ca, 10) == local.usage(ca, 10)
        assert remote.usage(ca, 2) == local.usage(ca, 2)
        assert remote.recharges(ca) == local.recharges(ca)
        for day in DAYS:
            assert remote.explain_charge(ca, day) == local.explain_charge(ca, day)

    summary = remote.summary(rich)
    assert summary.last_recharge is not None and summary.last_recharge.amount_paise == 25_000
    assert summary.as_of.tzinfo is not None
    assert [r.reference for r in remote.recharges(rich)] == ["UPI-HTTP-1"]
    assert len(remote.usage(rich, 10)) == 4 and remote.usage(rich, 10)[0].day == DAYS[-1]
    poor_summary = remote.summary(poor)
    assert poor_summary.balance_paise < 0
    assert poor_summary.negative_since is not None
    assert poor_summary.next_disconnection_at is not None


def test_unknown_and_malformed(remote: HttpMeteringService,
                               session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(NotFound, match="no consumer with CA number 123456789"):
        remote.summary("123456789")
    for call in (lambda: remote.usage("123456789", 7), lambda: remote.recharges("123456789"),
                 lambda: remote.explain_charge("123456789", DAYS[0])):
        with pytest.raises(NotFound):
            call()
    ca, _ = _consumer(session_factory)
    with pytest.raises(NotFound, match="no charge on 2025-06-01"):
        remote.explain_charge(ca, DAYS[0])
    with pytest.raises(InvalidInput):
        remote.usage(ca, 0)
    # Path characters in a CA number stay inside the path segment.
    for odd in ("12345", "123456789/../../consumers/1", "123456789?days=1", "../../healthz"):
        with pytest.raises((InvalidInput, NotFound)):
            remote.summary(odd)


def test_wrong_or_missing_key_is_a_clear_error(live: Live, engine: Engine) -> None:
    for key, reason in (("not-a-key", "401: unknown API key"),
                        (None, "401: missing API key")):
        service = HttpMeteringService(live.base_url, api_key=key)
        try:
            with pytest.raises(MeteringUnavailable, match=reason):
                service.summary("123456789")
        finally:
            service.close()
    readonly = HttpMeteringService(live.base_url, api_key="ro-key")
    try:
        with pytest.raises(NotFound):
            readonly.summary("123456789")
    finally:
        readonly.close()


def test_nothing_listening_is_unavailable() -> None:
    service = HttpMeteringService(f"http://127.0.0.1:{closed_port()}", api_key="op-key",
                                  timeout_s=2)
    try:
        with pytest.raises(MeteringUnavailable, match="unreachable"):
            service.summary("123456789")
    finally:
        service.close()


def _nonsense_app() -> Starlette:
    """A server that is not a metering service: HTML, wrong JSON shapes, 500s."""

    async def html(_request):  # noqa: ANN001, ANN202
        return HTMLResponse("<html>router login</html>")

    async def wrong(_request):  # noqa: ANN001, ANN202
        return JSONResponse({"hello": "world"} if "summary" in _request.url.path else [1, 2])

    async def broken(_request):  # noqa: ANN001, ANN202
        return HTMLResponse("oops", status_code=502)

    return Starlette(routes=[
        Route("/html/api/v1/{rest:path}", html),
        Route("/wrong/api/v1/{rest:path}", wrong),
        Route("/broken/api/v1/{rest:path}", broken),
    ])


def test_nonsense_answers_are_unavailable() -> None:
    with serve(_nonsense_app()) as base:
        for prefix in ("html", "wrong", "broken"):
            service = HttpMeteringService(f"{base}/{prefix}")
            try:
                for call in (lambda s=service: s.summary("123456789"),
                             lambda s=service: s.usage("123456789", 3),
                             lambda s=service: s.recharges("123456789"),
                             lambda s=service: s.explain_charge("123456789", DAYS[0])):
                    with pytest.raises(MeteringUnavailable):
                        call()
            finally:
                service.close()


def test_recharge_reconnects_a_disconnected_account(live: Live, remote: HttpMeteringService,
                                                    engine: Engine,
                                                    session_factory: sessionmaker[Session],
                                                    rules: Rules) -> None:
    ca, _ = _consumer(session_factory, balance_paise=-5_000)  # negative since 2026-04-01
    with engine.begin() as conn:
        assert apply_disconnections(conn, rules.disconnection, utcnow(),
                                    ZoneInfo("Asia/Kolkata"), respect_window=False) == 1
    assert remote.summary(ca).meter_status == "disconnected"

    partial = _post(live, "/recharges", {"ca_number": ca, "amount_paise": 3_000,
                                         "reference": "UPI-PART-1"})
    assert partial.status_code == 201
    assert partial.json()["reconnected"] is False and partial.json()["balance_paise"] == -2_000
    assert remote.summary(ca).meter_status == "disconnected"

    enough = _post(live, "/recharges", {"ca_number": ca, "amount_paise": 10_000,
                                        "reference": "UPI-FULL-1"})
    assert enough.status_code == 201
    assert enough.json()["reconnected"] is True and enough.json()["balance_paise"] == 8_000
    summary = remote.summary(ca)
    assert summary.meter_status == "connected"
    assert summary.negative_since is None and summary.next_disconnection_at is None
    assert summary.balance_paise == 8_000

    replay = _post(live, "/recharges", {"ca_number": ca, "amount_paise": 10_000,
                                        "reference": "UPI-FULL-1"})
    assert replay.status_code == 200 and replay.json()["reconnected"] is False
    assert remote.summary(ca).balance_paise == 8_000
    with session_factory() as session:
        kinds = session.scalars(select(MeterEvent.kind).order_by(MeterEvent.id)).all()
    assert kinds.count(EventKind.RECONNECTED) == 1
    assert kinds.count(EventKind.RECHARGE_CREDITED) == 2


def test_backend_with_metering_url_goes_remote(live: Live, local: LocalMeteringService,
                                               session_factory: sessionmaker[Session],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    clear_settings_env(monkeypatch)
    ca, _ = _consumer(session_factory, balance_paise=12_345)
    backend = build_backend(make_settings(live.url, metering_url=live.base_url + "/",
                                          metering_api_key="ro-key"))
    try:
        assert isinstance(backend.metering, HttpMeteringService)
        assert backend.metering.summary(ca) == local.summary(ca)
    finally:
        backend.metering.close()  # type: ignore[attr-defined]
        backend.close()


def test_real_server_refuses_large_chunked_body(live: Live, engine: Engine) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"readings": ['
        for _ in range(20_000):  # ~1.2 MB against the default 1,000,000-byte limit
            yield b'{"ca_number": "100000001", "date": "2025-06-01", "kwh": "1"},'
        yield b'{"ca_number": "100000001", "date": "2025-06-01", "kwh": "1"}]}'

    response = httpx.post(f"{live.base_url}/api/v1/readings", content=chunks(),
                          headers={**OP, "Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 413
    assert response.json() == {"detail": "request body larger than 1000000 bytes"}
    assert "content-length" not in response.request.headers
