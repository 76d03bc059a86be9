"""`sahayak broadcast ...` and `sahayak outage add|close --notify`: clear output, clear
errors (non-zero exit, no traceback); SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts
from backend.models import OutboxMessage
from tests.cli_runner import fails, ok
from tests.factories import T0, make_consumer
from tests.servers import clear_settings_env

HI = "नमस्ते! बिजली बचाइए।"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


def test_create_preview_send_status_pause_cancel(db_url: str, tmp_path: Path,
                                                  session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s, tariff="DS-II", balance_paise=-100)
        make_consumer(s, tariff="DS-II", balance_paise=-100, language="en")
        make_consumer(s, tariff="NDS-II", balance_paise=-100)
        opted = make_consumer(s, tariff="DS-II", balance_paise=-100)
        contacts.opt_out(s, contacts.get_or_create_contact(s, "sms", opted.mobile_e164, T0), T0)
    body = tmp_path / "hi.txt"
    body.write_text(HI, encoding="utf-8")
    out = ok(db_url, "broadcast", "create", "--title", "Recharge soon", "--class", "service",
             "--body-hi-file", str(body), "--body-en", "Please recharge soon.",
             "--tariff", "DS-II", "--balance", "negative", "--staff", "asha").output
    assert "broadcast 1 created (draft)" in out
    out = ok(db_url, "broadcast", "preview", "1").output
    assert "sms       hi                   1" in out and "sms       en                   1" in out
    assert "skipped (opted out): 1" in out
    assert "SMS per message, en: 1 segment(s), GSM-7" in out
    assert "SMS per message, hi: 1 segment(s), UCS-2" in out
    out = ok(db_url, "broadcast", "send", "1", "--chunk", "2").output
    assert "2 queued now, 2 recipients in all, 1 skipped (opted out)" in out
    assert "0 queued now" in ok(db_url, "broadcast", "send", "1").output
    with session_factory() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.params["body"] for r in rows] == [HI, "Please recharge soon."]
    out = ok(db_url, "broadcast", "status", "1", "--recipients", "5").output
    assert "queued" in out and "skipped_opted_out" in out and "******" in out
    assert "broadcast 1 paused" in ok(db_url, "broadcast", "pause", "1").output
    assert "resume it first" in fails(db_url, "broadcast", "send", "1")
    assert "broadcast 1 queued" in ok(db_url, "broadcast", "resume", "1").output
    assert "2 unsent message(s) dropped" in ok(db_url, "broadcast", "cancel", "1").output
    assert "already cancelled" in fails(db_url, "broadcast", "cancel", "1")
    assert "cancelled" in ok(db_url, "broadcast", "list").output


def test_bad_input_is_a_message_not_a_traceback(db_url: str,
                                                session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s)
    base = ["broadcast", "create", "--title", "t", "--class", "promotional", "--staff", "a"]
    assert "both a Hindi and an English body" in fails(db_url, *base, "--body-hi", HI)
    assert "Devanagari" in fails(db_url, *base, "--body-hi", "namaste", "--body-en", "hi")
    assert "no circle" in fails(db_url, *base, "--body-hi", HI, "--body-en", "x",
                                "--circle", "NOWHERE")
    assert "not an amount" in fails(db_url, *base, "--body-hi", HI, "--body-en", "x",
                                    "--balance", "low", "--balance-rupees", "ten")
    assert "in the past" in fails(db_url, *base, "--body-hi", HI, "--body-en", "x",
                                  "--at", "2020-01-01 10:00")
    assert "YYYY-MM-DD" in fails(db_url, *base, "--body-hi", HI, "--body-en", "x",
                                 "--at", "tomorrow")
    assert "no broadcast 9" in fails(db_url, "broadcast", "preview", "9")
    assert "no broadcast 9" in fails(db_url, "broadcast", "status", "9")
    assert "nothing due" in ok(db_url, "broadcast", "send-due").output


def test_outage_add_and_close_with_notify(db_url: str, session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s)
        make_consumer(s, language="en")
    assert "--notify needs --staff" in fails(db_url, "outage", "add", "--circle", "PATNA",
                                             "--notify", "--staff", "ops")
    out = ok(db_url, "outage", "add", "--circle", "PATNA", "--hours", "2", "--reason",
             "feeder fault", "--notify", "--staff", "ops").output
    assert "outage 1 added" in out and "outage notice: broadcast 1, 2 queued" in out
    out = ok(db_url, "outage", "close", "1", "--notify", "--staff", "ops").output
    assert "restored notice: broadcast 2, 2 queued" in out
    with session_factory() as s:
        keys = [(r.message_key, r.language) for r in
                s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert keys == [("outage.notice", "hi"), ("outage.notice", "en"),
                    ("outage.restored", "hi"), ("outage.restored", "en")]
