"""Staff API (`/api/v1/staff`): complaint status changes pushed through the outbox,
handed-off conversations listed, replied to and released; keys enforced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.care import complaints, handoff
from backend.contacts import contacts, links
from backend.models import OutboxMessage
from bot.app import create_app
from tests.factories import T0, make_consumer
from tests.servers import clear_settings_env, make_settings

OP = {"X-API-Key": "op-key"}
RO = {"X-API-Key": "ro-key"}


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[TestClient]:  # noqa: ANN001
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with TestClient(create_app(make_settings(db_url)), raise_server_exceptions=False) as c:
        yield c


def _sessions(client: TestClient):  # noqa: ANN202
    return client.app.state.backend.sessions  # type: ignore[attr-defined]


def test_status_change_through_the_api_is_pushed(client: TestClient) -> None:
    with _sessions(client).begin() as s:
        consumer = make_consumer(s, mobile="+917000000601")
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000601", T0)
        links.auto_link_by_phone(s, contact, T0)
        ticket = complaints.file_complaint(s, category="meter_fault", description="burnt",
                                           consumer_id=consumer.id, now=T0).complaint.ticket
    assert client.get("/api/v1/staff/complaints").status_code == 401
    listed = client.get("/api/v1/staff/complaints", headers=RO).json()
    assert [c["ticket"] for c in listed] == [ticket]
    body = {"status": "in_progress", "note": "JE visiting today", "staff": "je.patna"}
    assert client.post(f"/api/v1/staff/complaints/{ticket}/status", json=body,
                       headers=RO).status_code == 403
    answer = client.post(f"/api/v1/staff/complaints/{ticket}/status", json=body, headers=OP)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ticket": ticket, "status": "in_progress", "queued": 1}
    shown = client.get(f"/api/v1/staff/complaints/{ticket}", headers=RO).json()
    assert [e["status"] for e in shown["history"]] == ["open", "in_progress"]
    assert client.post("/api/v1/staff/complaints/BS-XXXXXX/status", json=body,
                       headers=OP).status_code == 404
    bad = client.post(f"/api/v1/staff/complaints/{ticket}/status",
                      json={**body, "status": "bogus"}, headers=OP)
    assert bad.status_code == 422
    with _sessions(client)() as s:
        [row] = s.scalars(select(OutboxMessage)).all()
        assert (row.message_key, row.params["note"]) == ("complaint.push.in_progress",
                                                         "JE visiting today")


def test_handoff_reply_and_release(client: TestClient) -> None:
    with _sessions(client).begin() as s:
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000602", T0)
        handoff.flag(s, contact, "asked", T0)
        contact_id = contact.id
    [item] = client.get("/api/v1/staff/handoffs", headers=RO).json()
    assert item["contact_id"] == contact_id and item["reason"] == "asked"
    assert "0000602" not in item["address"]  # masked
    sent = client.post(f"/api/v1/staff/handoffs/{contact_id}/reply",
                       json={"text": "Namaste, hum dekh rahe hain", "staff": "helpdesk"},
                       headers=OP)
    assert sent.status_code == 201, sent.text
    assert client.post(f"/api/v1/staff/handoffs/{contact_id}/release",
                       headers=OP).json() == {"released": True}
    assert client.get("/api/v1/staff/handoffs", headers=RO).json() == []
    assert client.post("/api/v1/staff/handoffs/999999/reply",
                       json={"text": "x", "staff": "y"}, headers=OP).status_code == 404
    with _sessions(client)() as s:
        [row] = s.scalars(select(OutboxMessage)).all()
        assert (row.address, row.message_key) == ("+917000000602", "handoff.staff_reply")


def test_listing_shows_overdue_and_escalated(client: TestClient) -> None:
    from datetime import timedelta

    from backend.care.escalation import escalate
    from backend.platform.clock import utcnow

    now = utcnow()
    with _sessions(client).begin() as s:
        consumer = make_consumer(s, mobile="+917000000611")
        late = complaints.file_complaint(s, category="no_supply", description="",
                                         consumer_id=consumer.id,
                                         now=now - timedelta(hours=5)).complaint.ticket
        fresh = complaints.file_complaint(s, category="meter_fault", description="",
                                          consumer_id=consumer.id, now=now).complaint.ticket
    with client.app.state.backend.engine.begin() as conn:  # type: ignore[attr-defined]
        assert escalate(conn, now).escalated == 1
    listed = {c["ticket"]: c for c in client.get("/api/v1/staff/complaints", headers=RO).json()}
    assert listed[late]["overdue"] is True and listed[late]["escalated_at"] is not None
    assert listed[fresh]["overdue"] is False and listed[fresh]["escalated_at"] is None
    only = client.get("/api/v1/staff/complaints?overdue=true", headers=RO).json()
    assert [c["ticket"] for c in only] == [late]
    rest = client.get("/api/v1/staff/complaints?overdue=false", headers=RO).json()
    assert [c["ticket"] for c in rest] == [fresh]
    assert client.get("/api/v1/staff/complaints?overdue=maybe", headers=RO).status_code == 422
    shown = client.get(f"/api/v1/staff/complaints/{late}", headers=RO).json()
    assert shown["history"][-1]["note"].startswith("overdue: escalated")
