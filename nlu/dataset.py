"""Reading Rasa 3.x NLU YAML (our training and test data format) into plain objects.

Rasa's format is the contract with the data writers and with a Rasa deployment, so the
reader accepts what Rasa accepts: ``[text](entity)``, ``[text](entity:value)`` and
``[text]{"entity": ..., "value": ...}`` annotations, ``synonym``, ``lookup`` and ``regex``
blocks, and a directory of files or a single file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+)\]"
    r"(?:\((?P<entity>[^):]+)(?::(?P<value>[^)]+))?\)|(?P<json>\{[^}]*\}))"
)


@dataclass(frozen=True, slots=True)
class AnnotatedEntity:
    """An entity annotated in an example: span over the plain text and canonical value."""

    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Example:
    """One training or test utterance."""

    text: str
    intent: str
    entities: tuple[AnnotatedEntity, ...] = ()


@dataclass(slots=True)
class TrainingData:
    """Examples plus the synonym, lookup and regex tables of a Rasa NLU file set."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """Intent names in first-seen order."""
        return list(dict.fromkeys(e.intent for e in self.examples))

    @property
    def entity_types(self) -> list[str]:
        return sorted({a.entity for e in self.examples for a in e.entities})

    def merge(self, other: TrainingData) -> None:
        self.examples.extend(other.examples)
        for table, more in (
            (self.synonyms, other.synonyms),
            (self.lookups, other.lookups),
            (self.regexes, other.regexes),
        ):
            for key, values in more.items():
                merged = table.setdefault(key, [])
                merged.extend(v for v in values if v not in merged)


def parse_annotated(line: str) -> tuple[str, tuple[AnnotatedEntity, ...]]:
    """Strip Rasa entity markup from one example, returning plain text and entities."""
    parts: list[str] = []
    entities: list[AnnotatedEntity] = []
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(line):
        before = line[pos : m.start()]
        parts.append(before)
        length += len(before)
        surface = m.group("text")
        if m.group("json"):
            try:
                spec: Any = json.loads(m.group("json"))
            except json.JSONDecodeError as exc:
                raise ValueError(f"bad entity annotation in {line!r}: {exc}") from exc
            entity = str(spec.get("entity", ""))
            value = str(spec.get("value", surface))
        else:
            entity = m.group("entity").strip()
            value = (m.group("value") or surface).strip()
        if entity:
            entities.append(AnnotatedEntity(entity, value, length, length + len(surface)))
        parts.append(surface)
        length += len(surface)
        pos = m.end()
    parts.append(line[pos:])
    return "".join(parts), tuple(entities)


def _example_lines(block: Any) -> Iterable[str]:
    """Lines of an ``examples:`` block (a ``|`` string or a list of ``text:`` dicts)."""
    if isinstance(block, str):
        for raw in block.splitlines():
            stripped = raw.strip()
            if stripped.startswith("- "):
                yield stripped[2:].strip()
            elif stripped == "-":
                continue
    elif isinstance(block, list):
        for item in block:
            if isinstance(item, dict) and "text" in item:
                yield str(item["text"]).strip()
            elif isinstance(item, str):
                yield item.strip()


def load_yaml_text(content: str) -> TrainingData:
    """Parse the text of one Rasa NLU YAML document."""
    doc = yaml.safe_load(content) or {}
    data = TrainingData()
    for item in doc.get("nlu") or []:
        if not isinstance(item, dict):
            continue
        lines = [line for line in _example_lines(item.get("examples")) if line]
        if "intent" in item:
            intent = str(item["intent"])
            for line in lines:
                text, entities = parse_annotated(line)
                if text.strip():
                    data.examples.append(Example(text, intent, entities))
        elif "synonym" in item:
            data.synonyms.setdefault(str(item["synonym"]), []).extend(lines)
        elif "lookup" in item:
            data.lookups.setdefault(str(item["lookup"]), []).extend(lines)
        elif "regex" in item:
            data.regexes.setdefault(str(item["regex"]), []).extend(lines)
    return data


def data_files(path: Path) -> list[Path]:
    """The YAML files under ``path`` (recursively, sorted), or ``[path]`` for a file."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no NLU data at {path}")
    return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def load(path: Path | str) -> TrainingData:
    """Load a Rasa NLU file or every ``*.yml`` under a directory."""
    data = TrainingData()
    for file in data_files(Path(path)):
        data.merge(load_yaml_text(file.read_text(encoding="utf-8")))
    return data


def hash_files(path: Path, salt: str = "") -> str:
    """SHA-256 of every data file's relative name and bytes: changes whenever data does."""
    root = Path(path)
    digest = hashlib.sha256(salt.encode())
    for file in data_files(root):
        rel = file.name if root.is_file() else file.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()
