"""The training and held-out data meet the issue's coverage rules and never overlap."""

from __future__ import annotations

from collections import Counter

import pytest

from nlu.dataset import TrainingData
from nlu.langid import detect_language
from nlu.normalize import normalize_text
from nlu.types import (
    COMPLAINT_CATEGORIES,
    ENTITY_TYPES,
    INTENTS,
    LANGUAGES,
    PERIODS,
)

MIN_PER_INTENT = 50
MIN_PER_SCRIPT = 15
MIN_HELDOUT_PER_INTENT = 12
MIN_HELDOUT_PER_SCRIPT = 4


def _per_script(data: TrainingData) -> Counter[tuple[str, str]]:
    return Counter((e.intent, detect_language(e.text)) for e in data.examples)


@pytest.mark.parametrize("intent", INTENTS)
def test_training_intent_in_all_three_scripts(training_data: TrainingData, intent: str) -> None:
    counts = _per_script(training_data)
    total = sum(n for (i, _), n in counts.items() if i == intent)
    assert total >= MIN_PER_INTENT, f"{intent}: {total} examples"
    for lang in LANGUAGES:
        n = counts[(intent, lang)]
        assert n >= MIN_PER_SCRIPT, f"{intent}/{lang}: {n}"


@pytest.mark.parametrize("intent", INTENTS)
def test_heldout_intent_in_all_three_scripts(heldout_data: TrainingData, intent: str) -> None:
    counts = _per_script(heldout_data)
    total = sum(n for (i, _), n in counts.items() if i == intent)
    assert total >= MIN_HELDOUT_PER_INTENT, f"{intent}: {total} held-out examples"
    for lang in LANGUAGES:
        n = counts[(intent, lang)]
        assert n >= MIN_HELDOUT_PER_SCRIPT, f"{intent}/{lang}: {n}"


def test_only_known_intents_and_entities(
    training_data: TrainingData, heldout_data: TrainingData
) -> None:
    for data in (training_data, heldout_data):
        assert set(data.intents) <= set(INTENTS)
        assert set(data.entity_types) <= set(ENTITY_TYPES)


def test_canonical_entity_values(training_data: TrainingData, heldout_data: TrainingData) -> None:
    allowed = {
        "complaint_category": set(COMPLAINT_CATEGORIES),
        "period": set(PERIODS),
        "language": set(LANGUAGES),
    }
    for data in (training_data, heldout_data):
        for ex in data.examples:
            for ent in ex.entities:
                if ent.entity in allowed:
                    assert ent.value in allowed[ent.entity], (ex.text, ent)


def test_synonym_values_are_canonical(training_data: TrainingData) -> None:
    canonical = set(COMPLAINT_CATEGORIES) | set(PERIODS) | set(LANGUAGES)
    assert set(training_data.synonyms) <= canonical
    assert set(COMPLAINT_CATEGORIES) <= set(training_data.synonyms)


def test_heldout_never_in_training(
    training_data: TrainingData, heldout_data: TrainingData
) -> None:
    seen = {normalize_text(e.text) for e in training_data.examples}
    leaked = [e.text for e in heldout_data.examples if normalize_text(e.text) in seen]
    assert leaked == []


def test_no_example_labelled_with_two_intents(training_data: TrainingData) -> None:
    by_text: dict[str, set[str]] = {}
    for e in training_data.examples:
        by_text.setdefault(normalize_text(e.text), set()).add(e.intent)
    conflicts = {t: sorted(i) for t, i in by_text.items() if len(i) > 1}
    assert conflicts == {}
