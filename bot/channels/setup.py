"""Which channels are on, their routes, and their start/stop in the app lifespan.

A channel is on when its settings are present; an off channel has no route (404). The
assistant (engine + NLU) is built only if some channel is on, and the NLU model is loaded
at start-up rather than on the first consumer's message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI

from backend.platform.settings import Settings
from backend.services import Backend
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_routes import install_telegram_routes
from bot.channels.twilio import TwilioChannel, build_twilio_channels
from bot.channels.twilio_routes import install_twilio_routes
from bot.settings import AppSettings
from bot.wiring import Assistant

log = logging.getLogger(__name__)


@dataclass
class ChannelSet:
    twilio: dict[str, TwilioChannel] = field(default_factory=dict)
    telegram: TelegramChannel | None = None
    assistant: Assistant | None = None

    @property
    def names(self) -> list[str]:
        return [*self.twilio, *(["telegram"] if self.telegram else [])]

    async def start(self) -> None:
        if self.assistant is not None:
            await asyncio.to_thread(self.assistant.engine.parser.parse, "namaste")
        if self.telegram is not None:
            await self.telegram.start()
        if self.names:
            log.info("channels on: %s", ", ".join(self.names))

    async def stop(self) -> None:
        if self.telegram is not None:
            await self.telegram.stop()


def install_channels(app: FastAPI, settings: Settings, backend: Backend,
                     assistant: Callable[[], Assistant]) -> ChannelSet:
    """`assistant` gives the composition root's assistant; called only if a channel is on."""
    if not isinstance(settings, AppSettings):
        return ChannelSet()
    twilio = build_twilio_channels(settings)
    if not twilio and not settings.telegram_enabled:
        return ChannelSet()
    built = assistant()
    channels = ChannelSet(twilio=twilio, assistant=built)
    install_twilio_routes(app, twilio, built, backend, settings.webhook_max_bytes)
    if settings.telegram_enabled:
        channels.telegram = TelegramChannel.from_settings(settings, built)
        install_telegram_routes(app, channels.telegram, settings.webhook_max_bytes)
    return channels
