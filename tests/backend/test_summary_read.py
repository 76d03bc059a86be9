"""`GET /api/v1/consumers/{ca}/summary`, the hottest read, on SQLite and PostgreSQL: the
same JSON as before it was served from plain rows, 404 for an unknown CA, one statement
and no pre-ping per request, and a killed database connection survived (retried once)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text, update
from sqlalchemy.orm import Session, sessionmaker

from backend.api.routes import SummaryOut
from backend.metering.local import LocalMeteringService
from backend.metering.rules import Rules
from backend.metering.types import to_jsonable
from backend.models import Account, Consumer, Meter, MeterStatus
from backend.platform.db import make_engine
from tests.factories import make_consumer

RO = {"X-API-Key": "ro-key"}
IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)


def _consumer(sessions: sessionmaker[Session], ca: str, **account: object) -> str:
    """A consumer with fixed name, meter number and account fields (not the factory's
    running numbers), so the expected JSON can be written out."""
    status = account.pop("meter_status", MeterStatus.CONNECTED)
    with sessions.begin() as session:
        consumer = make_consumer(session, ca=ca)
        session.execute(update(Consumer).where(Consumer.id == consumer.id)
                        .values(name="राम कुमार"))
        session.execute(update(Meter).where(Meter.consumer_id == consumer.id)
                        .values(meter_number=f"SM{ca[-8:]}", status=status,
                                status_since=datetime(2026, 1, 5, 4, 0, tzinfo=UTC)))
        session.execute(update(Account).where(Account.consumer_id == consumer.id)
                        .values(as_of=datetime(2026, 3, 9, 18, 30, tzinfo=UTC), **account))
    return ca




def _sessions(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.backend.sessions  # type: ignore[attr-defined]


RICH = {
    "ca_number": "200000000001", "name": "राम कुमार", "tariff_category": "DS-II",
    "balance_paise": 100000, "as_of": "2026-03-09T18:30:00+00:00",
    "meter_number": "SM00000001", "meter_status": "connected",
    "meter_status_since": "2026-01-05T04:00:00+00:00", "average_daily_paise": 4333,
    "estimated_days_left": 23,
    "last_recharge": {"amount_paise": 50000, "at": "2026-03-01T05:15:00+00:00"},
    "negative_since": None, "next_disconnection_at": None, "arrears_paise": 1200,
}


def test_the_summary_is_the_same_json_as_before(client: TestClient) -> None:
    ca = _consumer(_sessions(client), "200000000001", balance_paise=100_000,
                   recent_spend_paise=13_000, recent_charge_days=3,
                   last_recharge_paise=50_000, arrears_paise=1_200,
                   last_recharge_at=datetime(2026, 3, 1, 5, 15, tzinfo=UTC))
    response = client.get(f"/api/v1/consumers/{ca}/summary", headers=RO)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == RICH
    # byte for byte what FastAPI made of the dict before: same key order, compact, UTF-8
    assert response.content == json.dumps(RICH, ensure_ascii=False,
                                          separators=(",", ":")).encode()
    # and the OpenAPI schema declares what is answered
    schema = client.get("/openapi.json").json()
    ref = schema["paths"]["/api/v1/consumers/{ca}/summary"]["get"]["responses"]["200"]
    assert ref["content"]["application/json"]["schema"]["$ref"].endswith("/SummaryOut")
    assert set(schema["components"]["schemas"]["SummaryOut"]["properties"]) == set(RICH)
    SummaryOut.model_validate(response.json())


def test_a_negative_balance_shows_the_next_cut(session_factory: sessionmaker[Session],
                                               rules: Rules) -> None:
    ca = _consumer(session_factory, "200000000002", balance_paise=-2_500,
                   negative_since=datetime(2026, 3, 9, 20, 0, tzinfo=UTC),
                   recent_spend_paise=0, recent_charge_days=0)
    off = _consumer(session_factory, "200000000003", balance_paise=-2_500,
                    negative_since=datetime(2026, 3, 9, 20, 0, tzinfo=UTC),
                    meter_status=MeterStatus.DISCONNECTED)
    service = LocalMeteringService(session_factory, rules, lambda: NOW, tz=IST)
    body = to_jsonable(service.summary(ca))
    assert body["negative_since"] == "2026-03-09T20:00:00+00:00"
    assert body["next_disconnection_at"] is not None
    assert body["average_daily_paise"] is None and body["estimated_days_left"] is None
    assert body["last_recharge"] is None
    assert to_jsonable(service.summary(off))["next_disconnection_at"] is None
    # inside a webhook's session: the same answer through that session
    with session_factory() as session:
        assert to_jsonable(service.within(session).summary(ca)) == body


def test_an_unknown_ca_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/consumers/999999999999/summary", headers=RO)
    assert response.status_code == 404
    assert response.json() == {"detail": "no consumer with CA number 999999999999"}


def test_one_statement_and_no_pre_ping_per_request(client: TestClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ca = _consumer(_sessions(client), "200000000004", balance_paise=5_000)
    backend = client.app.state.backend  # type: ignore[attr-defined]
    statements: list[str] = []
    pings: list[object] = []
    engines = {backend.engine, getattr(backend.local_metering, "_reads", backend.engine)}
    for engine in engines:
        event.listen(engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        real_ping = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping",
                            lambda conn, _real=real_ping: pings.append(conn) or _real(conn))
    for _ in range(5):
        assert client.get(f"/api/v1/consumers/{ca}/summary", headers=RO).status_code == 200
    assert pings == []
    assert len(statements) == 5, statements


def test_a_killed_connection_is_survived(client: TestClient, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite file has no server connection to kill")
    ca = _consumer(_sessions(client), "200000000005", balance_paise=5_000)
    assert client.get(f"/api/v1/consumers/{ca}/summary", headers=RO).status_code == 200
    # as a database restart does: every connection of the app's pools is closed
    killer = make_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        killer.dispose()
    assert killed >= 1
    for _ in range(3):  # the pool's other connections were killed too
        response = client.get(f"/api/v1/consumers/{ca}/summary", headers=RO)
        assert response.status_code == 200, response.text
        assert response.json()["balance_paise"] == 5_000


def test_only_a_dead_connection_is_retried(engine) -> None:  # noqa: ANN001
    """Another database error (here a bad statement) is raised at once, not run twice."""
    from sqlalchemy.exc import DBAPIError

    from backend.platform.db import read_retrying

    calls: list[int] = []

    def bad(conn) -> None:  # noqa: ANN001
        calls.append(1)
        conn.execute(text("SELECT no_such_column FROM consumers"))

    with pytest.raises(DBAPIError):
        read_retrying(engine, bad)
    assert calls == [1]
    assert read_retrying(engine, lambda conn: conn.execute(text("SELECT 7")).scalar()) == 7
