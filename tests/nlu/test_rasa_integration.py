"""Our adapter against a real Rasa server (``make rasa``) when RASA_URL is reachable."""

from __future__ import annotations

import os

import httpx
import pytest

from nlu.embedded import EmbeddedParser
from nlu.rasa_client import RasaParser

RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")


def _reachable() -> bool:
    try:
        return httpx.get(f"{RASA_URL}/status", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


pytestmark = pytest.mark.skipif(not _reachable(), reason=f"no Rasa server at {RASA_URL}")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("mera balance kitna hai", "check_balance"),
        ("मेरा बैलेंस बताओ", "check_balance"),
        ("I want to file a complaint", "file_complaint"),
    ],
)
def test_real_rasa(parser: EmbeddedParser, text: str, intent: str) -> None:
    class Failing:
        def parse(self, text: str) -> object:
            raise AssertionError("fell back: Rasa did not answer")

    rasa = RasaParser(RASA_URL, fallback=Failing(), timeout_s=10.0)  # type: ignore[arg-type]
    result = rasa.parse(text)
    assert result.intent.name == intent
    assert result.intent_ranking
