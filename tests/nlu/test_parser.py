"""The embedded parser end to end: robustness, held-out accuracy, lazy loading, retrain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlu import evaluate
from nlu import model as model_io
from nlu.dataset import TrainingData
from nlu.embedded import EmbeddedParser
from nlu.factory import build_parser
from nlu.settings import NluSettings
from nlu.types import FALLBACK_INTENT, INTENTS, ParseResult

# Measured 0.96 on the held-out split (docs/BENCHMARKS.md); the floor leaves room for
# data edits without letting a real regression through.
HELDOUT_ACCURACY_FLOOR = 0.90
HELDOUT_MACRO_F1_FLOOR = 0.85

ROBUSTNESS = [
    "",
    " ",
    "😀😀😀",
    "🙏",
    "👍",
    "x" * 5000,
    "बिजली " * 1000,
    "1234567890",
    "0",
    "१२३४५६७८९",
    "मेरा balance कितना hai bhai?",
    "?!?!",
    "\x00\x01\u200d\ufffd",
    "a",
    "ﷺ ñ 中文 русский",
]


@pytest.mark.parametrize("text", ROBUSTNESS)
def test_never_raises_and_returns_sane_result(parser: EmbeddedParser, text: str) -> None:
    result = parser.parse(text)
    assert isinstance(result, ParseResult)
    assert result.text == text
    assert result.intent.name in (*INTENTS, FALLBACK_INTENT)
    assert 0.0 <= result.intent.confidence <= 1.0
    assert result.language in ("hi", "hi-Latn", "en")
    for e in result.entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start : e.end] == e.text
    json.dumps(result.to_dict(), ensure_ascii=False)


def test_empty_and_emoji_only_are_fallback(parser: EmbeddedParser) -> None:
    assert parser.parse("").intent.name == FALLBACK_INTENT
    assert parser.parse("😀🔥").intent.name == FALLBACK_INTENT


def test_long_message_is_fast_enough(parser: EmbeddedParser) -> None:
    import time

    started = time.perf_counter()
    parser.parse("meter tez chal raha hai " * 500)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("mera balans kitna h", "check_balance"),
        ("मेरा बैलेंस कितना है", "check_balance"),
        ("what is my balance", "check_balance"),
        ("hiiii", "greet"),
        ("namaste ji", "greet"),
        ("thanks ji", "thanks"),
        ("dhanyawad", "thanks"),
        ("STOP", "opt_out"),
        ("recharge kaise karein", "recharge_help"),
        ("bijli nahi aa rahi complaint karna hai", "file_complaint"),
        ("app install nahi ho raha", "app_install_help"),
        ("haan", "affirm"),
        ("nahi", "deny"),
    ],
)
def test_common_messages(parser: EmbeddedParser, text: str, intent: str) -> None:
    assert parser.parse(text).intent.name == intent


def test_result_json_shape(parser: EmbeddedParser) -> None:
    doc = parser.parse("CA 123456789 ka balance batao").to_dict()
    assert set(doc) == {"text", "intent", "intent_ranking", "entities", "language"}
    assert set(doc["intent"]) == {"name", "confidence"}
    assert doc["intent_ranking"][0] == doc["intent"]
    assert doc["entities"][0]["entity"] == "ca_number"
    assert doc["entities"][0]["value"] == "123456789"
    assert {"entity", "value", "start", "end"} <= set(doc["entities"][0])


def test_threshold_gives_fallback(trained_model: model_io.NluModel) -> None:
    strict = EmbeddedParser.from_model(trained_model, threshold=1.01)
    result = strict.parse("mera balance kitna hai")
    assert result.intent.name == FALLBACK_INTENT
    assert result.intent_ranking[1].name == "check_balance"


def test_heldout_accuracy_floor(parser: EmbeddedParser, heldout_data: TrainingData) -> None:
    report = evaluate.evaluate(parser, heldout_data.examples)
    assert report["accuracy"] >= HELDOUT_ACCURACY_FLOOR, evaluate.format_table(report)
    assert report["macro avg"]["f1-score"] >= HELDOUT_MACRO_F1_FLOOR


def test_report_shape(parser: EmbeddedParser, heldout_data: TrainingData) -> None:
    report = evaluate.evaluate(parser, heldout_data.examples[:40])
    assert {"accuracy", "macro avg", "weighted avg", "errors"} <= set(report)
    some_intent = heldout_data.examples[0].intent
    assert set(report[some_intent]) == {"precision", "recall", "f1-score", "support"}
    for err in report["errors"]:
        assert set(err) == {"text", "expected", "predicted", "confidence"}


def test_parser_trains_lazily_and_retrains_when_data_changes(
    tiny_data_dir: Path, tmp_path: Path
) -> None:
    model_path = tmp_path / "model" / "m.joblib"
    parser = EmbeddedParser(model_path, tiny_data_dir, threshold=0.0)
    assert not model_path.exists()  # nothing happens before the first parse
    assert parser.parse("mera balance kitna hai").intent.name == "check_balance"
    first = model_io.load(model_path)
    assert first is not None
    assert first.data_hash == model_io.data_hash(tiny_data_dir)

    mtime = model_path.stat().st_mtime_ns
    EmbeddedParser(model_path, tiny_data_dir, threshold=0.0).parse("hello")
    assert model_path.stat().st_mtime_ns == mtime  # same data: loaded, not retrained

    extra = tiny_data_dir / "nlu" / "more.yml"
    extra.write_text(
        'version: "3.1"\nnlu:\n- intent: goodbye\n  examples: |\n'
        + "".join(f"    - {t}\n" for t in ["bye", "alvida", "अलविदा", "see you", "tata", "bye ji"]),
        encoding="utf-8",
    )
    retrained = EmbeddedParser(model_path, tiny_data_dir, threshold=0.0)
    assert retrained.parse("alvida").intent.name == "goodbye"
    second = model_io.load(model_path)
    assert second is not None and second.data_hash != first.data_hash
    assert "goodbye" in second.classifier.classes


def test_no_retrain_when_disabled(tiny_data_dir: Path, tmp_path: Path) -> None:
    model_path = tmp_path / "m.joblib"
    EmbeddedParser(model_path, tiny_data_dir, threshold=0.0).parse("hi")
    (tiny_data_dir / "nlu" / "tiny.yml").write_text(
        (tiny_data_dir / "nlu" / "tiny.yml").read_text() + "    - dummy edit\n"
    )
    mtime = model_path.stat().st_mtime_ns
    EmbeddedParser(model_path, tiny_data_dir, threshold=0.0, auto_retrain=False).parse("hi")
    assert model_path.stat().st_mtime_ns == mtime


def test_model_without_data_dir_is_used_as_is(tiny_data_dir: Path, tmp_path: Path) -> None:
    model_path = tmp_path / "m.joblib"
    model_io.save(model_io.train_from_dir(tiny_data_dir), model_path)
    parser = EmbeddedParser(model_path, tmp_path / "missing", threshold=0.0)
    assert parser.parse("hello").intent.name == "greet"


def test_corrupt_model_file_is_retrained(tiny_data_dir: Path, tmp_path: Path) -> None:
    model_path = tmp_path / "m.joblib"
    model_path.write_bytes(b"not a model")
    parser = EmbeddedParser(model_path, tiny_data_dir, threshold=0.0)
    assert parser.parse("hello").intent.name == "greet"
    assert model_io.load(model_path) is not None


def test_build_parser_is_cheap(tmp_path: Path) -> None:
    settings = NluSettings(model_path=tmp_path / "m.joblib")
    parser = build_parser(settings)
    assert isinstance(parser, EmbeddedParser)
    assert not (tmp_path / "m.joblib").exists()


IMPORT_PROBE = """
import sys
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str):
        if args[0].endswith((".yml", ".yaml", ".joblib")):
            opened.append(args[0])
sys.addaudithook(hook)
import nlu, nlu.cli, nlu.factory, nlu.embedded, nlu.rasa_client, nlu.evaluate
import nlu.rasa_export, nlu.langid, nlu.entities, nlu.model
from nlu import NluSettings, build_parser
build_parser(NluSettings.from_env())
print(repr(opened))
"""


def test_importing_reads_no_data_or_model_file(tmp_path: Path) -> None:
    env = {**os.environ, "NLU_MODEL_PATH": str(tmp_path / "model.joblib")}
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert out.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []
