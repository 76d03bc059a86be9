"""Complaints (file, duplicate, status change pushed through the outbox), outage notices
for a consumer's area, app adoption per circle, handoff replies; migration 0003 round trip.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.care import complaints, handoff, outages
from backend.care.complaints import TICKET_ALPHABET, normalise_ticket
from backend.contacts import contacts, links
from backend.engagement import adoption
from backend.models import ComplaintStatus, OutboxMessage
from backend.platform import migrate
from backend.platform.errors import InvalidInput, NotFound
from tests.factories import T0, make_consumer


def test_ticket_ids_are_short_and_unambiguous() -> None:
    for _ in range(200):
        ticket = complaints.new_ticket_id()
        assert ticket.startswith("BS-") and len(ticket) == 9
        assert set(ticket[3:]) <= set(TICKET_ALPHABET)
    assert not set("0O1IL2Z5S8B6G") & set(TICKET_ALPHABET)
    assert normalise_ticket("bs 7k3m9q") == normalise_ticket("7K3M9Q") == "BS-7K3M9Q"


def test_file_then_duplicate_adds_a_note(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000501")
        first = complaints.file_complaint(s, category="meter_fault", description="display off",
                                          consumer_id=consumer.id, now=T0)
        again = complaints.file_complaint(s, category="meter_fault", description="still off",
                                          consumer_id=consumer.id, now=T0 + timedelta(hours=1))
        other = complaints.file_complaint(s, category="high_deduction", description="",
                                          consumer_id=consumer.id, now=T0)
        assert not first.duplicate and again.duplicate and not other.duplicate
        assert again.complaint.ticket == first.complaint.ticket
        assert first.complaint.urgent and first.complaint.due_at == T0 + timedelta(hours=24)
        assert other.complaint.due_at == T0 + timedelta(days=7)
        assert first.complaint.reports == 2
        notes = [e.note for e in complaints.history(s, first.complaint)]
        assert notes == ["display off", "reported again: still off"]


def test_status_change_is_pushed_to_verified_contacts(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000502")
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000502", T0)
        contacts.set_language(s, contact, "en")
        links.auto_link_by_phone(s, contact, T0)
        stranger = contacts.get_or_create_contact(s, "whatsapp", "+917000000599", T0)
        assert stranger.id != contact.id
        filed = complaints.file_complaint(s, category="no_supply", description="",
                                          consumer_id=consumer.id, contact_id=contact.id,
                                          now=T0)
        ticket = filed.complaint.ticket
        assert complaints.change_status(s, ticket, "in_progress", "lineman sent", "je.patna",
                                        T0 + timedelta(hours=1)) == 1
        with pytest.raises(InvalidInput):
            complaints.change_status(s, ticket, "bogus", "", "x", T0)
        with pytest.raises(NotFound):
            complaints.change_status(s, "BS-XXXXXX", "resolved", "", "x", T0)
    with session_factory() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert [(r.address, r.message_key, r.language, r.params["ticket"]) for r in rows] == [
            ("+917000000502", "complaint.push.in_progress", "en", ticket)]
        assert complaints.get(s, ticket.lower()).status == ComplaintStatus.IN_PROGRESS
        history = complaints.history(s, complaints.get(s, ticket))
        assert [(e.status, e.staff) for e in history] == [
            (ComplaintStatus.OPEN, None), (ComplaintStatus.IN_PROGRESS, "je.patna")]


def test_resolved_ticket_allows_a_new_one(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s)
        first = complaints.file_complaint(s, category="other", description="a",
                                          consumer_id=consumer.id, now=T0).complaint
        complaints.change_status(s, first, "resolved", "done", "staff", T0)
        second = complaints.file_complaint(s, category="other", description="b",
                                           consumer_id=consumer.id, now=T0)
        assert not second.duplicate and second.complaint.ticket != first.ticket
        assert [c.ticket for c in complaints.recent(s, consumer_id=consumer.id, now=T0)] \
            == [second.complaint.ticket, first.ticket]


def test_outage_notice_for_the_consumers_circle(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s)
        assert outages.for_consumer(s, consumer.id, T0) is None
        notice = outages.add(s, now=T0, circle_id=consumer.circle_id,
                             expected_restore_at=T0 + timedelta(hours=3), reason="feeder")
        assert outages.for_consumer(s, consumer.id, T0 + timedelta(minutes=5)) == notice
        outages.close(s, notice.id)
        assert outages.for_consumer(s, consumer.id, T0) is None
        with pytest.raises(InvalidInput):
            outages.add(s, now=T0)


def test_adoption_per_circle_counts_latest_answers(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        a, b, _c = make_consumer(s), make_consumer(s), make_consumer(s)
        adoption.record(s, contact_id=None, consumer_id=a.id, installed=False, now=T0)
        adoption.record(s, contact_id=None, consumer_id=a.id, installed=True, now=T0)
        adoption.record(s, contact_id=None, consumer_id=b.id, installed=False, now=T0)
        adoption.record(s, contact_id=None, consumer_id=None, installed=True, now=T0)
    with session_factory() as s:
        [row] = adoption.per_circle(s)
        assert (row.circle, row.consumers, row.answered, row.installed) == ("PATNA", 3, 2, 1)


def test_handoff_flag_reply_release(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        contact = contacts.get_or_create_contact(s, "telegram", "555", T0)
        assert handoff.flag(s, contact, "asked", T0) and not handoff.flag(s, contact, "x", T0)
        assert [c.id for c in handoff.pending(s)] == [contact.id]
        handoff.reply(s, contact.id, "Namaste, main dekh raha hoon", "agent1", T0)
        with pytest.raises(InvalidInput):
            handoff.reply(s, contact.id, " ", "agent1", T0)
        assert handoff.release(s, contact) and handoff.pending(s) == []
    with session_factory() as s:
        [row] = s.scalars(select(OutboxMessage)).all()
        assert (row.channel, row.address, row.message_key) == ("telegram", "555",
                                                               "handoff.staff_reply")


def test_migration_0003_down_and_up(db_url: str, tmp_path) -> None:  # noqa: ANN001
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'm.db'}"
        migrate.upgrade(url)
        migrate.downgrade(url, "0002")
        assert migrate.current_revision(url) == "0002"
        migrate.upgrade(url)
        assert migrate.current_revision(url) == migrate.head_revision()
