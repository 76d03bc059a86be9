"""The conversation log: every inbound message and every reply is stored with its intent,
language and text; outbox messages (OTP, staff replies) when they are sent; one-time codes
never (neither typed back at the OTP step nor inside the OTP message); messages written
while a person has the conversation are there for staff. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from backend.care import handoff
from backend.contacts.log import for_contact, redact_code
from backend.messaging.dispatch import process_batch
from backend.messaging.senders import RecordingSender
from backend.messaging.sent_log import redacted
from backend.metering.rules import Rules
from backend.models import Contact, ConversationLog, OutboxMessage
from backend.services import Backend
from bot.delivery import TextNotingSender
from bot.dialogue.compose import reply_keys
from bot.dialogue.factory import build_engine
from bot.dialogue.types import TELEGRAM, WHATSAPP, Capabilities, InboundMessage
from bot.i18n import Renderer
from bot.wiring import Answer, Assistant
from nlu import Parser
from tests.dialogue.runner import last_otp, make_backend, seed_consumers

T0 = datetime(2026, 4, 15, 6, 0, tzinfo=UTC)


class Chat:
    """One contact talking to the assistant (engine + renderer, as channels use it)."""

    def __init__(self, engine: Engine, rules: Rules, parser: Parser, renderer: Renderer,
                 channel: str, address: str, capabilities: Capabilities) -> None:
        self.now = T0
        self.backend: Backend = make_backend(engine, rules, lambda: self.now)
        self.renderer = renderer
        self.assistant = Assistant(build_engine(self.backend, parser, clock=lambda: self.now),
                                   renderer, clock=lambda: self.now)
        self.channel, self.address, self.capabilities = channel, address, capabilities
        self.sent = 0

    def say(self, text: str, message_id: str | None = None) -> Answer:
        self.sent += 1
        self.now += timedelta(seconds=30)
        return self.assistant.respond(InboundMessage(
            channel=self.channel, address=self.address, text=text,
            message_id=message_id or f"{self.address}-{self.sent}", received_at=self.now),
            self.capabilities)

    def send_outbox(self) -> RecordingSender:
        """Run one outbox batch through the sender wrapper the composition root uses."""
        recording = RecordingSender()
        self.now += timedelta(seconds=5)
        process_batch(self.backend.sessions, TextNotingSender(recording, self.renderer,
                                                              lambda: self.now),
                      worker_id="test", now=self.now)
        return recording

    def contact_id(self) -> int:
        with self.backend.sessions() as s:
            return s.scalars(select(Contact.id).where(Contact.address == self.address)).one()

    def rows(self) -> list[ConversationLog]:
        with self.backend.sessions() as s:
            return list(s.scalars(select(ConversationLog).order_by(ConversationLog.id)))


@pytest.fixture
def chat_factory(engine: Engine, rules: Rules, nlu_parser: Parser, worker_renderer: Renderer):  # noqa: ANN201
    def make(channel: str, address: str, capabilities: Capabilities) -> Chat:
        return Chat(engine, rules, nlu_parser, worker_renderer, channel, address, capabilities)
    return make


def test_each_turn_logs_the_message_and_every_reply_as_sent(chat_factory) -> None:  # noqa: ANN001
    chat = chat_factory("whatsapp", "+917000000101", WHATSAPP)
    seed_consumers(chat.backend, [{"mobile": "+917000000101", "days": 3,
                                   "balance": "120.00"}], chat.now)
    first = chat.say("mera balance kitna hai")
    second = chat.say("👍")
    rows = chat.rows()
    assert [r.direction for r in rows] == (["in"] + ["out"] * len(first.replies)
                                           + ["in"] + ["out"] * len(second.replies))
    inbound = rows[0]
    assert inbound.text == "mera balance kitna hai"
    assert inbound.contact_id == chat.contact_id() and inbound.channel == "whatsapp"
    assert inbound.intent == "check_balance" and 0 < (inbound.confidence or 0) <= 1
    assert inbound.language == "hi-Latn" and inbound.message_id == "+917000000101-1"
    assert inbound.reply_key is None and inbound.during_handoff is False
    replies = rows[1:1 + len(first.replies)]
    assert [r.reply_key for r in replies] == [r.key for r in first.replies]
    # The text the contact got, buttons included, in the language of the reply.
    assert replies[0].text.startswith(first.rendered[0].text)
    assert "₹120.00" in replies[0].text and "[" in replies[0].text
    assert {r.language for r in replies} == {first.language}
    assert all(r.created_at == rows[0].created_at for r in replies)
    assert rows[1 + len(first.replies)].text == "👍"
    history = for_contact(chat.backend.sessions(), chat.contact_id())
    assert [(e.direction, e.text) for e in history] == [(r.direction, r.text) for r in rows]
    assert [e.text for e in for_contact(chat.backend.sessions(), chat.contact_id(),
                                        limit=1)] == [rows[-1].text]


def test_a_provider_retry_is_logged_once(chat_factory) -> None:  # noqa: ANN001
    chat = chat_factory("telegram", "tg-retry", TELEGRAM)
    assert chat.say("namaste", message_id="same").replies
    assert chat.say("namaste", message_id="same").replies == []
    assert [r.direction for r in chat.rows()].count("in") == 1


def test_otp_codes_never_reach_the_log(chat_factory) -> None:  # noqa: ANN001
    chat = chat_factory("telegram", "tg-otp", TELEGRAM)
    seed_consumers(chat.backend, [{"ca": "100000111", "mobile": "+917000000111",
                                   "days": 3, "balance": "300.00"}], chat.now)
    chat.say("balance batao")
    chat.say("haan")
    chat.say("100000111")
    code = last_otp(chat.backend)
    chat.say("000001")  # wrong: a code all the same
    chat.say(f"code {code[:3]} {code[3:]} hai")
    linked = chat.say("balance").replies[0]
    assert "balance.summary" in reply_keys(linked)  # linked by the code
    sent = chat.send_outbox()
    # the code, then the registered mobile told of the new link
    assert [m.message_key for m in sent.sent] == ["otp.code", "link.notice"]

    rows = chat.rows()
    texts = [r.text or "" for r in rows]
    assert not any(code in t or code[:3] + " " + code[3:] in t for t in texts)
    assert "000001" not in texts
    inbound = [r.text for r in rows if r.direction == "in"]
    assert "100000111" in inbound  # a CA number is not a code: kept as typed
    assert "******" in inbound and "code *** *** hai" in inbound
    otp_row = next(r for r in rows if r.reply_key == "otp.code")
    # Sent by SMS to the registered mobile, which has no contact of its own: kept by address.
    assert otp_row.contact_id is None and otp_row.address == "+917000000111"
    assert otp_row.outbox_id is not None and otp_row.channel == "sms"
    assert "******" in (otp_row.text or "")
    with chat.backend.sessions() as s:  # both rows sent; the code left the outbox row too
        rows = s.execute(select(OutboxMessage.message_key, OutboxMessage.params)
                         .order_by(OutboxMessage.id)).all()
        assert [r.message_key for r in rows] == ["otp.code", "link.notice"]
        assert code not in str(rows[0].params)


def test_a_live_code_is_blanked_after_the_otp_step_was_left(chat_factory) -> None:  # noqa: ANN001
    chat = chat_factory("telegram", "tg-otp-left", TELEGRAM)
    seed_consumers(chat.backend, [{"ca": "100000112", "mobile": "+917000000112"}], chat.now)
    chat.say("mera CA 100000112 hai, link karo")
    chat.say("menu")  # the form is closed, but the code sent is still live
    code = last_otp(chat.backend)
    chat.say(code)
    chat.say("4321")  # while a code is live, any 4-8 digits are kept out
    inbound = [r.text for r in chat.rows() if r.direction == "in"]
    assert inbound[-2:] == ["******", "****"], inbound
    chat.now += timedelta(hours=1)  # the code expired: digits are kept as typed
    chat.say("4321")
    assert [r.text for r in chat.rows() if r.direction == "in"][-1] == "4321"


def test_messages_during_a_handoff_and_the_staff_reply_are_logged(chat_factory) -> None:  # noqa: ANN001
    chat = chat_factory("whatsapp", "+917000000121", WHATSAPP)
    seed_consumers(chat.backend, [{"mobile": "+917000000121", "days": 3,
                                   "balance": "80.00"}], chat.now)
    assert chat.say("insaan se baat karni hai").replies[0].key == "handoff.started"
    waiting = chat.say("bijli kab aayegi? 3 ghante se nahi hai")
    assert waiting.replies
    chat.say("achha")
    with chat.backend.sessions.begin() as s:
        handoff.reply(s, chat.contact_id(), "Line theek ho rahi hai, 1 ghante mein aayegi.",
                      "JE Patna", chat.now)
    chat.send_outbox()

    rows = chat.rows()
    written = [(r.text, r.during_handoff) for r in rows if r.direction == "in"]
    assert written == [("insaan se baat karni hai", False),
                       ("bijli kab aayegi? 3 ghante se nahi hai", True), ("achha", True)]
    for_staff = [r for r in rows if r.direction == "out" and r.during_handoff]
    assert {"handoff.waiting", "handoff.staff_reply"} <= {r.reply_key for r in for_staff}
    staff = next(r for r in rows if r.reply_key == "handoff.staff_reply")
    assert staff.contact_id == chat.contact_id() and staff.address is None
    assert "1 ghante mein aayegi" in (staff.text or "")
    assert staff.created_at == chat.now


def test_typed_codes_are_blanked_only_when_they_look_like_one() -> None:
    assert redact_code("123456") == "******"
    assert redact_code("12 34 56") == "** ** **"
    assert redact_code("code ४५६७ hai") == "code **** hai"
    assert redact_code("100000111222") == "100000111222"  # a CA number
    assert redact_code("123") == "123"
    assert redact_code("balance") == "balance"


def test_a_secret_parameter_is_blanked_from_a_sent_text() -> None:
    assert redacted("Code 048213, 10 min", {"code": "048213", "minutes": 10}) == \
        "Code ******, 10 min"
    assert redacted("Rs. 100 due", {"amount": "100"}) == "Rs. 100 due"
    assert redacted(None, {"code": "048213"}) is None


@pytest.mark.parametrize("said", [
    ["ok", "hmm", "achha", "balance", "insaan se baat karni hai", "koi hai?", "balance"],
    ["ठीक है", "हम्म", "अच्छा", "बैलेंस", "किसी इंसान से बात करनी है", "कोई है?", "बैलेंस"],
    ["ok", "hmm", "fine", "my balance", "talk to a person", "hello??", "balance please"],
], ids=["hi-Latn", "hi", "en"])
def test_the_trial_derailment_is_answered_and_logged(chat_factory, said: list[str]) -> None:  # noqa: ANN001
    """The trial: ok -> menu, hmm -> menu, achha -> handoff, then "balance" got no reply,
    and nothing written during the handoff was stored. Now every message is answered and
    logged, those during the handoff marked for staff."""
    chat = chat_factory("whatsapp", f"+9170000002{len(said[0]):02d}", WHATSAPP)
    seed_consumers(chat.backend, [{"mobile": chat.address, "days": 3,
                                   "balance": "150.00"}], chat.now)
    for text in said:
        assert chat.say(text).replies, f"no reply to {text!r}"
    rows = chat.rows()
    assert [r.text for r in rows if r.direction == "in"] == said
    waiting = [r.text for r in rows if r.direction == "in" and r.during_handoff]
    assert waiting[-2:] == said[-2:]  # what was written while waiting: there for staff
    assert all(r.text for r in rows if r.direction == "out")
