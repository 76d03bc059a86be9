"""The result types the dialogue engine consumes; stable public API of the nlu package."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Language = Literal["hi", "hi-Latn", "en"]
LANGUAGES: tuple[Language, ...] = ("hi", "hi-Latn", "en")

FALLBACK_INTENT = "nlu_fallback"

INTENTS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "thanks",
    "help",
    "check_balance",
    "usage_history",
    "recharge_help",
    "app_install_help",
    "file_complaint",
    "complaint_status",
    "link_account",
    "change_language",
    "opt_out",
    "opt_in",
    "human_handoff",
    "faq_prepaid",
    "affirm",
    "deny",
    "out_of_scope",
)

ENTITY_TYPES: tuple[str, ...] = (
    "ca_number",
    "meter_number",
    "amount",
    "complaint_category",
    "period",
    "language",
)

COMPLAINT_CATEGORIES: tuple[str, ...] = (
    "high_deduction",
    "recharge_not_credited",
    "no_supply_after_recharge",
    "cut_despite_balance",
    "no_supply",
    "meter_fault",
    "arrears_deduction",
    "free_units_or_rebate",
    "fraud",
    "other",
)

PERIODS: tuple[str, ...] = (
    "today",
    "yesterday",
    "tomorrow",
    "last_7_days",
    "this_month",
    "last_month",
)


@dataclass(frozen=True, slots=True)
class IntentScore:
    """One intent and the model's confidence in it (0..1)."""

    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(float(self.confidence), 4)}


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity found in the text.

    ``value`` is canonical and always a string: ``ca_number`` digits only, ``amount`` rupees
    as a decimal string ("500", "1500", "12.5"), ``meter_number`` upper-case alphanumerics,
    ``complaint_category``/``period``/``language`` one of the canonical names.
    ``start``/``end`` index the original text (``text[start:end]`` is the surface form).
    """

    entity: str
    value: str
    start: int
    end: int
    text: str = ""
    extractor: str = "rules"

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What the NLU understood of one message (shape of ``sahayak nlu parse``)."""

    text: str
    intent: IntentScore
    intent_ranking: list[IntentScore] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    language: Language = "en"

    def entity_values(self, entity: str) -> list[str]:
        """Canonical values of one entity type, in text order."""
        return [e.value for e in self.entities if e.entity == entity]

    def first(self, entity: str) -> str | None:
        """The first canonical value of an entity type, or None."""
        values = self.entity_values(entity)
        return values[0] if values else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "intent_ranking": [s.to_dict() for s in self.intent_ranking],
            "entities": [e.to_dict() for e in self.entities],
            "language": self.language,
        }


@runtime_checkable
class Parser(Protocol):
    """Anything that turns a message into a ParseResult; must never raise on odd input."""

    def parse(self, text: str) -> ParseResult: ...
