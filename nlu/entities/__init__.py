"""Rule-based entity extraction (CA/meter numbers, amounts, complaint categories, periods,
languages) with canonical values."""

from __future__ import annotations

from nlu.entities.extractor import EntityExtractor
from nlu.entities.gazetteer import Gazetteer

__all__ = ["EntityExtractor", "Gazetteer"]
