"""Messages of one contact arriving at once (two webhooks in flight) are handled in turn:
the contact's row lock serialises them, so the state each one reads is the one the
previous one wrote. Checked through the failure count, which must reach the offer of a
person."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from backend.metering.rules import Rules
from backend.models import Contact, ConversationState, ProcessedMessage
from bot.dialogue.factory import build_engine
from bot.dialogue.types import InboundMessage
from nlu import Parser
from tests.dialogue.runner import make_backend

NOW = datetime(2026, 4, 12, 6, tzinfo=UTC)
GIBBERISH = ["asdf qwer zxcv", "qwpoeiru zmxncb", "lkjh gfds poiu", "zzzq xxwv"]


def test_messages_of_one_contact_take_turns(engine: Engine, rules: Rules,
                                            nlu_parser: Parser) -> None:
    backend = make_backend(engine, rules, lambda: NOW)
    dialogue = build_engine(backend, nlu_parser, clock=lambda: NOW)
    assert all(nlu_parser.parse(t).intent.name in ("nlu_fallback", "out_of_scope")
               for t in GIBBERISH)
    needed = dialogue.services.config.failures_before_human
    assert needed <= len(GIBBERISH)
    start, errors = threading.Barrier(needed), []

    def send(i: int) -> None:
        start.wait()
        try:
            dialogue.handle(InboundMessage(channel="telegram", address="tg-race",
                                           text=GIBBERISH[i], message_id=f"race-{i}",
                                           received_at=NOW))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(needed)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with backend.sessions() as s:
        contacts = s.scalars(select(Contact).where(Contact.address == "tg-race")).all()
        assert len(contacts) == 1
        # Interleaved, two messages would both have read the same count: no offer.
        state = s.get(ConversationState, contacts[0].id)
        assert state is not None and (state.flow, state.step) == ("handoff", "offer")
        assert s.scalar(select(func.count()).select_from(ProcessedMessage)
                        .where(ProcessedMessage.message_id.like("race-%"))) == needed
