"""Dedupe of provider message ids and per-contact conversation state, on real SQLite and
PostgreSQL, including two threads racing on the same message and the same contact."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts
from backend.contacts import conversations as conv
from backend.models import Base, ConversationState, ProcessedMessage
from backend.platform import migrate
from backend.platform.db import make_engine
from tests.factories import T0

TTL = timedelta(minutes=30)


def _contact_id(session_factory: sessionmaker[Session], address: str = "+919876543210") -> int:
    with session_factory() as s, s.begin():
        return contacts.get_or_create_contact(s, "sms", address, T0).id


# ---------------------------------------------------------------------------- dedupe


def test_same_message_id_is_claimed_once(session_factory: sessionmaker[Session]):
    cid = _contact_id(session_factory)
    with session_factory() as s, s.begin():
        assert conv.claim_message(s, "sms", "SM123", cid, T0)
        assert not conv.claim_message(s, "sms", "SM123", cid, T0)
        assert conv.claim_message(s, "whatsapp", "SM123", cid, T0)  # other channel
        assert conv.claim_message(s, "telegram", 98765, None, T0)  # update_id, no contact
        assert not conv.claim_message(s, "telegram", "98765", None, T0)
    with session_factory() as s, s.begin():  # and after commit, in a new transaction
        assert not conv.claim_message(s, "sms", "SM123", cid, T0 + timedelta(minutes=5))
    with pytest.raises(ValueError), session_factory() as s:
        conv.claim_message(s, "sms", "x" * 129, cid, T0)


def test_rolled_back_claim_lets_the_retry_through(session_factory: sessionmaker[Session]):
    """Handling failed: the provider's retry must be handled, not dropped."""
    with session_factory() as s:
        s.begin()
        assert conv.claim_message(s, "sms", "SM1", None, T0)
        s.rollback()
    with session_factory() as s, s.begin():
        assert conv.claim_message(s, "sms", "SM1", None, T0)


def _race_claim(session_factory: sessionmaker[Session], cid: int, message_id: str) -> list:
    """Two threads claim the same id at once; each holds its transaction open a moment so
    the other has to wait on it."""
    barrier = threading.Barrier(2)
    results: list[bool | BaseException] = []

    def worker() -> None:
        try:
            with session_factory() as s, s.begin():
                barrier.wait(5)
                results.append(conv.claim_message(s, "sms", message_id, cid, T0))
                time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            results.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_threads_claiming_the_same_message(session_factory: sessionmaker[Session]):
    cid = _contact_id(session_factory)
    for attempt in range(5):
        assert sorted(_race_claim(session_factory, cid, f"SM-race-{attempt}"),
                      key=str) == [False, True]


def test_purge_processed(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        conv.claim_message(s, "sms", "old", None, T0)
        conv.claim_message(s, "sms", "new", None, T0 + timedelta(hours=47))
        assert conv.purge_processed(s, T0 + timedelta(hours=1)) == 1
        assert s.scalars(select(ProcessedMessage.message_id)).all() == ["new"]


# ---------------------------------------------------------------------------- state


def test_save_load_and_clear(session_factory: sessionmaker[Session]):
    cid = _contact_id(session_factory)
    with session_factory() as s, s.begin():
        assert conv.load_state(s, cid, T0) is None
        saved = conv.save_state(s, cid, flow="link_account", step="ask_code",
                                data={"ca": "123456789", "tries": [1, 2]}, failures=0,
                                now=T0, ttl=TTL)
        assert saved.in_flow and saved.expires_at == T0 + TTL
    with session_factory() as s, s.begin():
        snap = conv.load_state(s, cid, T0 + timedelta(minutes=5), for_update=True)
        assert snap is not None
        assert (snap.flow, snap.step, snap.data, snap.failures) == (
            "link_account", "ask_code", {"ca": "123456789", "tries": [1, 2]}, 0)
        snap.data["ca"] = "changed"  # a private copy: nothing saved until save_state
        again = conv.load_state(s, cid, T0 + timedelta(minutes=5))
        assert again is not None and again.data["ca"] == "123456789"
        conv.save_state(s, cid, flow="complaint", step="describe", data={}, failures=1,
                        now=T0 + timedelta(minutes=6), ttl=TTL)
    with session_factory() as s, s.begin():
        snap = conv.load_state(s, cid, T0 + timedelta(minutes=7))
        assert (snap.flow, snap.step, snap.data, snap.failures) == (
            "complaint", "describe", {}, 1)
        assert snap.expires_at == T0 + timedelta(minutes=6) + TTL
        conv.clear_state(s, cid)
        assert conv.load_state(s, cid, T0 + timedelta(minutes=7)) is None


def test_expired_state_counts_as_none_and_is_deleted(session_factory: sessionmaker[Session]):
    cid = _contact_id(session_factory)
    with session_factory() as s, s.begin():
        conv.save_state(s, cid, flow="balance", step="pick", data={}, failures=2, now=T0,
                        ttl=TTL)
    with session_factory() as s, s.begin():
        assert conv.load_state(s, cid, T0 + TTL, for_update=True) is None
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ConversationState)) == 0


def test_failures_persist_without_a_flow(session_factory: sessionmaker[Session]):
    cid = _contact_id(session_factory)
    with session_factory() as s, s.begin():
        assert conv.bump_failures(s, cid, T0, TTL) == 1
    with session_factory() as s, s.begin():
        assert conv.bump_failures(s, cid, T0 + timedelta(minutes=1), TTL) == 2
        snap = conv.load_state(s, cid, T0 + timedelta(minutes=2))
        assert snap is not None and not snap.in_flow and snap.failures == 2
        conv.reset_failures(s, cid)
        assert conv.load_state(s, cid, T0 + timedelta(minutes=2)) is None
        # an expired count starts again
        conv.bump_failures(s, cid, T0, TTL)
        assert conv.bump_failures(s, cid, T0 + TTL + timedelta(seconds=1), TTL) == 1


def test_failures_inside_a_flow_keep_the_flow(session_factory: sessionmaker[Session]):
    cid = _contact_id(session_factory)
    with session_factory() as s, s.begin():
        conv.save_state(s, cid, flow="complaint", step="describe", data={"k": "v"},
                        failures=0, now=T0, ttl=TTL)
        assert conv.bump_failures(s, cid, T0 + timedelta(minutes=20), TTL) == 1
        snap = conv.load_state(s, cid, T0 + timedelta(minutes=40))  # life was extended
        assert (snap.flow, snap.step, snap.data, snap.failures) == (
            "complaint", "describe", {"k": "v"}, 1)
        conv.reset_failures(s, cid, T0 + timedelta(minutes=41))
        snap = conv.load_state(s, cid, T0 + timedelta(minutes=41))
        assert snap.flow == "complaint" and snap.failures == 0


def test_state_validation(session_factory: sessionmaker[Session]):
    cid = _contact_id(session_factory)
    with session_factory() as s, s.begin():
        with pytest.raises(ValueError):
            conv.save_state(s, cid, flow="x" * 33, step=None, data={}, failures=0, now=T0,
                            ttl=TTL)
        with pytest.raises(ValueError):
            conv.save_state(s, cid, flow="a", step=None, data={}, failures=0, now=T0,
                            ttl=timedelta(0))
        with pytest.raises(ValueError):
            conv.load_state(s, cid, T0.replace(tzinfo=None))


def test_same_contact_handled_in_turn(session_factory: sessionmaker[Session]):
    """Two processes each load-for-update, increment a counter in `data` and save: with
    the contact locked, neither update is lost."""
    cid = _contact_id(session_factory)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(5)
            for _ in range(5):
                with session_factory() as s, s.begin():
                    snap = conv.load_state(s, cid, T0, for_update=True)
                    count = snap.data.get("n", 0) if snap else 0
                    time.sleep(0.002)
                    conv.save_state(s, cid, flow="count", step="n", data={"n": count + 1},
                                    failures=0, now=T0, ttl=TTL)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with session_factory() as s:
        assert conv.load_state(s, cid, T0).data == {"n": 20}


def test_purge_expired_states(session_factory: sessionmaker[Session]):
    a = _contact_id(session_factory, "+919000000001")
    b = _contact_id(session_factory, "+919000000002")
    with session_factory() as s, s.begin():
        conv.save_state(s, a, flow="x", step=None, data={}, failures=0, now=T0, ttl=TTL)
        conv.save_state(s, b, flow="y", step=None, data={}, failures=0, now=T0,
                        ttl=TTL * 3)
        assert conv.purge_expired_states(s, T0 + TTL) == 1
        assert conv.load_state(s, b, T0 + TTL) is not None


# ---------------------------------------------------------------------------- migration

NEW_TABLES = {"contacts", "contact_links", "otp_challenges", "processed_messages",
              "conversation_states"}



def _tables_and_diff(url: str) -> tuple[set[str], list]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return set(inspect(conn).get_table_names()), compare_metadata(context,
                                                                          Base.metadata)
    finally:
        engine.dispose()


HEAD = migrate.head_revision()


def test_migration_0002_up_down_up_matches_models(fresh_url: str):
    migrate.upgrade(fresh_url, "0001")
    migrate.upgrade(fresh_url)
    assert migrate.current_revision(fresh_url) == HEAD
    tables, diff = _tables_and_diff(fresh_url)
    assert tables >= NEW_TABLES
    assert diff == []  # the migration creates exactly what the models declare
    migrate.downgrade(fresh_url, "0001")
    tables, _ = _tables_and_diff(fresh_url)
    assert not NEW_TABLES & tables and "consumers" in tables
    migrate.upgrade(fresh_url)
    assert migrate.current_revision(fresh_url) == HEAD
