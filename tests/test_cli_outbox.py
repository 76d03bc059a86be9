"""`sahayak outbox dead|retry|stats` and the worker's configuration errors, through click's
CliRunner on SQLite and PostgreSQL: dead letters show masked addresses only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.enqueue import enqueue
from backend.models import OutboxMessage, OutboxStatus
from bot.cli import main
from tests.servers import clear_settings_env

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
PHONE = "+919876543210"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


def run(url: str, *args: str, **env: str) -> Result:
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": url, **env})
    assert "Traceback" not in result.output
    return result


def _seed(sf: sessionmaker[Session]) -> list[int]:
    """Three sms (two dead) and one whatsapp (dead), errors quoting nothing secret."""
    with sf.begin() as session:
        for i, channel in enumerate(["sms", "sms", "sms", "whatsapp"]):
            enqueue(session, channel=channel, address=PHONE, message_key="otp.code",
                    params={"code": "493817"}, language="hi", idempotency_key=f"k{i}", now=T0)
    with sf.begin() as session:
        ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[1:]))
                        .values(status=OutboxStatus.DEAD, attempts=6,
                                last_error="PermanentSendError: twilio 400 error 21211"))
    return ids


def test_dead_lists_dead_letters_with_masked_addresses(
        db_url: str, session_factory: sessionmaker[Session]) -> None:
    ids = _seed(session_factory)
    result = run(db_url, "outbox", "dead")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == [f"#{i}" for i in reversed(ids[1:])]
    assert lines[0].split("\t")[:5] == [f"#{ids[3]}", "whatsapp", "+91******3210",
                                        "otp.code", "6"]
    assert lines[0].endswith("PermanentSendError: twilio 400 error 21211")
    assert PHONE not in result.output and "493817" not in result.output
    only_sms = run(db_url, "outbox", "dead", "--channel", "sms", "--limit", "1", "--json")
    [record] = [json.loads(line) for line in only_sms.output.splitlines()]
    assert record["id"] == ids[2] and record["to"] == "+91******3210"
    assert record["attempts"] == 6 and record["queued_at"].startswith("2026-04-01T06:00")
    assert "no dead letters on telegram" in run(db_url, "outbox", "dead", "--channel",
                                                 "telegram").output


def test_retry_requeues_dead_letters_only(db_url: str,
                                          session_factory: sessionmaker[Session]) -> None:
    ids = _seed(session_factory)
    result = run(db_url, "outbox", "retry", str(ids[1]), str(ids[2]))
    assert result.exit_code == 0 and f"requeued 2: #{ids[1]} #{ids[2]}" in result.output
    with session_factory() as session:
        row = session.get(OutboxMessage, ids[1])
        assert row is not None and (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    # pending (not dead) and unknown ids are left alone, and say so with exit code 1
    mixed = run(db_url, "outbox", "retry", str(ids[0]), str(ids[3]), "999999")
    assert mixed.exit_code == 1
    assert f"requeued 1: #{ids[3]}" in mixed.output
    assert f"not dead letters, left alone: #{ids[0]} #999999" in mixed.output
    assert run(db_url, "outbox", "retry", "abc").exit_code == 2


def test_stats_counts_by_channel_and_status(db_url: str,
                                            session_factory: sessionmaker[Session]) -> None:
    _seed(session_factory)
    result = run(db_url, "outbox", "stats")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "channel\tpending\tsending\tsent\tdead\tcancelled\ttotal",
        "sms\t1\t0\t0\t2\t0\t3",
        "whatsapp\t0\t0\t0\t1\t0\t1",
        "all\t1\t0\t0\t3\t0\t4"]
    assert json.loads(run(db_url, "outbox", "stats", "--json").output) == {
        "sms": {"dead": 2, "pending": 1}, "whatsapp": {"dead": 1}}


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'empty.db'}", "outbox", "stats")
    assert result.exit_code == 1 and "sahayak db upgrade" in result.output


@pytest.mark.parametrize("rates", ["sms", "sms=fast", "sms=-1", "=5"])
def test_worker_refuses_bad_rate_limits(db_url: str, rates: str) -> None:
    result = run(db_url, "worker", OUTBOX_RATE_LIMITS=rates)
    assert result.exit_code == 1 and "bad rate" in result.output
