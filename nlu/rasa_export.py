"""Write our training data as a complete Rasa 3.x project (config, domain, data).

The same YAML trains the embedded model and, through this export, a Rasa server, so a
deployment can switch backends without a second copy of the data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from nlu.dataset import Example, TrainingData
from nlu.types import ENTITY_TYPES

RASA_VERSION = "3.1"

# Regexes for Rasa's RegexFeaturizer / RegexEntityExtractor (named after the entity).
REGEXES: dict[str, list[str]] = {
    "ca_number": [
        r"\b[0-9०-९]{9,12}\b",
        r"\b[0-9०-९]{3,6}[ -][0-9०-९]{3,6}(?:[ -][0-9०-९]{1,6})?\b",
    ],
    "meter_number": [r"\b[A-Za-z]{1,4}-?[0-9]{5,12}\b"],
    "amount": [r"(?:₹|[Rr][Ss]\.? ?)[0-9०-९][0-9०-९,]*(?:\.[0-9]+)?"],
}


def config_yaml(threshold: float) -> dict[str, Any]:
    return {
        "recipe": "default.v1",
        "assistant_id": "bijli-sahayak",
        "language": "hi",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "RegexFeaturizer", "case_sensitive": False},
            {"name": "LexicalSyntacticFeaturizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2,
             "max_ngram": 5},
            {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
            {"name": "RegexEntityExtractor", "use_lookup_tables": True, "use_regexes": True},
            {"name": "EntitySynonymMapper"},
            {"name": "FallbackClassifier", "threshold": threshold, "ambiguity_threshold": 0.1},
        ],
        "policies": [],
    }


def domain_yaml(data: TrainingData) -> dict[str, Any]:
    entities = sorted(set(ENTITY_TYPES) | set(data.entity_types))
    return {"version": RASA_VERSION, "intents": data.intents, "entities": entities}


def annotate(example: Example) -> str:
    """Example text with Rasa entity markup restored."""
    out: list[str] = []
    pos = 0
    for ent in sorted(example.entities, key=lambda e: e.start):
        surface = example.text[ent.start : ent.end]
        out.append(example.text[pos : ent.start])
        if ent.value == surface:
            out.append(f"[{surface}]({ent.entity})")
        else:
            spec = json.dumps({"entity": ent.entity, "value": ent.value}, ensure_ascii=False)
            out.append(f"[{surface}]{spec}")
        pos = ent.end
    out.append(example.text[pos:])
    return "".join(out)


def _block(lines: list[str]) -> str:
    return "".join(f"- {_one_line(line)}\n" for line in lines)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Literal(str):
    """A string dumped as a YAML ``|`` block (how Rasa writes examples)."""


def _literal_representer(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal_representer)


def nlu_yaml(data: TrainingData) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for intent in data.intents:
        lines = [annotate(e) for e in data.examples if e.intent == intent]
        items.append({"intent": intent, "examples": _Literal(_block(lines))})
    for value, phrases in data.synonyms.items():
        items.append({"synonym": value, "examples": _Literal(_block(phrases))})
    for name, entries in data.lookups.items():
        items.append({"lookup": name, "examples": _Literal(_block(entries))})
    regexes = {k: list(v) for k, v in REGEXES.items()}
    for name, patterns in data.regexes.items():
        regexes.setdefault(name, []).extend(p for p in patterns if p not in regexes[name])
    for name, patterns in regexes.items():
        items.append({"regex": name, "examples": _Literal(_block(patterns))})
    return {"version": RASA_VERSION, "nlu": items}


def _dump(doc: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text, encoding="utf-8")


def export(data: TrainingData, out_dir: Path, threshold: float) -> list[Path]:
    """Write config.yml, domain.yml and data/nlu.yml under ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    paths = [out_dir / "config.yml", out_dir / "domain.yml", out_dir / "data" / "nlu.yml"]
    _dump(config_yaml(threshold), paths[0])
    _dump(domain_yaml(data), paths[1])
    _dump(nlu_yaml(data), paths[2])
    return paths
