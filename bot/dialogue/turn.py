"""What a flow sees of one inbound message: the message, what the NLU made of it, the
contact and its state, the services, the clock and the reply language. Flows never touch
a channel, and reach the database only through the session the engine opened."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend.metering.rules import Rules
from backend.metering.types import MeteringService
from backend.models import Contact
from bot.dialogue.config import AssistantConfig
from bot.dialogue.state import DialogueState
from bot.dialogue.types import InboundMessage, Language, Reply
from nlu import ParseResult

if TYPE_CHECKING:
    from backend.platform.settings import Settings


@dataclass(frozen=True)
class Services:
    """Long-lived collaborators, built once by the factory."""

    metering: MeteringService
    rules: Rules
    tz: ZoneInfo
    config: AssistantConfig
    settings: Settings


@dataclass
class Turn:
    message: InboundMessage
    session: Session
    contact: Contact
    state: DialogueState
    services: Services
    now: datetime
    language: Language
    parse: ParseResult
    value: str | None = None  # an option's value: tapped, or picked by its number
    # Set by the engine: run another intent's flow within this turn (e.g. after linking).
    run_intent: Callable[[str], list[Reply]] = field(default=lambda _intent: [])

    @functools.cached_property
    def metering(self) -> MeteringService:
        """The metering service reading through this turn's transaction."""
        return self.services.metering.within(self.session)

    @property
    def text(self) -> str:
        return self.message.text or ""

    @property
    def intent(self) -> str:
        return self.parse.intent.name

    @property
    def config(self) -> AssistantConfig:
        return self.services.config

    @property
    def rules(self) -> Rules:
        return self.services.rules
