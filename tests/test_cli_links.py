"""`sahayak link list|remove` against real databases: staff see which chats can read a
connection (numbers masked) and remove one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts, links, otp
from backend.models import OutboxMessage
from tests.cli_runner import fails, ok
from tests.factories import T0, make_consumer
from tests.servers import clear_settings_env


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


def test_link_list_and_remove(db_url: str, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        a = make_consumer(s, ca="100000901", mobile="9876500901")
        owner = contacts.get_or_create_contact(s, "whatsapp", a.mobile_e164, T0)
        links.auto_link_by_phone(s, owner, T0)
        tg = contacts.get_or_create_contact(s, "telegram", "5559901", T0)
        otp.request_otp(s, tg, a.ca_number, T0)
        sms = s.scalars(select(OutboxMessage)
                        .where(OutboxMessage.message_key == "otp.code")).one()
        assert otp.verify_otp(s, tg, sms.params["code"], T0).status == "verified"
        tg_id, owner_id = tg.id, owner.id

    listed = ok(db_url, "link", "list", "100000901").output
    assert f"{tg_id}\ttelegram" in listed and f"{owner_id}\twhatsapp" in listed
    assert "9876500901" not in listed and "******0901" in listed
    assert "unlinked" in ok(db_url, "link", "remove", "100000901", str(tg_id),
                            "--staff", "helpdesk").output
    assert f"{tg_id}\ttelegram" not in ok(db_url, "link", "list", "100000901").output
    assert "not linked" in fails(db_url, "link", "remove", "100000901", str(tg_id),
                                 "--staff", "helpdesk")
    assert "no connection" in fails(db_url, "link", "list", "999999999")
