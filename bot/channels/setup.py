"""Which channels are on, their routes, and their start/stop in the app lifespan.

A channel is on when its settings are present; an off channel has no route (404). The
assistant (engine + NLU) is built only if some channel receives, and the NLU model is
loaded at start-up rather than on the first consumer's message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fastapi import FastAPI

from backend.platform.settings import Settings
from backend.services import Backend
from bot.channels.base import ChannelAdapter, InboundContext
from bot.channels.registry import ChannelRegistry, build_channels
from bot.settings import AppSettings
from bot.wiring import Assistant

log = logging.getLogger(__name__)


@dataclass
class ChannelSet:
    """The adapters whose webhooks this app serves, and the assistant they share."""

    receiving: dict[str, ChannelAdapter] = field(default_factory=dict)
    assistant: Assistant | None = None

    @property
    def names(self) -> list[str]:
        return list(self.receiving)

    async def start(self) -> None:
        if self.assistant is not None:
            await asyncio.to_thread(self.assistant.engine.parser.parse, "namaste")
        for adapter in self.receiving.values():
            await adapter.start()
        if self.names:
            log.info("channels on: %s", ", ".join(self.names))

    async def stop(self) -> None:
        for adapter in reversed(self.receiving.values()):
            await adapter.stop()


def install_channels(app: FastAPI, settings: Settings, backend: Backend,
                     assistant: Callable[[], Assistant], *,
                     registry: ChannelRegistry | None = None,
                     channels: Mapping[str, ChannelAdapter] | None = None) -> ChannelSet:
    """Each enabled adapter with a webhook installs its routes (each checks its provider's
    signature or secret before anything else). `assistant` gives the composition root's
    assistant, called only if some channel receives; `channels`: adapters already built
    (the composition root's), else built here from `registry`."""
    if not isinstance(settings, AppSettings):
        return ChannelSet()
    if channels is None:
        channels = build_channels(settings, registry)
    receiving = {name: adapter for name, adapter in channels.items() if adapter.webhook_path}
    if not receiving:
        return ChannelSet()
    built = assistant()
    context = InboundContext(built, backend, limit=settings.webhook_max_bytes)
    for adapter in receiving.values():
        adapter.install_routes(app, context)
    return ChannelSet(receiving, built)
