"""The WhatsApp and SMS channel adapters: each holds its `TwilioChannel` (one Twilio account
shared by the two), installs its signed webhook (and, once for both, the status callback
route), and sends outbox rows through one shared `TwilioDelivery` (WhatsApp falls back to a
template, then SMS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from backend.messaging.senders import Sender
from bot.channels.base import ChannelAdapter, InboundContext, OutboundContext
from bot.channels.twilio import (
    SMS_TWILIO,
    STATUS_PATH,
    WHATSAPP_TWILIO,
    TwilioAccount,
    TwilioChannel,
    TwilioKind,
)
from bot.channels.twilio_delivery import TwilioDelivery
from bot.channels.twilio_routes import install_inbound_route, install_status_route
from bot.settings import AppSettings

if TYPE_CHECKING:
    from fastapi import FastAPI


class TwilioAdapter(ChannelAdapter):
    name: ClassVar[TwilioKind]
    settings_hint = "TWILIO_* + PUBLIC_BASE_URL for WhatsApp/SMS"

    def __init__(self, channel: TwilioChannel) -> None:
        self.channel = channel
        self.webhook_path = f"/webhooks/twilio/{self.name}"

    @classmethod
    def sender_setting(cls, settings: AppSettings) -> str | None:
        """Its From (TWILIO_WHATSAPP_FROM / TWILIO_SMS_FROM)."""
        raise NotImplementedError

    @classmethod
    def enabled(cls, settings: AppSettings) -> bool:
        return settings.twilio_ready and bool(cls.sender_setting(settings)
                                              or settings.twilio_messaging_service_sid)

    @classmethod
    def build(cls, settings: AppSettings, peers: Mapping[str, ChannelAdapter]
              ) -> TwilioAdapter:
        account = next((p.channel.account for p in peers.values()
                        if isinstance(p, TwilioAdapter)), None)
        channel = TwilioChannel(cls.name, cls.capabilities,
                                account or TwilioAccount.from_settings(settings),
                                cls.sender_setting(settings))
        return cls(channel)

    def install_routes(self, app: FastAPI, context: InboundContext) -> None:
        install_inbound_route(app, self.channel, self.webhook_path, context.assistant,
                              context.limit)
        if context.once(STATUS_PATH):  # one status-callback route for both channels
            install_status_route(app, self.channel, context.backend, context.limit)

    def sender(self, context: OutboundContext) -> Sender:
        def delivery() -> TwilioDelivery:
            peers = {name: adapter.channel for name, adapter in context.channels.items()
                     if isinstance(adapter, TwilioAdapter)}
            return TwilioDelivery(context.sessions, context.renderer, context.templates,
                                  peers.get("whatsapp"), peers.get("sms"),
                                  require_dlt=context.settings.sms_require_dlt,
                                  clock=context.clock)

        return context.shared("twilio", delivery)


class WhatsAppAdapter(TwilioAdapter):
    name = "whatsapp"
    capabilities = WHATSAPP_TWILIO
    push_rank = 1

    @classmethod
    def sender_setting(cls, settings: AppSettings) -> str | None:
        return settings.twilio_whatsapp_from


class SmsAdapter(TwilioAdapter):
    name = "sms"
    capabilities = SMS_TWILIO
    push_rank = 3
    reaches_registered_mobile = True

    @classmethod
    def sender_setting(cls, settings: AppSettings) -> str | None:
        return settings.twilio_sms_from
