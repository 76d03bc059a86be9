"""All entity rules together: identifiers, dates, amounts, phrases, and "kal" by tense."""

from __future__ import annotations

from dataclasses import dataclass

from nlu.entities.amount import find_amounts
from nlu.entities.dates import find_dates
from nlu.entities.gazetteer import Gazetteer
from nlu.entities.identifiers import find_identifiers
from nlu.entities.period import find_kal
from nlu.entities.tokens import tokenize
from nlu.normalize import Normalized, normalize
from nlu.types import Entity

# Higher wins when two non-complaint entities overlap.
_PRIORITY = {"ca_number": 5, "meter_number": 5, "amount": 4, "language": 3, "period": 2}


@dataclass(slots=True)
class EntityExtractor:
    """Rule-based extractor; ``gazetteer`` carries the synonym tables."""

    gazetteer: Gazetteer

    def extract(self, text: str, normalized: Normalized | None = None) -> list[Entity]:
        """Entities in text order, spans in original-text coordinates; never raises."""
        norm = normalized if normalized is not None else normalize(text)
        tokens = tokenize(norm.text)
        if not tokens:
            return []
        found = find_identifiers(tokens)
        used = {k for _, _, a, b in found for k in range(a, b + 1)}
        # Dates before amounts: the "28" of "28 nov kata" is a day, not rupees.
        dates = find_dates(tokens, norm, used)
        found += dates
        used |= {k for _, _, a, b in dates for k in range(a, b + 1)}
        found += find_amounts(tokens, used)
        phrases = self.gazetteer.find(tokens)
        found += phrases
        if not any(e == "period" and tokens[a].text in ("kal", "कल") for e, _, a, _ in phrases):
            found += find_kal(tokens)
        found = _resolve_overlaps(found)
        entities: list[Entity] = []
        for entity, value, first, last in sorted(found, key=lambda f: (f[2], f[3])):
            start, end = norm.span(tokens[first].start, tokens[last].end)
            entities.append(Entity(entity, value, start, end, text[start:end]))
        return entities


def _resolve_overlaps(
    found: list[tuple[str, str, int, int]],
) -> list[tuple[str, str, int, int]]:
    """Drop overlapping matches (complaint categories may overlap anything)."""
    keep: list[tuple[str, str, int, int]] = []
    ranked = sorted(found, key=lambda f: (-_PRIORITY.get(f[0], 0), -(f[3] - f[2]), f[2]))
    for cand in ranked:
        if cand[0] != "complaint_category" and any(
            k[0] != "complaint_category" and not (cand[3] < k[2] or k[3] < cand[2])
            for k in keep
        ):
            continue
        if cand not in keep:
            keep.append(cand)
    return keep
