"""The one interface every channel adapter implements (after open-chat-studio's
`ChannelBase` and Rasa's `InputChannel`/`OutputChannel`).

An adapter declares, on its class, its name, frozen `Capabilities` and how the system may
push to it (`push_rank`, `reaches_registered_mobile`); the registry reads these without
building anything. Built from settings (`enabled` + `build`, never on import), it has an
optional inbound side (`webhook_path` + `install_routes`: verify the provider's call first,
then parse it into an `InboundMessage` for the assistant) and an optional outbound side
(`sender`: a `Sender` for outbox rows), plus `start`/`stop` for the app's lifespan. A
channel that only receives (a missed-call provider, the web chat) returns no sender; one
that only sends has no webhook path. docs/ARCHITECTURE.md, "A channel", lists the
files a new channel touches."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.senders import Sender
from backend.platform.clock import utcnow
from bot.dialogue.types import Capabilities
from bot.i18n import Renderer
from bot.settings import AppSettings, TemplateMap

if TYPE_CHECKING:
    from fastapi import FastAPI

    from backend.services import Backend
    from bot.wiring import Assistant

T = TypeVar("T")


@dataclass
class InboundContext:
    """What webhook routes need: the assistant that answers, the backend (status
    callbacks), the body size cap, and the keys of routes several adapters share."""

    assistant: Assistant
    backend: Backend
    limit: int = 32_768  # WEBHOOK_MAX_BYTES: larger bodies get 413
    installed: set[str] = field(default_factory=set)

    def once(self, key: str) -> bool:
        """True the first time `key` is asked for: e.g. Twilio's one status-callback route
        for both its channels."""
        if key in self.installed:
            return False
        self.installed.add(key)
        return True


@dataclass
class OutboundContext:
    """What senders need: the database (windows, opt-outs), the renderer with its defaults,
    the clock, the other enabled adapters (WhatsApp falls back to SMS), and objects two
    adapters share (built once by `shared`)."""

    settings: AppSettings
    sessions: sessionmaker[Session]
    renderer: Renderer
    channels: Mapping[str, ChannelAdapter]
    clock: Callable[[], datetime] = utcnow
    _shared: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def templates(self) -> TemplateMap:
        return self.settings.templates()

    def shared(self, key: str, build: Callable[[], T]) -> T:
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]


class ChannelAdapter(ABC):
    """One channel. Subclasses set the class attributes and implement `enabled` and
    `build`; they override the inbound side, the outbound side or both."""

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    #: Order among the channels a linked contact may be pushed on (alerts, broadcasts),
    #: lower first; None: the system never starts a conversation here (web chat).
    push_rank: ClassVar[int | None] = None
    #: It reaches a consumer's registered mobile with no linked contact (SMS): the last
    #: resort of a broadcast. Needs `capabilities.phone_address`.
    reaches_registered_mobile: ClassVar[bool] = False
    #: The path its provider calls (inbound side), or None: it only sends.
    webhook_path: str | None = None
    #: What turns it on, for `sahayak serve` when no channel is on.
    settings_hint: ClassVar[str] = ""

    @classmethod
    @abstractmethod
    def enabled(cls, settings: AppSettings) -> bool:
        """Whether its settings are present; an off channel has no route and no sender."""

    @classmethod
    @abstractmethod
    def build(cls, settings: AppSettings, peers: Mapping[str, ChannelAdapter]
              ) -> ChannelAdapter:
        """The adapter, from settings (`peers`: those built before it, to share a provider
        client). No network, no model: building is cheap and side-effect free."""

    # --- inbound side -------------------------------------------------------------------
    def install_routes(self, app: FastAPI, context: InboundContext) -> None:
        """Routes on `webhook_path` that verify the provider's call (403 otherwise) before
        parsing it into an `InboundMessage` for `context.assistant`."""
        raise NotImplementedError(f"channel {self.name!r} receives nothing")

    # --- outbound side ------------------------------------------------------------------
    def sender(self, context: OutboundContext) -> Sender | None:
        """A sender for this channel's outbox rows; None: it only receives."""
        return None

    # --- lifecycle (the web app's lifespan) ---------------------------------------------
    async def start(self) -> None:  # noqa: B027 - optional hook, nothing by default
        """After `install_routes`, when the app starts (e.g. warming a provider client)."""

    async def stop(self) -> None:  # noqa: B027 - optional hook, nothing by default
        """When the app stops."""
