"""The Telegram channel adapter: a bot token turns sending on (the outbox worker, or
`sahayak telegram poll` for development); the webhook also needs TELEGRAM_WEBHOOK_SECRET,
checked on every call. The python-telegram-bot `Application` is built when the routes are
installed and started in the app's lifespan, never on import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from backend.messaging.senders import Sender
from bot.channels.base import ChannelAdapter, InboundContext, OutboundContext
from bot.channels.telegram import CAPABILITIES, TelegramChannel
from bot.channels.telegram_routes import WEBHOOK_PATH, install_telegram_routes
from bot.channels.telegram_sender import TelegramSender
from bot.settings import AppSettings

if TYPE_CHECKING:
    from fastapi import FastAPI


class TelegramAdapter(ChannelAdapter):
    name = "telegram"
    capabilities = CAPABILITIES
    push_rank = 2
    settings_hint = "TELEGRAM_BOT_TOKEN + TELEGRAM_WEBHOOK_SECRET for Telegram"

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        self.webhook_path = WEBHOOK_PATH if settings.telegram_enabled else None
        self.inbound: TelegramChannel | None = None

    @classmethod
    def enabled(cls, settings: AppSettings) -> bool:
        return settings.telegram_bot_token is not None

    @classmethod
    def build(cls, settings: AppSettings, peers: Mapping[str, ChannelAdapter]
              ) -> TelegramAdapter:
        return cls(settings)

    def install_routes(self, app: FastAPI, context: InboundContext) -> None:
        self.inbound = TelegramChannel.from_settings(self.settings, context.assistant)
        install_telegram_routes(app, self.inbound, context.limit)

    def sender(self, context: OutboundContext) -> Sender:
        return TelegramSender.from_settings(self.settings, context.renderer, context.sessions)

    async def start(self) -> None:
        if self.inbound is not None:
            await self.inbound.start()

    async def stop(self) -> None:
        if self.inbound is not None:
            await self.inbound.stop()
