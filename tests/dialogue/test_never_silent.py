"""Property: no sequence of everyday messages leaves a contact without a reply.

Random conversations drawn from small talk, emoji, keyboard mash, menu numbers, cancel,
account questions, asking for a person, yes/no, off-topic questions, anger, CA numbers and
codes, opt-out words, in Devanagari, romanized Hindi and English, and the passing of hours
(so handoffs start, wait, are cancelled and expire, and forms expire) must get at least one
reply to every inbound message: "ok, hmm, achha, then silence forever" was a live bug.
While a person has the conversation, the reply says so (or is the safety advice, or says
the bot is back). And the conversation log holds every message and every reply, in order.

The Hypothesis profile is `ci` (tests/conftest.py: bounded and derandomized); one NLU
model serves every example (the session's `nlu_parser`)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from backend.contacts.log import redact_code
from backend.metering.rules import Rules
from backend.models import Contact, ConversationLog
from bot.dialogue.compose import reply_keys
from bot.dialogue.factory import build_engine
from bot.dialogue.types import InboundMessage
from nlu import Parser
from tests.dialogue.runner import make_backend, seed_consumers

SMALL_TALK = ["ok", "okay", "hmm", "achha", "accha", "theek hai", "ji", "haan", "ठीक है",
              "अच्छा", "हम्म", "thanks", "dhanyavad", "धन्यवाद", "good morning", "namaste",
              "good night", "ka haal ba", "ok ji", "k"]
EMOJI = ["👍", "🙏", "😀😀😀", "❤️", "👍🏽", "🙂 🙂", "😡", "🙏🙏 ok"]
GIBBERISH = ["asdf qwer", "zzkq wxpt", "bakar bakar jhamela", "कखग घचज", "xyz", "?", "...",
             "aaaaaaaaaaaaaaaaaaaaaaaa", "।", "-"]
NUMBERS = [str(n) for n in range(1, 10)] + ["१", "२", "0", "11", "100000001", "123456",
                                            "9876543210"]
CANCEL = ["0", "cancel", "रद्द करें", "menu", "bot", "band karo", "मेनू", "back", "STOP",
          "start", "बंद करें"]
ACCOUNT = ["balance", "bal", "mera balance kitna hai", "मेरा बैलेंस कितना है",
           "what is my balance", "usage", "kal kitna kata", "parso kitna kata",
           "पिछले 7 दिन का हिसाब", "meri shikayat ka kya hua", "बिजली नही आ रही है",
           "bjli nhi h", "bijli kab kategi", "recharge kaise kare", "recharge not credited",
           "app kaise chalayein", "helpline number kya hai", "mera CA 100000001 hai"]
OTHER = ["insaan se baat karni hai", "talk to a person", "नहीं", "no", "yes", "haan ji",
         "jio ka recharge karna hai", "I need a mobile recharge", "cricket score batao",
         "bakwas service hai, chor ho tum log", "बहुत गंदी सर्विस है", "why so much deduction??",
         "theek nahi hua", "install ho gaya", "English please", "हिंदी में बताइए"]

#: While a person has the conversation, one of these says so, hands back, or keeps the
#: consumer safe; an account answer may come first.
WITH_STAFF = frozenset({"handoff.waiting", "handoff.safety", "handoff.ended",
                        "handoff.expired", "handoff.started", "safety.danger",
                        "safety.fraud"})

message = st.one_of(*(st.sampled_from(pool) for pool in
                      (SMALL_TALK, EMOJI, GIBBERISH, NUMBERS, CANCEL, ACCOUNT, OTHER)))
step = st.tuples(message, st.sampled_from([0, 0, 0, 0, 1, 12, 25]))  # hours to move first
_addresses = itertools.count(1)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=14), registered=st.booleans(),
       channel=st.sampled_from(["whatsapp", "sms", "telegram"]))
def test_every_inbound_message_gets_a_reply(engine: Engine, rules: Rules,
                                            nlu_parser: Parser, steps: list[tuple[str, int]],
                                            registered: bool, channel: str) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the property runs on SQLite (fast); test_conversation_log.py covers "
                    "the log on PostgreSQL")
    now = [datetime(2026, 4, 15, 6, 0, tzinfo=UTC)]
    backend = make_backend(engine, rules, lambda: now[0])
    address = f"+9170{next(_addresses):08d}"
    if registered:
        seed_consumers(backend, [{"mobile": address, "days": 2, "balance": "120.00",
                                  "ca": f"1{address[-8:]}"}], now[0])
    bot = build_engine(backend, nlu_parser, clock=lambda: now[0])
    handed_off = False
    sent: list[int] = []
    for n, (text, hours) in enumerate(steps):
        now[0] += timedelta(hours=hours)
        replies = bot.handle(InboundMessage(channel=channel, address=address, text=text,
                                            message_id=f"{address}-{n}", received_at=now[0]))
        where = f"{text!r} (message {n + 1} of {steps})"
        assert replies, f"no reply to {where}"
        keys = {k for r in replies for k in reply_keys(r)}
        with backend.sessions() as s:
            contact = s.scalars(select(Contact).where(Contact.channel == channel,
                                                      Contact.address == address)).one()
            still = contact.handoff_at is not None
        if handed_off and still:  # opt-out and opt-in words are answered in every state
            assert keys & WITH_STAFF or any(k.startswith("opt.") for k in keys), \
                f"handed off, but {keys} do not say so, for {where}"
        handed_off = still
        sent.append(len(replies))

    with backend.sessions() as s:
        rows = s.execute(select(ConversationLog.direction, ConversationLog.text)
                         .where(ConversationLog.contact_id == contact.id)
                         .order_by(ConversationLog.id)).all()
    expected = [d for count in sent for d in ["in"] + ["out"] * count]
    assert [str(r.direction) for r in rows] == expected
    logged = [r.text for r in rows if r.direction == "in"]
    # As typed; a code typed while the OTP step is open (reached by typing a CA number
    # of a seeded consumer) is blanked.
    assert all(got in (typed, redact_code(typed))
               for got, (typed, _) in zip(logged, steps, strict=True)), logged
