"""`sahayak conversations show`: a contact's log, oldest first, with intents and reply
keys; an unknown contact says so. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts
from backend.contacts.log import Inbound, Outbound, record_turn
from tests.cli_runner import ok
from tests.factories import T0
from tests.servers import clear_settings_env


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


def test_show_a_contacts_conversation(db_url: str,
                                      session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000901", T0)
        record_turn(s, contact_id=contact.id, channel="whatsapp", now=T0,
                    inbound=Inbound("bijli nahi hai", "m1", "report_outage", 0.91, "hi-Latn"),
                    replies=[Outbound("complaint.ask_area", "Kis ilake mein?")],
                    reply_language="hi-Latn")
        record_turn(s, contact_id=contact.id, channel="whatsapp",
                    now=T0 + timedelta(minutes=5), during_handoff=True,
                    inbound=Inbound("koi hai?", "m2", "greet", 0.5, "hi-Latn"),
                    replies=[Outbound("handoff.waiting")], reply_language="hi-Latn")
        contact_id = contact.id
    out = ok(db_url, "conversations", "show", "--contact", str(contact_id)).output
    assert out.index("bijli nahi hai") < out.index("Kis ilake mein?") < out.index("koi hai?")
    assert "[report_outage 0.91 hi-Latn]" in out and "[complaint.ask_area hi-Latn]" in out
    assert "waiting" in out and "handoff.waiting" in out
    last = ok(db_url, "conversations", "show", "--contact", str(contact_id), "--limit", "1")
    assert "handoff.waiting" in last.output and "bijli" not in last.output
    assert "no messages logged" in ok(db_url, "conversations", "show", "--contact",
                                      "999").output
