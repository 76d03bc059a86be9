"""Phrase tables (synonyms) matched on normalised tokens: complaint categories, periods,
languages.

Phrases come from ``nlu/data/synonyms.yml`` and from the annotated examples, so a data
writer who labels "[tez bhag raha]{"entity": "complaint_category", "value": ...}" teaches
the extractor too. Complaint phrases may have a couple of extra words in between
("zyada paisa roz kat raha"); periods and languages must match exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nlu.entities.tokens import Token
from nlu.normalize import normalize_text
from nlu.types import COMPLAINT_CATEGORIES, LANGUAGES, PERIODS

MAX_GAP = {"complaint_category": 2}

Found = tuple[str, str, int, int]


def entity_for_value(value: str) -> str | None:
    """Which entity type a canonical synonym value belongs to."""
    if value in COMPLAINT_CATEGORIES:
        return "complaint_category"
    if value in PERIODS:
        return "period"
    if value in LANGUAGES:
        return "language"
    return None


@dataclass(slots=True)
class Gazetteer:
    """Normalised phrases indexed by their first token."""

    by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = field(default_factory=dict)

    def add(self, entity: str, phrase: str, value: str) -> None:
        words = tuple(normalize_text(phrase).split())
        if not words:
            return
        if entity == "period" and words in (("kal",), ("कल",)):
            return  # resolved by tense, see period.py
        entries = self.by_first.setdefault(words[0], [])
        if (words, entity, value) not in entries:
            entries.append((words, entity, value))
            entries.sort(key=lambda e: -len(e[0]))

    @classmethod
    def build(
        cls,
        synonyms: dict[str, list[str]],
        annotated: Iterable[tuple[str, str, str]] = (),
    ) -> Gazetteer:
        """From synonym blocks (value -> phrases) and (entity, surface, value) annotations."""
        gaz = cls()
        for value, phrases in synonyms.items():
            entity = entity_for_value(value)
            if entity is None:
                continue
            for phrase in phrases:
                gaz.add(entity, phrase, value)
        for entity, surface, value in annotated:
            if entity in ("complaint_category", "period", "language") and len(surface) > 1:
                gaz.add(entity, surface, value)
        return gaz

    def find(self, tokens: list[Token]) -> list[Found]:
        """Longest non-overlapping phrase matches, per entity type."""
        found: list[Found] = []
        next_free: dict[str, int] = {}
        words = [t.text for t in tokens]
        for i, word in enumerate(words):
            best: Found | None = None
            best_len = 0
            for phrase, entity, value in self.by_first.get(word, ()):
                if i < next_free.get(entity, 0) or len(phrase) <= best_len:
                    continue
                end = _match(words, i, phrase, MAX_GAP.get(entity, 0))
                if end is not None:
                    best, best_len = (entity, value, i, end), len(phrase)
            if best is not None:
                found.append(best)
                next_free[best[0]] = best[3] + 1
        return found


def _match(words: list[str], start: int, phrase: tuple[str, ...], gap: int) -> int | None:
    """Index of the last token if ``phrase`` matches at ``start`` (gaps allowed)."""
    pos = start
    for k, want in enumerate(phrase):
        if k == 0:
            continue
        limit = min(len(words), pos + 2 + gap)
        for nxt in range(pos + 1, limit):
            if words[nxt] == want:
                pos = nxt
                break
        else:
            return None
    return pos
