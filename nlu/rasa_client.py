"""Parse through a running Rasa server (``POST /model/parse``), falling back to the
embedded model when Rasa is down, slow or answers nonsense.

After a failure Rasa is not asked again for ``retry_after_s`` seconds, so an outage costs
one timeout, not one per message. Logs never include message text above debug level.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from nlu.entities.amount import find_amounts
from nlu.entities.tokens import tokenize
from nlu.langid import detect_language
from nlu.normalize import normalize
from nlu.types import FALLBACK_INTENT, Entity, IntentScore, Parser, ParseResult

log = logging.getLogger(__name__)


class RasaParser:
    """Adapter for Rasa's HTTP API with an embedded fallback parser."""

    def __init__(
        self,
        url: str,
        fallback: Parser,
        timeout_s: float = 2.0,
        threshold: float = 0.0,
        retry_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.fallback = fallback
        self.timeout_s = timeout_s
        self.threshold = threshold
        self.retry_after_s = retry_after_s
        self._clock = clock
        self._token = token
        self._client: httpx.Client | None = None
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(timeout=self.timeout_s)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def parse(self, text: str) -> ParseResult:
        if not text.strip() or self._clock() < self._down_until:
            return self.fallback.parse(text)
        try:
            params = {"token": self._token} if self._token else None
            response = self._http().post(
                f"{self.url}/model/parse", json={"text": text}, params=params
            )
            response.raise_for_status()
            return self.to_result(text, response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            self._down_until = self._clock() + self.retry_after_s
            log.warning(
                "Rasa parse failed (%s); using the embedded model for %.0fs",
                type(exc).__name__,
                self.retry_after_s,
            )
            log.debug("Rasa failure detail: %s", exc)
            return self.fallback.parse(text)

    def to_result(self, text: str, payload: dict[str, Any]) -> ParseResult:
        """Map Rasa's parse JSON to ParseResult, canonicalising entity values."""
        raw_intent = payload.get("intent") or {}
        name = raw_intent.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("Rasa response has no intent name")
        intent = IntentScore(name, float(raw_intent.get("confidence") or 0.0))
        ranking = [
            IntentScore(str(r["name"]), float(r.get("confidence") or 0.0))
            for r in payload.get("intent_ranking") or []
            if r.get("name")
        ] or [intent]
        if intent.name != FALLBACK_INTENT and intent.confidence < self.threshold:
            intent = IntentScore(FALLBACK_INTENT, self.threshold)
            ranking = [intent, *ranking]
        entities = _dedupe(
            [
                e
                for raw in payload.get("entities") or []
                if (e := _entity(text, raw)) is not None
            ]
        )
        return ParseResult(text, intent, ranking, entities, detect_language(text))


def _entity(text: str, raw: dict[str, Any]) -> Entity | None:
    name = raw.get("entity")
    if not name:
        return None
    start, end = int(raw.get("start", 0)), int(raw.get("end", 0))
    surface = text[start:end] if 0 <= start < end <= len(text) else str(raw.get("value", ""))
    value = canonical_value(str(name), str(raw.get("value", surface)), surface)
    if value is None:
        return None
    return Entity(str(name), value, start, end, surface, str(raw.get("extractor", "rasa")))


def canonical_value(entity: str, value: str, surface: str) -> str | None:
    """Rasa returns surface text for regex/DIET entities; make it canonical like ours."""
    if entity == "ca_number":
        digits = "".join(normalize(value).text.split())
        return digits if digits.isdigit() else None
    if entity == "meter_number":
        return "".join(ch for ch in normalize(value).text if ch.isalnum()).upper() or None
    if entity == "amount":
        tokens = tokenize(normalize(value).text)
        amounts = find_amounts(tokens, set())
        if amounts:
            return amounts[0][1]
        digits = normalize(value).text.replace(" ", "")
        return digits if digits.replace(".", "", 1).isdigit() else None
    return value


def _dedupe(entities: list[Entity]) -> list[Entity]:
    """One entity per (type, span): DIET and the regex extractor may both report it."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Entity] = []
    for e in sorted(entities, key=lambda e: (e.start, e.end)):
        key = (e.entity, e.start, e.end)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
