"""The Rasa adapter against real HTTP servers on loopback: a recorded Rasa answer, a 500,
a timeout, garbage JSON, and a closed port; every failure falls back to the embedded model."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest

from nlu.embedded import EmbeddedParser
from nlu.factory import build_parser
from nlu.rasa_client import RasaParser
from nlu.settings import NluSettings
from tests.nlu.rasa_fake import FakeRasa, serve_fake_rasa

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "rasa_parse.json").read_text())
TEXT = RECORDED["text"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_maps_recorded_rasa_answer(parser: EmbeddedParser) -> None:
    fake = FakeRasa(body=RECORDED)
    with serve_fake_rasa(fake) as url:
        rasa = RasaParser(url, fallback=parser, timeout_s=2.0)
        result = rasa.parse(TEXT)
        rasa.close()
    assert fake.requests == [{"path": "/model/parse", "json": {"text": TEXT}}]
    assert result.intent.name == "file_complaint"
    assert result.intent.confidence == pytest.approx(0.9123)
    assert [s.name for s in result.intent_ranking][:2] == ["file_complaint", "complaint_status"]
    values = [(e.entity, e.value) for e in result.entities]
    # DIET and the regex extractor both found the CA number: reported once, canonical.
    assert values == [
        ("ca_number", "1234567890"),
        ("amount", "500"),
        ("complaint_category", "recharge_not_credited"),
    ]
    assert result.entities[0].text == "1234 5678 90"
    assert result.language == "hi-Latn"


def test_low_rasa_confidence_becomes_fallback(parser: EmbeddedParser) -> None:
    body = {**RECORDED, "intent": {"name": "greet", "confidence": 0.1}}
    with serve_fake_rasa(FakeRasa(body=body)) as url:
        result = RasaParser(url, fallback=parser, threshold=0.35).parse(TEXT)
    assert result.intent.name == "nlu_fallback"


@pytest.mark.parametrize(
    "fake",
    [
        FakeRasa(status=500, body={"error": "boom"}),
        FakeRasa(status=200, body=None),  # not JSON
        FakeRasa(status=200, body={"intent": None}),  # JSON without an intent
        FakeRasa(status=200, body=RECORDED, delay_s=1.0),  # slower than the timeout
    ],
    ids=["http-500", "not-json", "no-intent", "timeout"],
)
def test_failures_fall_back_to_embedded(
    parser: EmbeddedParser, fake: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "mera balance kitna hai CA 555666777"
    with serve_fake_rasa(fake) as url, caplog.at_level(logging.INFO, logger="nlu"):
        rasa = RasaParser(url, fallback=parser, timeout_s=0.3)
        result = rasa.parse(secret)
        rasa.close()
    assert result == parser.parse(secret)
    assert result.intent.name == "check_balance"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings, "a failure must be logged"
    assert all("555666777" not in r.getMessage() and "balance" not in r.getMessage()
               for r in caplog.records if r.levelno > logging.DEBUG)


def test_closed_port_falls_back_and_backs_off(parser: EmbeddedParser) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    clock = Clock()
    rasa = RasaParser(f"http://127.0.0.1:{port}", fallback=parser, retry_after_s=30, clock=clock)
    assert rasa.parse("hello").intent.name == "greet"
    assert rasa._down_until == pytest.approx(1030.0)


def test_back_off_then_retry(parser: EmbeddedParser) -> None:
    clock = Clock()
    fake = FakeRasa(status=500, body={})
    with serve_fake_rasa(fake) as url:
        rasa = RasaParser(url, fallback=parser, retry_after_s=30, clock=clock)
        rasa.parse("hello")
        rasa.parse("hello")  # within back-off: Rasa not asked
        assert len(fake.requests) == 1
        clock.now += 31
        fake.status, fake.body = 200, RECORDED
        assert rasa.parse(TEXT).intent.name == "file_complaint"
        assert len(fake.requests) == 2
        rasa.close()


def test_empty_text_never_goes_to_rasa(parser: EmbeddedParser) -> None:
    fake = FakeRasa(body=RECORDED)
    with serve_fake_rasa(fake) as url:
        result = RasaParser(url, fallback=parser).parse("  ")
    assert fake.requests == []
    assert result.intent.name == "nlu_fallback"


def test_factory_builds_rasa_adapter(tmp_path: Path) -> None:
    settings = NluSettings.from_env(
        {"NLU_BACKEND": "rasa", "RASA_URL": "http://127.0.0.1:5005", "RASA_TIMEOUT_S": "0.5",
         "NLU_MODEL_PATH": str(tmp_path / "m.joblib")}
    )
    built = build_parser(settings)
    assert isinstance(built, RasaParser)
    assert built.timeout_s == 0.5
    assert isinstance(built.fallback, EmbeddedParser)
    with pytest.raises(ValueError):
        build_parser(NluSettings(backend="rasa", rasa_url=None))


def test_settings_from_env() -> None:
    s = NluSettings.from_env({"NLU_CONFIDENCE_THRESHOLD": "0.5", "NLU_AUTO_RETRAIN": "0"})
    assert s.confidence_threshold == 0.5
    assert s.auto_retrain is False
    assert s.backend == "embedded"
    with pytest.raises(ValueError):
        NluSettings.from_env({"NLU_BACKEND": "spacy"})
