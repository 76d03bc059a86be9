"""Staff API (`/api/v1/staff`): complaint status changes pushed through the outbox,
handed-off conversations listed, replied to and released, outage notices opened, extended
and closed with notices to the area; keys enforced."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.care import complaints, handoff
from backend.contacts import contacts, links
from backend.models import OutboxMessage
from tests.factories import T0, make_consumer

OP = {"X-API-Key": "op-key"}
RO = {"X-API-Key": "ro-key"}




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


def test_handoff_reply_refusals_and_release_in_one_call(client: TestClient) -> None:
    with _sessions(client).begin() as s:
        waiting = contacts.get_or_create_contact(s, "telegram", "7001", T0)
        handoff.flag(s, waiting, "asked", T0)
        stranger = contacts.get_or_create_contact(s, "telegram", "7002", T0)
        stopped = contacts.get_or_create_contact(s, "telegram", "7003", T0)
        handoff.flag(s, stopped, "asked", T0)
        contacts.opt_out(s, stopped, T0)
        ids = waiting.id, stranger.id, stopped.id
    body = {"text": "Ho gaya", "staff": "helpdesk"}
    for contact_id, reason in ((ids[1], "not waiting"), (ids[2], "opted out")):
        refused = client.post(f"/api/v1/staff/handoffs/{contact_id}/reply", json=body,
                              headers=OP)
        assert refused.status_code == 409 and reason in refused.json()["detail"]
    assert client.post(f"/api/v1/staff/handoffs/{2**70}/reply", json=body,
                       headers=OP).status_code == 422
    sent = client.post(f"/api/v1/staff/handoffs/{ids[0]}/reply",
                       json={**body, "release": True}, headers=OP)
    assert sent.status_code == 201 and sent.json()["released"] is True
    listed = client.get("/api/v1/staff/handoffs", headers=RO).json()
    assert [h["contact_id"] for h in listed] == [ids[2]]  # opted out: listed, not messaged
    assert client.post(f"/api/v1/staff/handoffs/{ids[0]}/reply", json=body,
                       headers=OP).status_code == 409  # released: no longer handed off


def test_outage_open_extend_close_tell_the_area(client: TestClient) -> None:
    with _sessions(client).begin() as s:
        hi, en = make_consumer(s), make_consumer(s, language="en")
        phones = {hi.mobile_e164, en.mobile_e164}
    url = "/api/v1/staff/outages"
    body = {"circle": "PATNA", "reason": "feeder fault", "hours": 2, "staff": "je.patna"}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=RO).status_code == 403
    opened = client.post(url, json=body, headers=OP)
    assert opened.status_code == 201, opened.text
    notice_id = opened.json()["id"]
    assert opened.json()["active"] is True and opened.json()["notice"]["queued"] == 2
    [listed] = client.get(url, headers=RO).json()
    assert (listed["id"], listed["reason"]) == (notice_id, "feeder fault")
    first_restore = listed["expected_restore_at"]

    extend = f"{url}/{notice_id}/extend"
    for bad in ({"staff": "je.patna"}, {"hours": 1, "staff": "je.patna"},
                {"hours": 5, "expected_restore_at": "2030-01-01T10:00:00+05:30", "staff": "x"},
                {"expected_restore_at": "2030-01-01T10:00:00", "staff": "je.patna"},
                {"hours": 5}, {"hours": -3, "staff": "je.patna"}):
        assert client.post(extend, json=bad, headers=OP).status_code == 422, bad
    extended = client.post(extend, json={"hours": 5, "staff": "je.patna"}, headers=OP)
    assert extended.status_code == 200, extended.text
    assert extended.json()["expected_restore_at"] > first_restore
    assert extended.json()["notice"]["queued"] == 2

    close = f"{url}/{notice_id}/close"
    assert client.post(close, json={}, headers=OP).status_code == 422  # no staff to sign it
    closed = client.post(close, json={"staff": "je.patna"}, headers=OP)
    assert closed.status_code == 200 and closed.json()["active"] is False
    assert client.post(close, json={"staff": "je.patna"}, headers=OP).status_code == 409
    assert client.post(f"{url}/{notice_id}/extend", json={"hours": 9, "staff": "x"},
                       headers=OP).status_code == 409
    assert client.get(url, headers=RO).json() == []
    with _sessions(client)() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.message_key for r in rows] == ["outage.notice"] * 2 + ["outage.extended"] * 2 + [
        "outage.restored"] * 2
    assert {r.address for r in rows} == phones


def test_outage_requests_that_change_nothing(client: TestClient) -> None:
    with _sessions(client).begin() as s:
        make_consumer(s)
    url = "/api/v1/staff/outages"
    for body, status in (({"circle": "NOWHERE", "reason": "x", "staff": "ops"}, 404),
                         ({"division_id": 424242, "reason": "x", "staff": "ops"}, 404),
                         ({"division_id": 2**40, "reason": "x", "staff": "ops"}, 422),
                         ({"circle": "PATNA", "staff": "ops"}, 422),  # no reason to show
                         ({"circle": "PATNA", "reason": "x"}, 422),  # no staff
                         ({"reason": "x", "staff": "ops"}, 422),  # no area
                         ({"circle": "PATNA", "reason": "x", "staff": "ops",
                           "expected_restore_at": "2999-01-01T00:00:00Z"}, 422),
                         ({"circle": "PATNA", "reason": "x", "staff": "ops", "hours": "NaN"},
                          422),
                         ({"circle": "PATNA", "reason": "x", "staff": "ops", "bogus": 1}, 422)):
        answer = client.post(url, json=body, headers=OP)
        assert answer.status_code == status, (body, answer.text)
    assert client.post(f"{url}/{2**70}/close", json={"staff": "x"},
                       headers=OP).status_code == 422
    assert client.post(f"{url}/999999/close", json={"staff": "x"},
                       headers=OP).status_code == 404
    quiet = client.post(url, json={"circle": "patna", "notify": False}, headers=OP)
    assert quiet.status_code == 201 and quiet.json()["notice"] is None
    with _sessions(client)() as s:
        assert s.scalars(select(OutboxMessage)).all() == []


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
