"""Build a `DialogueEngine` from the backend, an NLU parser and a clock: the one place the
engine is wired (called by the composition root, tests and benchmarks; never on import)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from backend.platform.clock import utcnow
from backend.services import Backend
from bot.dialogue.config import AssistantConfig, load_assistant_config
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.flows import Registry, default_flows
from bot.dialogue.turn import Services
from nlu import Parser


def build_engine(backend: Backend, parser: Parser, *,
                 clock: Callable[[], datetime] = utcnow,
                 config: AssistantConfig | None = None,
                 assistant_file: Path | None = None) -> DialogueEngine:
    config = config or load_assistant_config(assistant_file)
    services = Services(metering=backend.metering, rules=backend.rules, tz=backend.tz,
                        config=config, settings=backend.settings)
    return DialogueEngine(backend.sessions, parser, services, Registry(default_flows()), clock)
