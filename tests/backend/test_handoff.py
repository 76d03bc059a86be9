"""The handoff reply use case (`backend.care.handoff.reply`) that the CLI and the staff API
both call: queued to the contact's channel in their language, optionally released, and
refused for opted-out contacts and contacts not handed off; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.care import handoff
from backend.contacts import contacts
from backend.models import Contact, OutboxMessage
from backend.platform.errors import Conflict, InvalidInput, NotFound
from tests.factories import T0


def _contact(sessions: sessionmaker[Session], address: str, *, handed_off: bool = True,
             opted_out: bool = False, language: str | None = None) -> int:
    with sessions.begin() as s:
        contact = contacts.get_or_create_contact(s, "whatsapp", address, T0)
        contact.language = language
        if handed_off:
            handoff.flag(s, contact, "asked", T0)
        if opted_out:
            contacts.opt_out(s, contact, T0)
        return contact.id


def test_reply_is_queued_in_the_contacts_language_and_can_release(
        session_factory: sessionmaker[Session]) -> None:
    contact_id = _contact(session_factory, "+917000000801", language="en")
    with session_factory.begin() as s:
        kept = handoff.reply(s, contact_id, "  We are looking into it ", "helpdesk", T0)
        assert not kept.released
        done = handoff.reply(s, contact_id, "Fixed now", "helpdesk", T0 + timedelta(minutes=5),
                             release_after=True)
        assert done.released and done.outbox_id > kept.outbox_id
    with session_factory() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [(r.address, r.language, r.message_key, r.params) for r in rows] == [
            ("+917000000801", "en", handoff.REPLY_KEY,
             {"text": "We are looking into it", "staff": "helpdesk"}),
            ("+917000000801", "en", handoff.REPLY_KEY, {"text": "Fixed now", "staff": "helpdesk"})]
        contact = s.get(Contact, contact_id)
        assert contact is not None and contact.handoff_at is None
        assert handoff.pending(s) == []


def test_reply_is_refused_with_a_reason(session_factory: sessionmaker[Session]) -> None:
    waiting = _contact(session_factory, "+917000000802")
    stranger = _contact(session_factory, "+917000000803", handed_off=False)
    stopped = _contact(session_factory, "+917000000804", opted_out=True)
    cases = [(stranger, "hello", "hd", Conflict, "not waiting for a person"),
             (stopped, "hello", "hd", Conflict, "opted out"),
             (999_999, "hello", "hd", NotFound, "no contact 999999"),
             (waiting, "   ", "hd", InvalidInput, "1-1000 characters"),
             (waiting, "x" * 1001, "hd", InvalidInput, "1-1000 characters"),
             (waiting, "hello", " ", InvalidInput, "name of the staff member")]
    for contact_id, text, staff, error, reason in cases:
        with session_factory.begin() as s, pytest.raises(error, match=reason):
            handoff.reply(s, contact_id, text, staff, T0)
    with session_factory.begin() as s:
        handoff.reply(s, waiting, "hello", "hd", T0)
    with session_factory.begin() as s, pytest.raises(Conflict, match="already queued"):
        handoff.reply(s, waiting, "hello", "hd", T0)  # the same reply at the same moment
    with session_factory() as s:
        assert [r.address for r in s.scalars(select(OutboxMessage))] == ["+917000000802"]
