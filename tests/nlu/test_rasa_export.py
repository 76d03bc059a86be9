"""`export-rasa` writes a Rasa 3.x project that our own reader loads back unchanged."""

from __future__ import annotations

from pathlib import Path

import yaml

from nlu import dataset
from nlu.dataset import TrainingData, parse_annotated
from nlu.rasa_export import annotate, export
from nlu.types import ENTITY_TYPES, INTENTS


def _by_intent(examples: list) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for example in examples:
        grouped.setdefault(example.intent, []).append(example)
    return grouped


def test_export_round_trip(training_data: TrainingData, tmp_path: Path) -> None:
    paths = export(training_data, tmp_path, threshold=0.35)
    assert {p.relative_to(tmp_path).as_posix() for p in paths} == {
        "config.yml", "domain.yml", "data/nlu.yml",
    }
    back = dataset.load(tmp_path / "data" / "nlu.yml")
    # the export writes one block per intent; an intent may be spread over several files
    # (nlu/data/nlu/<area>/*.yml), so compare the order within each intent
    assert _by_intent(back.examples) == _by_intent(training_data.examples)
    assert back.synonyms == training_data.synonyms
    assert set(back.regexes) >= {"ca_number", "meter_number", "amount"}


def test_config_and_domain(training_data: TrainingData, tmp_path: Path) -> None:
    export(training_data, tmp_path, threshold=0.4)
    config = yaml.safe_load((tmp_path / "config.yml").read_text())
    names = [c["name"] for c in config["pipeline"]]
    assert names[0] == "WhitespaceTokenizer"
    assert {"DIETClassifier", "EntitySynonymMapper", "RegexFeaturizer"} <= set(names)
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    assert fallback["threshold"] == 0.4
    assert config["recipe"] == "default.v1"
    domain = yaml.safe_load((tmp_path / "domain.yml").read_text())
    assert domain["version"] == "3.1"
    assert set(domain["intents"]) == set(training_data.intents)
    assert set(domain["intents"]) <= set(INTENTS)
    assert set(domain["entities"]) == set(ENTITY_TYPES)


def test_annotation_round_trip() -> None:
    for line in [
        "CA [123456789](ca_number) ka balance",
        'meter [tez chal raha]{"entity": "complaint_category", "value": "high_deduction"} hai',
        "[कल](period) का [₹५००](amount)",
        "plain text",
    ]:
        text, entities = parse_annotated(line)
        from nlu.dataset import Example

        again = parse_annotated(annotate(Example(text, "x", entities)))
        assert again == (text, entities)


def test_rasa_1_style_value_annotation() -> None:
    text, entities = parse_annotated("[kal](period:yesterday) ka kharcha")
    assert text == "kal ka kharcha"
    assert entities[0].value == "yesterday"
    assert (entities[0].start, entities[0].end) == (0, 3)
