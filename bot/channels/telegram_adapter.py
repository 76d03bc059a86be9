"""The Telegram channel adapter: a bot token turns sending on (the outbox worker, or
`sahayak telegram poll` for development); the webhook also needs TELEGRAM_WEBHOOK_SECRET,
checked on every call. The webhook queues replies in the outbox and sends them at once
through the same sender the outbox worker uses; nothing is built on import, and nothing
is contacted at start-up (an unreachable Bot API does not stop updates being recorded)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import Sender
from bot.channels.base import ChannelAdapter, InboundContext, OutboundContext
from bot.channels.telegram import CAPABILITIES, TelegramChannel
from bot.channels.telegram_replies import ReplyDelivery
from bot.channels.telegram_routes import WEBHOOK_PATH, install_telegram_routes
from bot.channels.telegram_sender import TelegramSender
from bot.settings import AppSettings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.orm import Session, sessionmaker

    from bot.i18n import Renderer
    from bot.wiring import Assistant


class TelegramAdapter(ChannelAdapter):
    name = "telegram"
    capabilities = CAPABILITIES
    push_rank = 2
    settings_hint = "TELEGRAM_BOT_TOKEN + TELEGRAM_WEBHOOK_SECRET for Telegram"

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        self.webhook_path = WEBHOOK_PATH if settings.telegram_enabled else None
        self.inbound: TelegramChannel | None = None
        self._sender: TelegramSender | None = None

    @classmethod
    def enabled(cls, settings: AppSettings) -> bool:
        return settings.telegram_bot_token is not None

    @classmethod
    def build(cls, settings: AppSettings, peers: Mapping[str, ChannelAdapter]
              ) -> TelegramAdapter:
        return cls(settings)

    def install_routes(self, app: FastAPI, context: InboundContext) -> None:
        self.inbound = self.channel(context.assistant, context.backend.sessions)
        install_telegram_routes(app, self.inbound, context.limit)

    def channel(self, assistant: Assistant, sessions: sessionmaker[Session]) -> TelegramChannel:
        """The inbound side (webhook or polling): replies queued in the outbox and sent
        at once by this adapter's sender, retried by the worker's policy."""
        sender = self._own_sender(assistant.renderer, sessions)
        secret = self.settings.telegram_webhook_secret
        delivery = ReplyDelivery(sessions, sender, RetryPolicy.from_settings(self.settings))
        return TelegramChannel(assistant, delivery,
                               secret.get_secret_value() if secret else None,
                               answer_callback=sender.answer_callback)

    def sender(self, context: OutboundContext) -> Sender:
        return self._own_sender(context.renderer, context.sessions)

    def _own_sender(self, renderer: Renderer, sessions: sessionmaker[Session]
                    ) -> TelegramSender:
        if self._sender is None:
            self._sender = TelegramSender.from_settings(self.settings, renderer, sessions)
        return self._sender
