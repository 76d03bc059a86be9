"""Property: no sequence of everyday messages leaves a contact without a reply.

Random conversations drawn from small talk, emoji, keyboard mash, menu numbers, cancel,
account questions, asking for a person, yes/no and the passing of hours (so handoffs
start, wait, are cancelled and expire) must get at least one reply to every inbound
message: "ok, hmm, achha, then silence forever" was a live bug."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from backend.metering.rules import Rules
from bot.dialogue.factory import build_engine
from bot.dialogue.types import InboundMessage
from nlu import Parser
from tests.dialogue.runner import make_backend, seed_consumers

SMALL_TALK = ["ok", "okay", "hmm", "achha", "accha", "theek hai", "ji", "haan", "ठीक है",
              "अच्छा", "हम्म", "thanks", "dhanyavad", "धन्यवाद", "good morning", "namaste",
              "good night"]
EMOJI = ["👍", "🙏", "😀😀😀", "❤️", "👍🏽", "🙂 🙂"]
GIBBERISH = ["asdf qwer", "zzkq wxpt", "bakar bakar jhamela", "कखग घचज", "xyz", "?", "..."]
NUMBERS = [str(n) for n in range(1, 10)] + ["१", "२"]
CANCEL = ["0", "cancel", "रद्द करें", "menu", "bot", "band karo"]
ACCOUNT = ["balance", "mera balance kitna hai", "मेरा बैलेंस कितना है", "what is my balance",
           "usage", "kal kitna kata", "meri shikayat ka kya hua", "बिजली नही आ रही है"]
OTHER = ["insaan se baat karni hai", "talk to a person", "नहीं", "no", "yes",
         "jio ka recharge karna hai", "I need a mobile recharge"]

message = st.one_of(*(st.sampled_from(pool) for pool in
                      (SMALL_TALK, EMOJI, GIBBERISH, NUMBERS, CANCEL, ACCOUNT, OTHER)))
step = st.tuples(message, st.sampled_from([0, 0, 0, 0, 1, 12, 25]))  # hours to move first
_addresses = itertools.count(1)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=14), registered=st.booleans())
def test_every_inbound_message_gets_a_reply(engine: Engine, rules: Rules,
                                            nlu_parser: Parser, steps: list[tuple[str, int]],
                                            registered: bool) -> None:
    now = [datetime(2026, 4, 15, 6, 0, tzinfo=UTC)]
    backend = make_backend(engine, rules, lambda: now[0])
    address = f"+9170{next(_addresses):08d}"
    if registered:
        seed_consumers(backend, [{"mobile": address, "days": 2, "balance": "120.00"}], now[0])
    bot = build_engine(backend, nlu_parser, clock=lambda: now[0])
    for n, (text, hours) in enumerate(steps):
        now[0] += timedelta(hours=hours)
        replies = bot.handle(InboundMessage(channel="whatsapp", address=address, text=text,
                                            message_id=f"{address}-{n}", received_at=now[0]))
        assert replies, f"no reply to {text!r} (message {n + 1} of {steps})"
