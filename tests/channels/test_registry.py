"""The channel registry: a new channel is one adapter class and one registration, and
delivery, the webhook routes and `sahayak serve` pick it up with no other edit. Shown with
two test-only channels: "echo" only sends, "missedcall" only receives."""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.dispatch import process_batch
from backend.messaging.enqueue import enqueue
from backend.messaging.reach import BIHAR
from backend.messaging.senders import OutgoingMessage, Sender, SendResult
from backend.models import OutboxMessage, OutboxStatus
from backend.platform.clock import utcnow
from backend.services import Backend, build_backend
from bot.channels.base import ChannelAdapter, InboundContext, OutboundContext
from bot.channels.registry import (
    CHANNELS,
    ChannelRegistry,
    channels_summary,
    enabled_channels,
    push_channels,
)
from bot.channels.setup import install_channels
from bot.channels.text import outgoing_text
from bot.delivery import build_sender
from bot.dialogue.types import SMS, Capabilities, InboundMessage
from bot.i18n import Renderer
from bot.settings import AppSettings
from tests.channels.conftest import channel_settings
from tests.channels.fakes import FakeTwilio
from tests.servers import serve

ECHO = Capabilities(buttons=False, max_buttons=0, max_length=500, unicode_costly=False,
                    session_window_hours=None)
MISSED_CALL_TOKEN = "missed-call-token"


class EchoSender:
    def __init__(self, context: OutboundContext) -> None:
        self.context, self.sent = context, []

    def send(self, message: OutgoingMessage) -> SendResult:
        text = outgoing_text(self.context.renderer, message, ECHO, self.context.clock())
        self.sent.append((message.address, text))
        return SendResult(provider_id=f"echo-{message.id}", status="sent")


class EchoChannel(ChannelAdapter):
    """Only sends (no webhook): what a new outbound-only provider looks like."""

    name = "echo"
    capabilities = ECHO

    def __init__(self) -> None:
        self.sender_built: EchoSender | None = None

    @classmethod
    def enabled(cls, settings: AppSettings) -> bool:
        return True  # a real channel reads its own settings here

    @classmethod
    def build(cls, settings: AppSettings, peers: Mapping[str, ChannelAdapter]) -> EchoChannel:
        return cls()

    def sender(self, context: OutboundContext) -> Sender:
        self.sender_built = EchoSender(context)
        return self.sender_built


class MissedCallChannel(ChannelAdapter):
    """Only receives: a provider calls the webhook with a token when a consumer gives a
    missed call; the consumer is answered by SMS (the registry's SMS channel)."""

    name = "missedcall"
    capabilities = SMS
    webhook_path = "/webhooks/missed-call"

    @classmethod
    def enabled(cls, settings: AppSettings) -> bool:
        return True

    @classmethod
    def build(cls, settings: AppSettings, peers: Mapping[str, ChannelAdapter]
              ) -> MissedCallChannel:
        return cls()

    def install_routes(self, app: FastAPI, context: InboundContext) -> None:
        @app.post(self.webhook_path or "")
        async def missed_call(request: Request) -> Response:
            given = request.headers.get("x-token", "").encode()
            if not hmac.compare_digest(given, MISSED_CALL_TOKEN.encode()):
                raise HTTPException(403, "bad token")  # verified before anything is read
            form = await request.form()
            message = InboundMessage(channel="sms", address=str(form["caller"]),
                                     text="missed call", message_id=str(form["call_id"]),
                                     received_at=utcnow())
            context.assistant.respond(message, self.capabilities)
            return Response(status_code=204)


class RecordingAssistant:
    def __init__(self) -> None:
        self.heard: list[InboundMessage] = []

    def respond(self, message: InboundMessage, capabilities: Capabilities) -> Any:  # noqa: ANN401
        self.heard.append(message)


def _no_channels(db_url: str) -> AppSettings:
    return AppSettings(_env_file=None, database_url=db_url)  # type: ignore[call-arg]


@pytest.fixture
def backend(db_url: str) -> Iterator[Backend]:
    built = build_backend(_no_channels(db_url))
    yield built
    built.close()


def test_the_shipped_channels_declare_the_backend_s_default_push_rules() -> None:
    """BIHAR (what backend-only callers use) is what the three shipped adapters declare;
    with a new push channel registered, `push_channels()` includes it."""
    shipped = ChannelRegistry({name: CHANNELS[name] for name in ("whatsapp", "sms", "telegram")})
    assert shipped.push_channels() == BIHAR
    assert push_channels() == BIHAR  # nothing else is registered today

    class PushedEcho(EchoChannel):
        push_rank = 0  # before WhatsApp

    reach = CHANNELS.with_(PushedEcho).push_channels()
    assert reach.preference == ("echo", "whatsapp", "telegram", "sms")
    assert (reach.phone, reach.fallback) == (BIHAR.phone, BIHAR.fallback)


def test_a_name_is_registered_once() -> None:
    registry = CHANNELS.with_(EchoChannel)
    assert registry.names[-1] == "echo" and "echo" not in CHANNELS.names
    with pytest.raises(ValueError, match="already registered"):
        registry.with_(EchoChannel)
    with pytest.raises(ValueError, match="named 'echo'"):
        ChannelRegistry({"pigeon": EchoChannel})


def test_delivery_routes_a_registered_send_only_channel(
        db_url: str, session_factory: sessionmaker[Session], backend: Backend) -> None:
    registry = CHANNELS.with_(EchoChannel)
    settings = _no_channels(db_url)
    assert registry.enabled_names(settings) == ["echo"]
    channels = registry.build(settings)
    sender = build_sender(settings, session_factory, Renderer(), channels=channels,
                          registry=registry)
    with session_factory.begin() as session:
        for channel in ("echo", "pigeon"):
            enqueue(session, channel=channel, address="echo-1", message_key="otp.code",
                           params={"code": "482913", "minutes": 10}, language="en",
                           idempotency_key=f"registry-{channel}")
    result = process_batch(session_factory, sender, worker_id="t")
    assert result.sent == 2  # echo by its adapter; pigeon (no adapter) by the console
    echo = channels["echo"]
    assert isinstance(echo, EchoChannel) and echo.sender_built is not None
    ((address, text),) = echo.sender_built.sent
    assert address == "echo-1" and "482913" in text
    with session_factory() as session:
        ids = dict(session.execute(select(OutboxMessage.channel, OutboxMessage.provider_id)
                                   .where(OutboxMessage.status == OutboxStatus.SENT)).all())
    assert ids["echo"].startswith("echo-") and ids["pigeon"].startswith("console-")
    assert channels_summary(settings, registry) == "channels on: echo (send only)"
    # Sends only: no route, and no assistant (no NLU model) is built for it.
    def no_assistant() -> None:
        raise AssertionError("a send-only channel needs no assistant")

    assert install_channels(FastAPI(), settings, backend, no_assistant,  # type: ignore[arg-type]
                            registry=registry).names == []


def test_a_receive_only_channel_gets_its_verified_webhook(db_url: str,
                                                          backend: Backend) -> None:
    registry = CHANNELS.with_(MissedCallChannel)
    settings = _no_channels(db_url)
    app, assistant = FastAPI(), RecordingAssistant()
    channels = install_channels(app, settings, backend, lambda: assistant,  # type: ignore[arg-type]
                                registry=registry)
    assert channels.names == ["missedcall"]
    assert channels_summary(settings, registry) == (
        "channels on: missedcall (/webhooks/missed-call)")
    with serve(app) as url:
        form = {"caller": "+917000001234", "call_id": "c-1"}
        assert httpx.post(url + "/webhooks/missed-call", data=form).status_code == 403
        assert httpx.post(url + "/webhooks/missed-call", data=form,
                          headers={"X-Token": MISSED_CALL_TOKEN}).status_code == 204
    (heard,) = assistant.heard
    assert (heard.channel, heard.address, heard.message_id) == ("sms", "+917000001234", "c-1")


def test_a_whatsapp_row_goes_as_sms_when_only_sms_is_on(
        db_url: str, tmp_path: Path, fake_twilio: FakeTwilio,
        session_factory: sessionmaker[Session]) -> None:
    settings = channel_settings(db_url, tmp_path, fake_twilio.url, "http://127.0.0.1:9",
                                twilio_whatsapp_from=None, telegram_bot_token=None)
    assert enabled_channels(settings) == ["sms"]
    sender = build_sender(settings, session_factory, Renderer())
    sender.send(OutgoingMessage(id=1, channel="whatsapp", address="+917000005555",
                                message_key="otp.code", params={"code": "482913",
                                                                "minutes": 10},
                                language="en", attempt=1))
    (call,) = fake_twilio.calls("/Messages.json")
    assert call.form["To"] == "+917000005555" and call.form["From"] == "+15005550006"
