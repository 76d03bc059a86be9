"""The `nlu` click group through CliRunner: train, parse, test (--json, CV), export-rasa."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlu import model as model_io
from nlu.cli import nlu_group


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("NLU_BACKEND", "RASA_URL", "NLU_MODEL_PATH", "NLU_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def _invoke(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(nlu_group, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_group_name_and_commands() -> None:
    assert nlu_group.name == "nlu"
    assert set(nlu_group.commands) == {"train", "parse", "test", "export-rasa"}


def test_train_then_parse(runner: CliRunner, tiny_data_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.joblib"
    out = _invoke(runner, "train", "--data", str(tiny_data_dir), "--model", str(model))
    assert "trained on 18 examples, 3 intents" in out
    assert model_io.load(model) is not None
    out = _invoke(
        runner, "parse", "CA १२३४५६७८९ ka balans", "--data", str(tiny_data_dir),
        "--model", str(model),
    )
    doc = json.loads(out)
    assert doc["intent"]["name"] == "check_balance"
    assert doc["entities"][0] == {
        "entity": "ca_number", "value": "123456789", "start": 3, "end": 12, "text": "१२३४५६७८९",
    }
    assert doc["language"] == "hi"


def test_parse_uses_env(
    runner: CliRunner, tiny_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NLU_DATA_DIR", str(tiny_data_dir))
    monkeypatch.setenv("NLU_MODEL_PATH", str(tmp_path / "env.joblib"))
    doc = json.loads(_invoke(runner, "parse", "namaste"))
    assert doc["intent"]["name"] == "greet"
    assert (tmp_path / "env.joblib").exists()  # trained on first parse


def test_test_json_report(runner: CliRunner, tiny_data_dir: Path, tmp_path: Path) -> None:
    test_file = tmp_path / "t.yml"
    test_file.write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello ji\n'
        "- intent: check_balance\n  examples: |\n    - balance kitna hai\n",
        encoding="utf-8",
    )
    out = _invoke(
        runner, "test", str(test_file), "--json", "--data", str(tiny_data_dir),
        "--model", str(tmp_path / "m.joblib"),
    )
    report = json.loads(out)
    assert {"accuracy", "macro avg", "weighted avg", "errors", "greet"} <= set(report)
    assert set(report["greet"]) == {"precision", "recall", "f1-score", "support"}
    table = _invoke(
        runner, "test", str(test_file), "--data", str(tiny_data_dir),
        "--model", str(tmp_path / "m.joblib"),
    )
    assert "accuracy:" in table and "greet" in table


def test_cross_validation(runner: CliRunner, tiny_data_dir: Path) -> None:
    out = _invoke(runner, "test", "--cross-validation", "3", "--json", "--data", str(tiny_data_dir))
    report = json.loads(out)
    assert report["macro avg"]["support"] == 18


def test_test_needs_file_without_cv(runner: CliRunner) -> None:
    result = runner.invoke(nlu_group, ["test"])
    assert result.exit_code != 0
    assert "FILE is required" in result.output


def test_export_rasa(runner: CliRunner, tiny_data_dir: Path, tmp_path: Path) -> None:
    out = _invoke(runner, "export-rasa", str(tmp_path / "rasa"), "--data", str(tiny_data_dir))
    assert "config.yml" in out
    assert (tmp_path / "rasa" / "data" / "nlu.yml").exists()
