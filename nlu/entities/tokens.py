"""Tokens of normalised text with their character spans (normalised coordinates)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[^ ]+")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(normalised: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(normalised)]
