"""Staff commands: outage add/list/close, adoption report per circle, complaint status
change (queued to the consumer), handoff list/reply; SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.care import complaints, handoff
from backend.contacts import contacts, links
from backend.engagement import adoption
from backend.models import OutboxMessage
from bot.cli import main
from tests.cli_runner import ok
from tests.factories import T0, make_consumer
from tests.servers import clear_settings_env


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


def test_outage_add_list_close(db_url: str, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        make_consumer(s)
    assert "no active outages" in ok(db_url, "outage", "list").output
    assert "outage 1 added" in ok(db_url, "outage", "add", "--circle", "PATNA", "--hours", "3",
                                  "--reason", "feeder").output
    assert "feeder" in ok(db_url, "outage", "list").output
    ok(db_url, "outage", "close", "1")
    assert "no active outages" in ok(db_url, "outage", "list").output
    assert CliRunner().invoke(main, ["outage", "add", "--circle", "NOPE"],
                              env={"DATABASE_URL": db_url}).exit_code != 0


def test_report_adoption(db_url: str, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        a, _b = make_consumer(s), make_consumer(s)
        adoption.record(s, contact_id=None, consumer_id=a.id, installed=True, now=T0)
    out = ok(db_url, "report", "adoption").output
    assert "PATNA" in out and "50.0%" in out


def test_complaint_status_and_handoff_reply(db_url: str,
                                            session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000701")
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000701", T0)
        links.auto_link_by_phone(s, contact, T0)
        handoff.flag(s, contact, "asked", T0)
        ticket = complaints.file_complaint(s, category="other", description="x",
                                           consumer_id=consumer.id, now=T0).complaint.ticket
        contact_id = contact.id
    out = ok(db_url, "complaint", "status", ticket.lower(), "resolved", "--staff", "aee",
             "--note", "done").output
    assert f"{ticket} -> resolved; 1 message(s) queued" in out
    assert "asked" in ok(db_url, "handoff", "list").output
    ok(db_url, "handoff", "reply", str(contact_id), "Aapka kaam ho gaya", "--staff", "hd",
       "--release")
    assert ok(db_url, "handoff", "list").output == ""
    with session_factory() as s:
        keys = sorted(r.message_key for r in s.scalars(select(OutboxMessage)))
        assert keys == ["complaint.push.resolved", "handoff.staff_reply"]
