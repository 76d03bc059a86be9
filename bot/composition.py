"""The composition root: every entry point (web app, CLI commands, outbox worker, scheduler,
web chat, `sahayak chat`, `telegram poll`) gets its parts from one `Components`, built by
`compose()` from one settings object. Nothing else constructs settings, a renderer, an NLU
parser, an assistant or a sender, so they cannot be wired differently in two places (the
worker once rendered outage notices with an empty helpline because it built its own bare
renderer).

Cheap parts (settings, backend, assistant config, the renderer) are built at once; the
NLU parser (a trained model in memory: one per process), the assistant and the sender are
built on first use, so `sahayak db upgrade` never loads a model. Nothing is built at import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from backend.platform.clock import utcnow

if TYPE_CHECKING:
    from fastapi import FastAPI

    from backend.messaging.senders import Sender
    from backend.services import Backend
    from bot.channels.base import ChannelAdapter
    from bot.channels.registry import ChannelRegistry
    from bot.channels.setup import ChannelSet
    from bot.dialogue.config import AssistantConfig
    from bot.i18n import Renderer
    from bot.settings import AppSettings
    from bot.wiring import Assistant
    from nlu import Parser

Clock = Callable[[], datetime]


class Components:
    """The object graph of one process. Build it with `compose()`.

    The lazy parts are built once even when two threads ask at the same time (the web
    chat and a webhook on their first messages)."""

    def __init__(self, settings: AppSettings, backend: Backend, config: AssistantConfig,
                 renderer: Renderer, *, clock: Clock = utcnow,
                 parser: Parser | None = None, sender: Sender | None = None,
                 registry: ChannelRegistry | None = None) -> None:
        self.settings = settings
        self.backend = backend
        self.config = config
        self.renderer = renderer
        self.clock = clock
        self._given_parser = parser
        self._given_sender = sender
        self._registry = registry
        self._lock = threading.RLock()  # the assistant builds the parser: re-entrant

    # -- lazy parts -----------------------------------------------------------------
    @cached_property
    def parser(self) -> Parser:
        """The NLU parser: the model loads (from its joblib file) on the first parse."""
        with self._lock:
            if "parser" in self.__dict__:  # another thread built it while we waited
                return self.__dict__["parser"]
            if self._given_parser is not None:
                return self._given_parser
            from nlu import NluSettings, build_parser

            return build_parser(NluSettings.from_env())

    @cached_property
    def assistant(self) -> Assistant:
        """Dialogue engine (over the backend and the parser) + this renderer."""
        with self._lock:
            if "assistant" in self.__dict__:
                return self.__dict__["assistant"]
            from bot.dialogue.factory import build_engine
            from bot.wiring import Assistant

            engine = build_engine(self.backend, self.parser, clock=self.clock,
                                  config=self.config)
            return Assistant(engine, self.renderer, self.clock)

    @cached_property
    def registry(self) -> ChannelRegistry:
        """The channel registry (name -> adapter class): the shipped one unless given."""
        if self._registry is not None:
            return self._registry
        from bot.channels.registry import CHANNELS

        return CHANNELS

    @cached_property
    def channels(self) -> dict[str, ChannelAdapter]:
        """The enabled channel adapters, built once: the webhooks and the sender share
        them (and so their provider clients)."""
        with self._lock:
            if "channels" in self.__dict__:
                return self.__dict__["channels"]
            return self.registry.build(self.settings)

    @cached_property
    def sender(self) -> Sender:
        """What the outbox worker sends through: the configured channels, else the HTTP
        gateway or the console. Raises ValueError on a bad channel configuration."""
        with self._lock:
            if "sender" in self.__dict__:
                return self.__dict__["sender"]
            if self._given_sender is not None:
                return self._given_sender
            from bot.delivery import build_sender

            return build_sender(self.settings, self.backend.sessions, self.renderer,
                                channels=self.channels, registry=self.registry,
                                clock=self.clock)

    # -- channels -------------------------------------------------------------------
    def install_channels(self, app: FastAPI) -> ChannelSet:
        """Mount the webhooks of the channels that are on; the assistant (and its NLU
        model) is built only if some channel is on."""
        from bot.channels.setup import install_channels

        return install_channels(app, self.settings, self.backend, lambda: self.assistant,
                                registry=self.registry, channels=self.channels)

    def refuse_demo_placeholders(self) -> None:
        """In production, stop before serving consumers if the assistant file still holds
        demo placeholders (a dummy store id, an example link): one error naming every key
        to fill in; then without OTP_HASH_KEY. Called where serving starts (`sahayak
        serve`, its worker processes, `sahayak telegram poll`); demo mode passes."""
        if not self.settings.is_production:
            return
        from bot.dialogue.config import DEFAULT_ASSISTANT_FILE, ConfigError
        from bot.dialogue.placeholders import placeholder_problems, refusal

        problems = placeholder_problems(self.config)
        if problems:
            raise ConfigError(refusal(problems, str(self.settings.assistant_file
                                                    or DEFAULT_ASSISTANT_FILE)))
        from backend.contacts.otp import hash_key_problem

        problem = hash_key_problem(self.settings)  # codes' stored hashes need a secret key
        if problem:
            raise ConfigError(problem)

    def close(self) -> None:
        self.backend.close()


def load_settings() -> AppSettings:
    """The settings from the environment (and `.env`): the only place they are read."""
    from bot.settings import AppSettings

    return AppSettings()


def compose(settings: AppSettings | None = None, *, clock: Clock = utcnow,
            parser: Parser | None = None, sender: Sender | None = None,
            registry: ChannelRegistry | None = None) -> Components:
    """Build the components from `settings` (default: the environment). Tests and
    benchmarks pass their own settings, clock, parser (a model trained once per session),
    sender or channel registry through the keyword arguments.

    The backend's push rules (`Backend.reach`: which channels alerts and broadcasts use)
    come from the registry. For the shipped registry they are `reach.BIHAR` (a test holds
    the two equal), so the adapters' modules (Telegram, Twilio: ~0.7 s) are imported only
    by commands that use a channel."""
    from backend.services import build_backend
    from bot.dialogue.config import load_assistant_config
    from bot.i18n import Renderer

    settings = settings if settings is not None else load_settings()
    config = load_assistant_config(settings.assistant_file)
    renderer = Renderer(defaults={"helpline": config.helpline},
                        tz=ZoneInfo(settings.timezone))
    backend = (build_backend(settings) if registry is None
               else build_backend(settings, reach=registry.push_channels()))
    return Components(settings, backend, config, renderer, clock=clock, parser=parser,
                      sender=sender, registry=registry)
