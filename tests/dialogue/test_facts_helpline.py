"""The helpline answer with discom numbers configured: 1912 first, then only the consumer's
discom's numbers; a chat not linked to a connection hears every discom's, by region."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy import Engine

from backend.metering.rules import Rules
from bot.dialogue.compose import reply_keys
from bot.dialogue.config import load_assistant_config
from bot.dialogue.factory import build_engine
from bot.dialogue.types import WHATSAPP, InboundMessage
from bot.i18n import Renderer
from nlu import Parser
from tests.dialogue.runner import make_backend, seed_consumers

NOW = datetime(2026, 4, 15, 6, tzinfo=UTC)


def test_helpline_then_the_consumers_discom_numbers(engine: Engine, rules: Rules,
                                                    nlu_parser: Parser,
                                                    worker_renderer: Renderer) -> None:
    shipped = load_assistant_config()
    discoms = {code: dataclasses.replace(d, phones=(f"0612-{n}00000",))
               for n, (code, d) in enumerate(shipped.discoms.items(), start=1)}
    config = dataclasses.replace(shipped, discoms=discoms)  # NBPDCL 0612-100000, SBPDCL …200000
    backend = make_backend(engine, rules, lambda: NOW)
    seed_consumers(backend, [{"ca": "200000701", "mobile": "+917000000701",
                              "discom": "NBPDCL", "language": "hi"}], NOW)
    dialogue = build_engine(backend, nlu_parser, clock=lambda: NOW, config=config)

    def ask(address: str, channel: str, text: str) -> str:
        message = InboundMessage(channel=channel, address=address, text=text,
                                 message_id=f"{address}-{text}", received_at=NOW)
        replies, language = dialogue.handle_with_language(message)
        assert "facts.helpline" in reply_keys(replies[0])
        return worker_renderer.render(replies[0], language, WHATSAPP, now=NOW).text

    north = ask("+917000000701", "whatsapp", "हेल्पलाइन नंबर क्या है")
    assert "1912" in north and "उत्तर बिहार के नंबर: 0612-100000" in north
    assert "0612-200000" not in north and north.index("1912") < north.index("0612")
    unlinked = ask("70000702", "telegram", "customer care number")
    assert "0612-100000" in unlinked and "0612-200000" in unlinked
