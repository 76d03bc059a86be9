"""Bad input on the metering and staff APIs is a 4xx with a reason, never a 500: NUL and
other control characters in free text (PostgreSQL refuses NUL), ids beyond BIGINT or
below 1, and dates given as numbers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.care import complaints, handoff
from backend.contacts import contacts
from backend.models import ComplaintEvent, OutageNotice, OutboxMessage
from tests.factories import T0, make_consumer

OP = {"X-API-Key": "op-key"}




def _sessions(client: TestClient):  # noqa: ANN202
    return client.app.state.backend.sessions  # type: ignore[attr-defined]


def test_nul_in_staff_notes_replies_and_reasons_is_cleaned(client: TestClient) -> None:
    with _sessions(client).begin() as s:
        consumer = make_consumer(s, mobile="+917000000701")
        ticket = complaints.file_complaint(s, category="meter_fault", description="x",
                                           consumer_id=consumer.id, now=T0).complaint.ticket
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000702", T0)
        handoff.flag(s, contact, "asked", T0)
        contact_id = contact.id
    status = client.post(f"/api/v1/staff/complaints/{ticket}/status", headers=OP, json={
        "status": "in_progress", "note": "JE\x00 visiting\r\ntoday", "staff": "je\x00.patna"})
    assert status.status_code == 200, status.text
    reply = client.post(f"/api/v1/staff/handoffs/{contact_id}/reply", headers=OP,
                        json={"text": "Namaste\x00", "staff": "help\x07desk"})
    assert reply.status_code == 201, reply.text
    outage = client.post("/api/v1/staff/outages", headers=OP,
                         json={"circle": "PATNA", "reason": "line\x00 fault", "hours": 2,
                               "notify": False})
    assert outage.status_code == 201, outage.text
    with _sessions(client)() as s:
        notes = {(e.note, e.staff) for e in s.scalars(select(ComplaintEvent))}
        texts = {row.params.get("text") for row in s.scalars(select(OutboxMessage))}
        reasons = set(s.scalars(select(OutageNotice.reason)))
    assert ("JE visiting\ntoday", "je.patna") in notes
    assert "Namaste" in texts and reasons == {"line fault"}


@pytest.mark.parametrize("body", [{"text": "\x00\x01", "staff": "a"},
                                  {"text": "ok", "staff": "\x00"}])
def test_text_that_is_only_control_characters_is_a_422(client: TestClient, body: dict) -> None:
    assert client.post("/api/v1/staff/handoffs/1/reply", headers=OP,
                       json=body).status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/staff/handoffs/{}/reply",
                                  "/api/v1/staff/handoffs/{}/release",
                                  "/api/v1/staff/outages/{}/extend",
                                  "/api/v1/staff/outages/{}/close"])
@pytest.mark.parametrize("bad", [2**63, 2**64 + 5, 10**30, 0, -1])
def test_ids_outside_bigint_are_a_422(client: TestClient, path: str, bad: int) -> None:
    body = {"text": "hi", "staff": "a", "hours": 1}
    answer = client.post(path.format(bad), headers=OP, json=body if "reply" in path else
                         ({"hours": 1} if "extend" in path else {}))
    assert answer.status_code == 422, answer.text


def test_reading_dates_are_iso_strings_not_numbers(client: TestClient) -> None:
    row = {"ca_number": "100200300", "date": 0, "kwh": "1"}
    answer = client.post("/api/v1/readings", headers=OP, json={"readings": [row]})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "date"


def test_meter_numbers_with_control_characters_are_a_422(client: TestClient) -> None:
    row = {"meter_number": "M\x001", "date": "2026-04-01", "kwh": "1"}
    assert client.post("/api/v1/readings", headers=OP,
                       json={"readings": [row]}).status_code == 422
