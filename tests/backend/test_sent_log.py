"""Outbox messages reach the conversation log once sent, and only by the attempt that
owns them: a worker whose lease was lost and re-claimed logs nothing for that message.
The contact is found by (channel, address); an address with no contact is kept instead.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts
from backend.messaging.claim import claim_batch
from backend.messaging.enqueue import enqueue
from backend.messaging.hold import NO_HOLD
from backend.messaging.outcomes import Outcome, record
from backend.models import ConversationLog, OutboxMessage

T0 = datetime(2026, 4, 15, 6, 0, tzinfo=UTC)


def _sent(message, text: str) -> Outcome:  # noqa: ANN001 - an OutgoingMessage
    return Outcome(message, "sent", {"provider_id": f"p{message.id}", "provider_status": "sent",
                                     "sent_at": T0 + timedelta(seconds=1), "text": text})


def test_only_the_owning_attempt_logs_a_sent_message(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000301", T0)
        contact_id = contact.id
        for n, address in enumerate(("+917000000301", "+917000000302")):
            enqueue(s, channel="whatsapp", address=address, message_key="alert.zero_balance",
                    params={}, language="hi", idempotency_key=f"k{n}", now=T0)
    mine, stolen = claim_batch(session_factory, "a", 10, T0, 60)
    with session_factory.begin() as s:  # the lease ran out; another worker claimed it again
        s.execute(update(OutboxMessage).where(OutboxMessage.id == stolen.id)
                  .values(attempts=OutboxMessage.attempts + 1))
    result = record(session_factory, [_sent(mine, "ok 1"), _sent(stolen, "ok 2")], [], "a",
                    NO_HOLD)
    assert (result.sent, result.skipped) == (1, 1)
    with session_factory() as s:
        rows = s.scalars(select(ConversationLog)).all()
    assert [(r.outbox_id, r.text, r.contact_id, r.address, r.direction) for r in rows] == [
        (mine.id, "ok 1", contact_id, None, "out")]
    assert rows[0].reply_key == "alert.zero_balance" and rows[0].language == "hi"
    assert rows[0].created_at == T0 + timedelta(seconds=1)
    # Recording the same outcome again (a retry of the record) logs nothing more.
    record(session_factory, [_sent(mine, "ok 1")], [], "a", NO_HOLD)
    with session_factory() as s:
        assert len(s.scalars(select(ConversationLog)).all()) == 1
