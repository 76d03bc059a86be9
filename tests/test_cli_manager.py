"""`sahayak manager set|list|remove` and `sahayak complaint escalate [--dry-run]`: counts,
masking, clear errors with a non-zero exit; SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.care import complaints
from backend.models import OutboxMessage
from tests.cli_runner import ok, run
from tests.factories import T0, make_consumer
from tests.servers import clear_settings_env


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


def test_manager_set_list_remove(db_url: str, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        make_consumer(s)
    assert "no managers yet" in ok(db_url, "manager", "list").output
    out = ok(db_url, "manager", "set", "--circle", "patna", "--name", "Sri R. Kumar",
             "--mobile", "98765 43210", "--channel", "whatsapp", "--language", "en").output
    assert "PATNA: Sri R. Kumar" in out and "9876543210" not in out
    listed = ok(db_url, "manager", "list").output
    assert "+91******3210" in listed and "whatsapp" in listed
    assert "+919876543210" in ok(db_url, "manager", "list", "--full-numbers").output
    for args, reason in (
            (["--circle", "NOPE", "--name", "x", "--mobile", "9876543210"], "no circle"),
            (["--circle", "PATNA", "--name", "x", "--mobile", "123"], "not an Indian mobile"),
            (["--circle", "PATNA", "--name", "x", "--mobile", "9876543210", "--channel", "fax"],
             "Invalid value")):
        bad = run(db_url, "manager", "set", *args)
        assert bad.exit_code != 0 and reason in bad.output, bad.output
        assert isinstance(bad.exception, SystemExit)  # a message, not a traceback
    assert "removed" in ok(db_url, "manager", "remove", "PATNA").output
    again = run(db_url, "manager", "remove", "PATNA")
    assert again.exit_code == 1 and "has no manager" in again.output


def test_complaint_escalate_dry_run_then_real_then_nothing(
        db_url: str, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s)
        complaints.file_complaint(s, category="no_supply", description="", now=T0,
                                  consumer_id=consumer.id)
    dry = ok(db_url, "complaint", "escalate", "--dry-run").output
    assert "would escalate 1 overdue complaints" in dry
    assert "circle PATNA has no manager: 1" in dry
    ok(db_url, "manager", "set", "--circle", "PATNA", "--name", "A", "--mobile", "9876543210")
    real = ok(db_url, "complaint", "escalate").output
    assert "escalated 1 overdue complaints" in real and "1 manager digests" in real
    assert "escalated 0 overdue" in ok(db_url, "complaint", "escalate").output
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # the digest


def test_escalate_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'empty.db'}", "complaint", "escalate")
    assert result.exit_code == 1 and "sahayak db upgrade" in result.output
