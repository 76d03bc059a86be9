"""`sahayak outage extend` and the outage/handoff commands' refusals: thin callers of the
backend use cases, so a DomainError is one clear line and a non-zero exit; SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts
from backend.models import OutboxMessage
from tests.cli_runner import fails, ok, run
from tests.factories import T0, make_consumer
from tests.servers import clear_settings_env


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


def test_outage_extend_tells_the_area(db_url: str, session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s)
    ok(db_url, "outage", "add", "--circle", "PATNA", "--hours", "2", "--reason", "feeder")
    assert "--notify needs --staff" in run(db_url, "outage", "extend", "1", "--hours", "4",
                                           "--notify").output
    out = ok(db_url, "outage", "extend", "1", "--hours", "4", "--notify", "--staff", "ops").output
    assert "outage 1 now expected back by" in out
    assert "extension notice: broadcast 1, 1 queued, 0 skipped (opted out)" in out
    assert "must be later" in fails(db_url, "outage", "extend", "1", "--hours", "3")
    assert run(db_url, "outage", "extend", "1", "--hours", "-1").exit_code == 2
    ok(db_url, "outage", "close", "1")
    assert "already closed" in fails(db_url, "outage", "close", "1")
    assert "already closed" in fails(db_url, "outage", "extend", "1", "--hours", "9")
    assert "no outage notice 7" in fails(db_url, "outage", "close", "7")
    assert "no circle NOPE" in fails(db_url, "outage", "add", "--circle", "NOPE")
    with session_factory() as s:
        assert [r.message_key for r in s.scalars(select(OutboxMessage))] == ["outage.extended"]


def test_handoff_reply_refusals_are_messages(db_url: str,
                                             session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000901", T0)
        contact_id = contact.id
    out = fails(db_url, "handoff", "reply", str(contact_id), "hello", "--staff", "hd")
    assert "not waiting for a person" in out
    assert "no contact 999999" in fails(db_url, "handoff", "reply", "999999", "hi", "--staff",
                                        "hd")
