"""Outbound through the outbox: the real twilio Client aimed at a fake Twilio API on
loopback, and Twilio's status callbacks, signed, back into the app."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts
from backend.messaging.dispatch import process_batch
from backend.messaging.enqueue import enqueue
from backend.messaging.senders import (
    OutgoingMessage,
    PermanentSendError,
    RateLimitedError,
    TransientSendError,
)
from backend.models import Contact, OutboxMessage, OutboxStatus
from backend.platform.clock import utcnow
from bot.channels.twilio import RecipientOptedOut
from bot.channels.twilio_delivery import TEMPLATE_ONLY
from bot.delivery import build_sender
from bot.i18n import Renderer
from tests.channels.conftest import ACCOUNT_SID, PUBLIC, Stack, channel_settings
from tests.channels.fakes import FakeTwilio

PHONE = "+917000005555"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest.fixture
def sender(db_url: str, tmp_path: Path, fake_twilio: FakeTwilio,
           session_factory: sessionmaker[Session]):  # noqa: ANN201
    settings = channel_settings(db_url, tmp_path, fake_twilio.url, "http://127.0.0.1:9")
    settings = settings.model_copy(update={"telegram_bot_token": None})
    return build_sender(settings, session_factory, Renderer())


def out(channel: str, key: str = "otp.code", params: dict | None = None,
        language: str = "en", attempt: int = 1, address: str = PHONE) -> OutgoingMessage:
    return OutgoingMessage(id=1, channel=channel, address=address, message_key=key,
                           params=params if params is not None else {"code": "482913",
                                                                     "minutes": 10},
                           language=language, attempt=attempt)


def inbound_at(sessions: sessionmaker[Session], when_ago: timedelta) -> None:
    with sessions.begin() as session:
        contact = contacts.get_or_create_contact(session, "whatsapp", PHONE, utcnow())
        contact.last_inbound_at = utcnow() - when_ago


def test_sms_carries_sender_status_callback_and_text(sender, fake_twilio: FakeTwilio) -> None:  # noqa: ANN001
    result = sender.send(out("sms"))
    assert result.provider_id and result.provider_id.startswith("SM")
    (call,) = fake_twilio.calls(MESSAGES)
    assert call.form["To"] == PHONE and call.form["From"] == "+15005550006"
    assert call.form["StatusCallback"] == PUBLIC + "/webhooks/twilio/status"
    assert "482913" in call.form["Body"]
    assert call.headers["authorization"].startswith("Basic ")


def test_whatsapp_inside_window_is_free_form(sender, fake_twilio: FakeTwilio,  # noqa: ANN001
                                             session_factory: sessionmaker[Session]) -> None:
    inbound_at(session_factory, timedelta(hours=2))
    sender.send(out("whatsapp", language="hi"))
    (call,) = fake_twilio.calls(MESSAGES)
    assert call.form["To"] == f"whatsapp:{PHONE}"
    assert call.form["From"] == "whatsapp:+14155238886"
    assert "482913" in call.form["Body"] and "ContentSid" not in call.form


def test_whatsapp_outside_window_uses_the_template(sender, fake_twilio: FakeTwilio,  # noqa: ANN001
                                                   session_factory: sessionmaker[Session]
                                                   ) -> None:
    inbound_at(session_factory, timedelta(hours=25))
    sender.send(out("whatsapp"))
    (call,) = fake_twilio.calls(MESSAGES)
    assert call.form["ContentSid"].startswith("HX") and "Body" not in call.form
    assert json.loads(call.form["ContentVariables"]) == {"1": "482913", "2": "10"}


def test_whatsapp_without_template_falls_back_to_sms(sender, fake_twilio: FakeTwilio) -> None:  # noqa: ANN001
    sender.send(out("whatsapp", key="balance.summary",
                    params={"name": "Ramesh", "balance": "Rs.100", "as_of": "today"}))
    (call,) = fake_twilio.calls(MESSAGES)
    assert call.form["To"] == PHONE and "Ramesh" in call.form["Body"]


def test_no_template_and_no_dlt_is_permanent(sender, fake_twilio: FakeTwilio) -> None:  # noqa: ANN001
    with pytest.raises(PermanentSendError, match="DLT"):
        sender.send(out("sms", key="menu.title", params={}))
    assert fake_twilio.calls(MESSAGES) == []


def test_63016_retries_as_template(sender, fake_twilio: FakeTwilio,  # noqa: ANN001
                                   session_factory: sessionmaker[Session]) -> None:
    inbound_at(session_factory, timedelta(hours=1))
    fake_twilio.error(400, 63016)
    sender.send(out("whatsapp"))
    first, second = fake_twilio.calls(MESSAGES)
    assert "Body" in first.form and "ContentSid" in second.form


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_transient(sender, fake_twilio: FakeTwilio,  # noqa: ANN001
                                                     status: int) -> None:
    fake_twilio.error(status, 20429 if status == 429 else 20500)
    with pytest.raises(TransientSendError) as caught:
        sender.send(out("sms"))
    # a 429 backs the whole channel off (RateLimitedError); 5xx retry the message only
    assert isinstance(caught.value, RateLimitedError) == (status == 429)


def test_other_errors_are_permanent_and_hide_the_number(sender, fake_twilio: FakeTwilio) -> None:  # noqa: ANN001
    fake_twilio.error(400, 21211)
    with pytest.raises(PermanentSendError) as caught:
        sender.send(out("sms"))
    assert PHONE not in str(caught.value) and "21211" in str(caught.value)


def test_unreachable_twilio_is_transient(db_url: str, tmp_path: Path,
                                         session_factory: sessionmaker[Session]) -> None:
    from tests.servers import closed_port

    settings = channel_settings(db_url, tmp_path, f"http://127.0.0.1:{closed_port()}",
                                "http://127.0.0.1:9", telegram_bot_token=None)
    with pytest.raises(TransientSendError):
        build_sender(settings, session_factory, Renderer()).send(out("sms"))


def test_21610_opts_the_contact_out(sender, fake_twilio: FakeTwilio,  # noqa: ANN001
                                    session_factory: sessionmaker[Session]) -> None:
    fake_twilio.error(400, 21610)
    with pytest.raises(RecipientOptedOut):
        sender.send(out("sms"))
    with session_factory() as session:
        contact = session.scalars(select(Contact).where(Contact.address == PHONE)).one()
        assert contact.opted_out


def test_outbox_worker_sends_retries_and_dead_letters(sender, fake_twilio: FakeTwilio,  # noqa: ANN001
                                                      session_factory: sessionmaker[Session]
                                                      ) -> None:
    with session_factory.begin() as session:
        for i, key in enumerate(("otp.code", "otp.code", "menu.title")):
            enqueue(session, channel="sms", address=PHONE, message_key=key,
                    params={"code": f"11111{i}", "minutes": 10}, language="hi",
                    idempotency_key=f"t{i}")
    fake_twilio.error(500, 20500)
    result = process_batch(session_factory, sender, worker_id="t")
    assert (result.sent, result.retried, result.dead) == (1, 1, 1)
    with session_factory() as session:
        sent = session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT)).one()
        assert sent.provider_id and sent.provider_id.startswith("SM")


# --- status callbacks --------------------------------------------------------------------
def _sent_row(stack: Stack, channel: str = "whatsapp", sid: str = "SM" + "7" * 32) -> None:
    with stack.backend.sessions.begin() as session:
        row = enqueue(session, channel=channel, address=PHONE, message_key="otp.code",
                      params={"code": "123456", "minutes": 10}, language="hi",
                      idempotency_key="status-1")
        assert row is not None
        row.status, row.provider_id, row.provider_status = OutboxStatus.SENT, sid, "queued"


def _status(stack: Stack, **fields: str):  # noqa: ANN202
    params = {"MessageSid": "SM" + "7" * 32, "AccountSid": ACCOUNT_SID,
              "To": f"whatsapp:{PHONE}", "From": "whatsapp:+14155238886", **fields}
    return stack.twilio_post("/webhooks/twilio/status", params)


def test_status_callback_records_delivery(stack: Stack) -> None:
    _sent_row(stack)
    assert _status(stack, MessageStatus="delivered").status_code == 204
    assert _status(stack, MessageStatus="sent").status_code == 204  # late: never moves back
    with stack.backend.sessions() as session:
        assert session.scalars(select(OutboxMessage.provider_status)).one() == "delivered"


def test_status_63016_requeues_as_template(stack: Stack) -> None:
    _sent_row(stack)
    _status(stack, MessageStatus="undelivered", ErrorCode="63016")
    _status(stack, MessageStatus="undelivered", ErrorCode="63016")  # a retried callback
    with stack.backend.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(rows) == 2 and rows[1].params[TEMPLATE_ONLY] is True
    assert rows[1].status == OutboxStatus.PENDING


def test_status_21610_opts_out(stack: Stack) -> None:
    _sent_row(stack, channel="sms")
    _status(stack, MessageStatus="failed", ErrorCode="21610")
    with stack.backend.sessions() as session:
        assert session.scalars(select(Contact.opted_out)).one() is True


def test_status_unsigned_unknown_and_malformed(stack: Stack) -> None:
    params = {"MessageSid": "SMx", "MessageStatus": "delivered"}
    assert stack.twilio_post("/webhooks/twilio/status", params,
                             signature=None).status_code == 403
    assert stack.twilio_post("/webhooks/twilio/status", params).status_code == 204
    assert stack.twilio_post("/webhooks/twilio/status", {"MessageSid": "SMx"}).status_code == 400


def test_broadcast_with_its_own_template_uses_it_even_inside_the_window(
        sender, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session]) -> None:  # noqa: ANN001
    inbound_at(session_factory, timedelta(hours=2))
    sid = "HX" + "ab" * 16
    sender.send(out("whatsapp", "broadcast.body",
                    {"body": "Save power", "_content_sid": sid,
                     "_content_variables": json.dumps({"1": "Patna"})}))
    (call,) = fake_twilio.calls(MESSAGES)
    assert call.form["ContentSid"] == sid and "Body" not in call.form
    assert json.loads(call.form["ContentVariables"]) == {"1": "Patna"}


def test_broadcast_body_renders_in_the_reader_s_language() -> None:
    renderer = Renderer()
    text = renderer.text("broadcast.body", "hi", {"body": "बिजली बचाइए"})
    assert text == "बिजली सहायक: बिजली बचाइए"
    assert renderer.text("broadcast.body", "hi-Latn", {"body": "Save"}) == "Bijli Sahayak: Save"
