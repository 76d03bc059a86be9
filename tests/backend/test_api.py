"""REST API contract (`/api/v1`) on SQLite and PostgreSQL: shapes, idempotent recharges,
readings batches, API keys, size limits, and "never a 500" on garbage input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.composition import compose
from tests.factories import make_consumer
from tests.servers import clear_settings_env, make_settings

OP = {"X-API-Key": "op-key"}
RO = {"X-API-Key": "ro-key"}
D1, D2, D3 = date(2025, 6, 1), date(2025, 6, 2), date(2025, 6, 3)
SUMMARY_KEYS = {
    "ca_number", "name", "tariff_category", "balance_paise", "as_of", "meter_number",
    "meter_status", "meter_status_since", "average_daily_paise", "estimated_days_left",
    "last_recharge", "negative_since", "next_disconnection_at", "arrears_paise",
}


def _client(db_url: str, **overrides: object) -> TestClient:
    return TestClient(create_app(compose(make_settings(db_url, **overrides))),
                      raise_server_exceptions=False)


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[TestClient]:  # noqa: ANN001
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with _client(db_url, max_request_bytes=20_000) as c:
        yield c


def new_consumer(client: TestClient, **kwargs: object) -> tuple[str, str]:
    """A consumer in the app's database; returns (CA number, meter number)."""
    with client.app.state.backend.sessions.begin() as session:  # type: ignore[attr-defined]
        consumer = make_consumer(session, **kwargs)  # type: ignore[arg-type]
        return consumer.ca_number, consumer.meter.meter_number


def post_readings(client: TestClient, rows: list[dict]) -> dict:
    response = client.post("/api/v1/readings", headers=OP, json={"readings": rows})
    assert response.status_code == 200, response.text
    return response.json()


def recharge(client: TestClient, ca: str, amount: object = 50_000, reference: str = "UPI-0001",
             **extra: object):  # noqa: ANN201
    return client.post("/api/v1/recharges", headers=OP,
                       json={"ca_number": ca, "amount_paise": amount, "reference": reference,
                             **extra})


def balance(client: TestClient, ca: str) -> int:
    return client.get(f"/api/v1/consumers/{ca}/summary", headers=RO).json()["balance_paise"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    return moment


# --- reads ----------------------------------------------------------------------------------
@pytest.fixture
def charged(client: TestClient) -> str:
    """A DS-II consumer with ₹1,000 and three charged days (5.5, 6, 7.25 kWh)."""
    ca, meter = new_consumer(client, balance_paise=100_000)
    report = post_readings(client, [
        {"ca_number": ca, "date": D1.isoformat(), "kwh": "5.5", "register_kwh": "105.5"},
        {"meter_number": meter, "date": D2.isoformat(), "kwh": "6", "register_kwh": "111.5"},
        {"ca_number": ca, "date": D3.isoformat(), "kwh": "7.25"},
    ])
    assert report["inserted"] == 3 and report["errors"] == [] and report["unknown"] == []
    assert [(a["day"], a["charged"]) for a in report["applied"]] == [
        (D1.isoformat(), 1), (D2.isoformat(), 1), (D3.isoformat(), 1)]
    return ca


def test_summary_shape(client: TestClient, charged: str) -> None:
    response = client.get(f"/api/v1/consumers/{charged}/summary", headers=OP)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SUMMARY_KEYS
    usage = client.get(f"/api/v1/consumers/{charged}/usage?days=3", headers=OP).json()
    assert body["ca_number"] == charged
    assert body["meter_status"] == "connected"
    assert _is_int(body["balance_paise"]) and _is_int(body["arrears_paise"])
    assert body["balance_paise"] == 100_000 - sum(d["charge_paise"] for d in usage)
    # The recent spend: the charged days of the last week (consecutive here) without the
    # monthly fixed charge and its 6% duty, the numbers the alert scan's bands use too.
    week = [d["charge_paise"] - sum(f + (f * 600 + 5000) // 10000 for f in
                                    (line["amount_paise"] for line in d["lines"]
                                     if line["kind"] == "fixed"))
            for d in client.get(f"/api/v1/consumers/{charged}/usage?days=7",
                                headers=OP).json()]
    if sum(week) == 0:  # all inside the 125 free units: only the fixed charge was paid
        assert body["average_daily_paise"] is None and body["estimated_days_left"] is None
    else:
        assert _is_int(body["average_daily_paise"])
        assert body["average_daily_paise"] == (sum(week) + len(week) // 2) // len(week)
        assert body["estimated_days_left"] == body["balance_paise"] * len(week) // sum(week)
    _aware(body["as_of"])
    _aware(body["meter_status_since"])
    assert body["last_recharge"] is None and body["next_disconnection_at"] is None


def test_usage_newest_first_with_breakdown(client: TestClient, charged: str) -> None:
    response = client.get(f"/api/v1/consumers/{charged}/usage", params={"days": 2}, headers=OP)
    assert response.status_code == 200
    days = response.json()
    assert [d["day"] for d in days] == [D3.isoformat(), D2.isoformat()]
    assert [d["units_wh"] for d in days] == [7250, 6000]
    for d in days:
        assert set(d) == {"day", "units_wh", "charge_paise", "lines"}
        assert _is_int(d["charge_paise"])
        assert sum(line["amount_paise"] for line in d["lines"]) == d["charge_paise"]
        for line in d["lines"]:
            assert set(line) == {"kind", "amount_paise", "units_wh", "rate_paise"}
            assert _is_int(line["amount_paise"])
    all_days = client.get(f"/api/v1/consumers/{charged}/usage?days=30", headers=OP).json()
    assert len(all_days) == 3


def test_charge_explained_matches_usage(client: TestClient, charged: str) -> None:
    usage = {d["day"]: d for d in
             client.get(f"/api/v1/consumers/{charged}/usage?days=3", headers=RO).json()}
    response = client.get(f"/api/v1/consumers/{charged}/charges/{D2.isoformat()}", headers=RO)
    assert response.status_code == 200
    body = response.json()
    assert body["ca_number"] == charged and body["day"] == D2.isoformat()
    assert body["units_wh"] == 6000 and body["month_units_before_wh"] == 5500
    assert body["total_paise"] == usage[D2.isoformat()]["charge_paise"]
    assert body["lines"] == usage[D2.isoformat()]["lines"]
    energy = [line for line in body["lines"] if line["kind"] == "energy"]
    assert sum(line["units_wh"] for line in energy) == 6000

    missing = client.get(f"/api/v1/consumers/{charged}/charges/2025-05-01", headers=RO)
    assert missing.status_code == 404 and "2025-05-01" in missing.json()["detail"]
    bad_day = client.get(f"/api/v1/consumers/{charged}/charges/2025-02-30", headers=RO)
    assert bad_day.status_code == 422


# --- recharges ------------------------------------------------------------------------------
def test_recharge_is_idempotent_by_reference(client: TestClient, charged: str) -> None:
    before = balance(client, charged)
    first = recharge(client, charged, 50_000, "UPI-777", source="upi",
                     paid_at="2025-06-04T10:00:00+05:30")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True and body["reconnected"] is False
    assert body["amount_paise"] == 50_000 and body["balance_paise"] == before + 50_000
    assert _aware(body["posted_at"]) == datetime.fromisoformat("2025-06-04T10:00:00+05:30")

    again = recharge(client, charged, 50_000, "UPI-777", source="upi",
                     paid_at="2025-06-04T10:00:00+05:30")
    assert again.status_code == 200
    assert again.json() == {**body, "created": False}
    assert balance(client, charged) == before + 50_000

    listed = client.get(f"/api/v1/consumers/{charged}/recharges", headers=RO).json()
    assert listed == [{"reference": "UPI-777", "amount_paise": 50_000,
                       "at": body["posted_at"], "source": "upi"}]
    summary = client.get(f"/api/v1/consumers/{charged}/summary", headers=RO).json()
    assert summary["last_recharge"]["amount_paise"] == 50_000


def test_reference_reused_for_another_recharge_is_409(client: TestClient) -> None:
    ca, _ = new_consumer(client)
    other, _ = new_consumer(client)
    assert recharge(client, ca, 50_000, "REF-1").status_code == 201
    for response in (recharge(client, ca, 40_000, "REF-1"),
                     recharge(client, other, 50_000, "REF-1")):
        assert response.status_code == 409
        assert "reference" in response.json()["detail"]
    assert balance(client, ca) == 50_000
    assert balance(client, other) == 0


@pytest.mark.parametrize("amount", [0, -100, 99, 20_000_001, 10**40, 1.5, 500.0, "500", "abc",
                                    True, None, [500], {"paise": 500}])
def test_bad_amounts_are_422_with_a_reason(client: TestClient, amount: object) -> None:
    ca, _ = new_consumer(client)
    response = recharge(client, ca, amount, f"BAD-{abs(hash(repr(amount))) % 10**8}")
    assert response.status_code == 422, (amount, response.text)
    assert "amount" in str(response.json()["detail"])
    assert balance(client, ca) == 0


def test_recharge_unknown_or_malformed_ca(client: TestClient) -> None:
    unknown = recharge(client, "999999999")
    assert unknown.status_code == 404 and "999999999" in unknown.json()["detail"]
    for bad in ("12345", "12345678901234", "ABC123456", ""):
        response = recharge(client, bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"] == ["body", "ca_number"]


def test_naive_paid_at_is_422(client: TestClient) -> None:
    ca, _ = new_consumer(client)
    response = recharge(client, ca, paid_at="2025-06-01T10:00:00")
    assert response.status_code == 422
    assert "timezone" in str(response.json()["detail"])
    for when in ("2999-01-01T00:00:00+05:30", "1999-12-31T00:00:00+00:00",
                 "0001-01-01T00:00:00+14:00"):
        response = recharge(client, ca, paid_at=when, reference="WHEN-1")
        assert response.status_code == 422, when
        assert "paid_at" in str(response.json()["detail"])
    assert balance(client, ca) == 0


def test_unknown_ca_on_reads_is_404(client: TestClient) -> None:
    for path in ("summary", "usage", "recharges", "charges/2025-06-01"):
        response = client.get(f"/api/v1/consumers/123456789/{path}", headers=RO)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "no consumer with CA number 123456789"}


@pytest.mark.parametrize("ca", ["12345", "ABCDEFGHI", "1234567890123", "12345678%20"])
def test_malformed_ca_on_reads_is_422(client: TestClient, ca: str) -> None:
    response = client.get(f"/api/v1/consumers/{ca}/summary", headers=RO)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "ca"]


# --- readings -------------------------------------------------------------------------------
def test_readings_batch_mixed(client: TestClient) -> None:
    ca, meter = new_consumer(client, balance_paise=20_000)
    rows = [
        {"ca_number": ca, "date": D1.isoformat(), "kwh": "4.5"},                 # 0 good
        {"meter_number": meter, "date": D2.isoformat(), "kwh": "5"},             # 1 good
        {"ca_number": ca, "date": D3.isoformat(), "kwh": "-1"},                  # 2 negative
        {"ca_number": ca, "date": D3.isoformat(), "kwh": "lots"},                # 3 not a number
        {"ca_number": ca, "date": "2999-01-01", "kwh": "1"},                     # 4 future
        {"ca_number": ca, "date": D3.isoformat(), "kwh": "1.2345"},              # 5 decimals
        {"ca_number": ca, "date": D3.isoformat(), "kwh": "5000"},                # 6 too much
        {"meter_number": "XX00000000", "date": D1.isoformat(), "kwh": "1"},      # 7 unknown
        {"ca_number": "987654321", "date": D1.isoformat(), "kwh": "1"},          # 8 unknown
        {"ca_number": ca, "date": D1.isoformat(), "kwh": "4.5"},                 # 9 duplicate
        {"date": D1.isoformat(), "kwh": "1"},                                    # 10 no id
    ]
    report = post_readings(client, rows)
    assert report["inserted"] == 2
    assert report["duplicates"] == 1
    assert sorted(report["unknown"]) == ["987654321", "XX00000000"]
    errors = {e["index"]: e["reason"] for e in report["errors"]}
    assert sorted(errors) == [2, 3, 4, 5, 6, 10]
    assert "zero or more" in errors[2] and "not a number" in errors[3]
    assert "future" in errors[4] and "decimals" in errors[5] and "beyond" in errors[6]
    assert "ca_number or meter_number" in errors[10]
    assert [(a["day"], a["charged"]) for a in report["applied"]] == [
        (D1.isoformat(), 1), (D2.isoformat(), 1)]
    usage = client.get(f"/api/v1/consumers/{ca}/usage?days=10", headers=RO).json()
    assert [d["units_wh"] for d in usage] == [5000, 4500]
    after_first = balance(client, ca)
    assert after_first == 20_000 - sum(d["charge_paise"] for d in usage)

    again = post_readings(client, rows)
    assert again["inserted"] == 0 and again["duplicates"] == 3
    assert all(a["charged"] == 0 for a in again["applied"])
    assert balance(client, ca) == after_first
    assert len(client.get(f"/api/v1/consumers/{ca}/usage?days=10", headers=RO).json()) == 2


@pytest.mark.parametrize("body", [{"readings": []}, {"readings": "x"}, {}, [],
                                  {"readings": [{"ca_number": "100000001", "kwh": "1"}]},
                                  {"readings": [{"ca_number": "100000001", "date": "2025-06-01",
                                                 "kwh": "1", "colour": "red"}]}])
def test_readings_body_validation(client: TestClient, body: object) -> None:
    response = client.post("/api/v1/readings", headers=OP, json=body)
    assert response.status_code == 422
    assert response.json()["detail"]


# --- API keys -------------------------------------------------------------------------------
def test_api_keys(client: TestClient) -> None:
    ca, _ = new_consumer(client)
    url = f"/api/v1/consumers/{ca}/summary"
    missing = client.get(url)
    assert missing.status_code == 401 and "missing API key" in missing.json()["detail"]
    unknown = client.get(url, headers={"X-API-Key": "nope"})
    assert unknown.status_code == 401 and unknown.json()["detail"] == "unknown API key"
    assert client.get(url, headers=RO).status_code == 200
    assert client.get(url, headers=OP).status_code == 200
    assert client.get(url, headers={"Authorization": "Bearer ro-key"}).status_code == 200
    read_only = recharge(client, ca) if False else client.post(
        "/api/v1/recharges", headers=RO,
        json={"ca_number": ca, "amount_paise": 50_000, "reference": "RO-1"})
    assert read_only.status_code == 403 and "only read" in read_only.json()["detail"]
    readings = client.post("/api/v1/readings", headers=RO,
                           json={"readings": [{"ca_number": ca, "date": "2025-06-01",
                                               "kwh": "1"}]})
    assert readings.status_code == 403
    no_key_post = client.post("/api/v1/recharges",
                              json={"ca_number": ca, "amount_paise": 50_000, "reference": "X-1"})
    assert no_key_post.status_code == 401
    assert balance(client, ca) == 0


@pytest.mark.parametrize("key", ["clé", "ключ", "op-key\u00e9", "x" * 5000])
def test_odd_api_keys_are_401_not_500(client: TestClient, key: str) -> None:
    response = client.get("/api/v1/consumers/123456789/summary",
                          headers={"X-API-Key": key.encode("utf-8")})  # type: ignore[dict-item]
    assert response.status_code == 401, response.text


def test_no_keys_configured_closes_the_api(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path) -> None:  # noqa: ANN001
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with _client(db_url, operator_api_keys="", readonly_api_keys="") as closed:
        for headers in ({}, OP):
            response = closed.get("/api/v1/consumers/123456789/summary", headers=headers)
            assert response.status_code == 401
            assert "OPERATOR_API_KEYS" in response.json()["detail"]
        assert "closed" in closed.get("/").text


# --- limits and malformed bodies ------------------------------------------------------------
def test_body_over_limit_with_content_length_is_413(client: TestClient) -> None:
    response = client.post("/api/v1/readings", headers={**OP, "Content-Type": "application/json"},
                           content=b"[" + b" " * 30_000 + b"]")
    assert response.status_code == 413
    assert "20000 bytes" in response.json()["detail"]


def test_body_over_limit_chunked_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"readings": ['
        for _ in range(400):
            yield b'{"ca_number": "100000001", "date": "2025-06-01", "kwh": "1"},'
        yield b'{"ca_number": "100000001", "date": "2025-06-01", "kwh": "1"}]}'

    response = client.post("/api/v1/readings", headers={**OP, "Content-Type": "application/json"},
                           content=chunks())
    assert response.status_code == 413, response.text
    assert "20000 bytes" in response.json()["detail"]


def test_body_under_limit_chunked_is_read(client: TestClient) -> None:
    ca, _ = new_consumer(client)

    def chunks() -> Iterator[bytes]:
        yield b'{"readings": ['
        yield f'{{"ca_number": "{ca}", "date": "2025-06-01", "kwh": "1"}}'.encode()
        yield b"]}"

    response = client.post("/api/v1/readings", headers={**OP, "Content-Type": "application/json"},
                           content=chunks())
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1


@pytest.mark.parametrize("raw", [b"{bad", b"", b'{"ca_number": ', b"\xff\xfe", b"null"])
def test_malformed_json_is_422(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/v1/recharges",
                           headers={**OP, "Content-Type": "application/json"}, content=raw)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


_NOW = datetime.now().astimezone()
GARBAGE: list[tuple[str, str, dict]] = [
    ("GET", "/api/v1/consumers/%00%00%00%00%00%00%00%00%00/summary", {}),
    ("GET", "/api/v1/consumers/१२३४५६७८९/summary", {}),
    ("GET", "/api/v1/consumers/123456789/usage?days=abc", {}),
    ("GET", "/api/v1/consumers/123456789/usage?days=100000000000000000000000", {}),
    ("GET", "/api/v1/consumers/123456789/usage?days=-1", {}),
    ("GET", "/api/v1/consumers/123456789/recharges?limit=0", {}),
    ("GET", "/api/v1/consumers/123456789/charges/9999-99-99", {}),
    ("GET", "/api/v1/consumers/123456789/charges/0001-01-01", {}),
    ("GET", "/api/v1/consumers/123456789/charges/9999-12-31", {}),
    ("GET", "/api/v1/consumers/123456789/charges/" + "9" * 5000, {}),
    ("GET", "/api/v1/nothing-here", {}),
    ("DELETE", "/api/v1/recharges", {}),
    ("POST", "/api/v1/recharges", {"json": None}),
    ("POST", "/api/v1/recharges", {"json": []}),
    ("POST", "/api/v1/recharges", {"json": "text"}),
    ("POST", "/api/v1/recharges", {"json": 12}),
    ("POST", "/api/v1/recharges", {"content": b"[" * 50_000 + b"]" * 50_000}),
    ("POST", "/api/v1/recharges", {"content": b'{"amount_paise": 1e999}'}),
    ("POST", "/api/v1/recharges", {"content": b'{"amount_paise": NaN}'}),
    ("POST", "/api/v1/recharges", {"content": b'{"amount_paise": 1' + b"0" * 5000 + b"}"}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "GARBAGE-1",
                                            "paid_at": "9999-12-31T23:59:59+14:00"}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "GARBAGE-2",
                                            "paid_at": "0001-01-01T00:00:00+14:00"}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "GARBAGE-3",
                                            "paid_at": "0001-01-01T00:00:00-14:00"}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "abc\u0000def"}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "रेफ़रेंस-123"}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "R" * 65}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "GARBAGE-4", "source": "bitcoin"}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "१२३४५६७८९", "amount_paise": 50_000,
                                            "reference": "GARBAGE-5"}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "GARBAGE-6",
                                            "paid_at": "not a time"}}),
    ("POST", "/api/v1/recharges", {"json": {"ca_number": "@CA@", "amount_paise": 50_000,
                                            "reference": "GARBAGE-7",
                                            "paid_at": 1e300}}),
]
for _kwh in ("1e999999999", "1e-999999999", "Infinity", "-Infinity", "sNaN", "-0", "", " ",
             "५", "1_000", "0x10", "1" * 5000):
    GARBAGE.append(("POST", "/api/v1/readings", {"json": {"readings": [
        {"ca_number": "@CA@", "date": "2025-06-01", "kwh": _kwh}]}}))
    GARBAGE.append(("POST", "/api/v1/readings", {"json": {"readings": [
        {"ca_number": "@CA@", "date": "2025-06-01", "kwh": "1", "register_kwh": _kwh}]}}))
for _row in ({"meter_number": "\u0000", "date": "2025-06-01", "kwh": "1"},
             {"meter_number": "SM\u000012", "date": "2025-06-01", "kwh": "1"},
             {"meter_number": "मीटर", "date": "2025-06-01", "kwh": "1"},
             {"ca_number": "१२३४५६७८९", "date": "2025-06-01", "kwh": "1"},
             {"ca_number": "@CA@", "date": "0001-01-01", "kwh": "1"},
             {"ca_number": "@CA@", "date": "2025-02-30", "kwh": "1"},
             {"ca_number": "@CA@", "date": "2025-06-01", "kwh": 5},
             {"ca_number": "@CA@", "date": "2025-06-01", "kwh": None},
             {"ca_number": "@CA@", "meter_number": "@METER@", "date": "2025-06-01", "kwh": "1"},
             {"ca_number": "@CA@", "date": (_NOW.date() + timedelta(days=1)).isoformat(),
              "kwh": "1"}):
    GARBAGE.append(("POST", "/api/v1/readings", {"json": {"readings": [_row]}}))
GARBAGE.append(("POST", "/api/v1/readings", {"json": {"readings": [
    {"ca_number": "@CA@", "date": "2025-06-01", "kwh": "1"}] * 2}}))


def _fill(value: object, ca: str, meter: str) -> object:
    if isinstance(value, str):
        return value.replace("@CA@", ca).replace("@METER@", meter)
    if isinstance(value, list):
        return [_fill(v, ca, meter) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ca, meter) for k, v in value.items()}
    return value


def test_garbage_never_500(client: TestClient) -> None:
    ca, meter = new_consumer(client, balance_paise=10_000)
    failures = []
    for method, path, kwargs in GARBAGE:
        kwargs = _fill(kwargs, ca, meter)  # type: ignore[assignment]
        headers = dict(OP)
        if "content" in kwargs:
            headers["Content-Type"] = "application/json"
        response = client.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 500:
            failures.append((method, path, kwargs, response.status_code, response.text[:200]))
        elif response.status_code >= 400:
            assert response.json()["detail"], (method, path, kwargs)
    assert failures == []
    # The account is still readable and sane afterwards.
    summary = client.get(f"/api/v1/consumers/{ca}/summary", headers=RO)
    assert summary.status_code == 200


# --- pages ----------------------------------------------------------------------------------
def test_landing_health_and_openapi(client: TestClient) -> None:
    new_consumer(client)
    new_consumer(client)
    landing = client.get("/")  # production (the default): no database, no head count
    assert landing.status_code == 200
    assert landing.headers["content-type"].startswith("text/html")
    assert "2 consumers" not in landing.text and "Database:" not in landing.text
    assert 'href="/openapi.json"' in landing.text  # /docs is demo-only
    assert "op-key" not in landing.text
    db_url = client.app.state.backend.settings.database_url  # type: ignore[attr-defined]
    with _client(db_url, app_env="demo") as demo:
        shown = demo.get("/").text
    assert "2 consumers" in shown and "Database:" in shown and "op-key" not in shown
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 404  # production: off (tests/bot/test_web_hygiene)
    spec = client.get("/openapi.json").json()
    assert {
        "/api/v1/consumers/{ca}/summary", "/api/v1/consumers/{ca}/usage",
        "/api/v1/consumers/{ca}/recharges", "/api/v1/consumers/{ca}/charges/{day}",
        "/api/v1/recharges", "/api/v1/readings",
    } <= set(spec["paths"])
    assert "post" in spec["paths"]["/api/v1/recharges"]
