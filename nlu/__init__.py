"""Text -> intent, entities and language. Standalone: imports nothing from bot or backend.

Public API (stable; the dialogue engine depends on it)::

    from nlu import NluSettings, build_parser, ParseResult

    parser = build_parser(NluSettings.from_env())   # cheap: nothing loaded yet
    result = parser.parse("mera balance kitna hai") # first call loads/trains the model
    result.intent.name, result.intent.confidence    # "check_balance", 0.98
    result.intent_ranking                           # list[IntentScore], best first
    result.entities                                 # list[Entity(entity, value, start, end, text)]
    result.first("ca_number")                       # canonical value or None
    result.language                                 # "hi" | "hi-Latn" | "en"
    result.to_dict()                                # JSON of `sahayak nlu parse`

``intent.name`` is ``nlu_fallback`` when the top confidence is below
``NLU_CONFIDENCE_THRESHOLD``. The CLI group is ``nlu.cli.nlu_group``.

Importing this package reads no file and builds no model: the heavy modules are imported
on first use of ``build_parser``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlu.settings import NluSettings
from nlu.types import (
    FALLBACK_INTENT,
    INTENTS,
    Entity,
    IntentScore,
    Language,
    Parser,
    ParseResult,
)

if TYPE_CHECKING:
    from nlu.factory import build_parser

__all__ = [
    "FALLBACK_INTENT",
    "INTENTS",
    "Entity",
    "IntentScore",
    "Language",
    "NluSettings",
    "ParseResult",
    "Parser",
    "build_parser",
]


def __getattr__(name: str) -> Any:
    if name == "build_parser":
        from nlu.factory import build_parser

        return build_parser
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")
