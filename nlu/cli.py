"""``sahayak nlu ...``: train, parse, test and export-rasa (mounted by bot/cli).

Each command imports what it needs when it runs, so mounting this group (and so
``sahayak --help``) costs no scikit-learn or SciPy; only ``nlu test`` imports the
evaluation code (scikit-learn metrics)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from nlu.settings import NluSettings


def _settings(model_path: Path | None, data_dir: Path | None) -> NluSettings:
    base = NluSettings.from_env()
    changes: dict[str, object] = {}
    if model_path is not None:
        changes["model_path"] = model_path
    if data_dir is not None:
        changes["data_dir"] = data_dir
    return NluSettings(**{**_asdict(base), **changes})  # type: ignore[arg-type]


def _asdict(settings: NluSettings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in settings.__slots__}


_model_opt = click.option(
    "--model", "model_path", type=click.Path(path_type=Path), default=None,
    help="Model file (default: $NLU_MODEL_PATH or var/nlu/model.joblib).",
)
_data_opt = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path, exists=True), default=None,
    help="Training data directory (default: $NLU_DATA_DIR or the package's nlu/data).",
)


@click.group("nlu")
def nlu_group() -> None:
    """Understand messages: intents, entities, language."""


@nlu_group.command("train")
@_model_opt
@_data_opt
def train_cmd(model_path: Path | None, data_dir: Path | None) -> None:
    """Train the embedded model from the YAML data and save it."""
    from nlu import model as model_io

    settings = _settings(model_path, data_dir)
    trained = model_io.train_from_dir(settings.data_dir)
    model_io.save(trained, settings.model_path)
    intents = len(trained.classifier.classes)
    click.echo(
        f"trained on {trained.n_examples} examples, {intents} intents, "
        f"in {trained.train_seconds:.2f}s -> {settings.model_path}"
    )


@nlu_group.command("parse")
@click.argument("text")
@_model_opt
@_data_opt
def parse_cmd(text: str, model_path: Path | None, data_dir: Path | None) -> None:
    """Print the parse of TEXT as JSON."""
    from nlu.factory import build_parser

    parser = build_parser(_settings(model_path, data_dir))
    click.echo(json.dumps(parser.parse(text).to_dict(), ensure_ascii=False, indent=2))


@nlu_group.command("test")
@click.argument("file", type=click.Path(path_type=Path, exists=True), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--cross-validation", "folds", type=int, default=None,
    help="Stratified K-fold cross-validation on the training data instead.",
)
@_model_opt
@_data_opt
def test_cmd(
    file: Path | None,
    as_json: bool,
    folds: int | None,
    model_path: Path | None,
    data_dir: Path | None,
) -> None:
    """Evaluate intents on FILE (a Rasa NLU .yml file or directory)."""
    from nlu import dataset, evaluate
    from nlu.embedded import EmbeddedParser

    settings = _settings(model_path, data_dir)
    if folds is not None:
        data = dataset.load(file or settings.data_dir)
        started = time.perf_counter()
        preds = evaluate.cross_validate(data, folds, settings.confidence_threshold)
        result = evaluate.report(preds)
        if not as_json:
            click.echo(f"{folds}-fold cross-validation ({time.perf_counter() - started:.1f}s)")
    else:
        if file is None:
            raise click.UsageError("FILE is required unless --cross-validation is given")
        parser = EmbeddedParser(
            settings.model_path, settings.data_dir, settings.confidence_threshold,
            settings.auto_retrain,
        )
        result = evaluate.evaluate(parser, dataset.load(file).examples)
    if as_json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        click.echo()
    else:
        click.echo(evaluate.format_table(result))


@nlu_group.command("export-rasa")
@click.argument("out_dir", type=click.Path(path_type=Path))
@_data_opt
def export_rasa_cmd(out_dir: Path, data_dir: Path | None) -> None:
    """Write a Rasa 3.x project (config.yml, domain.yml, data/nlu.yml) to OUT_DIR."""
    from nlu import dataset
    from nlu.rasa_export import export

    settings = _settings(None, data_dir)
    data = dataset.load(settings.data_dir)
    for path in export(data, out_dir, settings.confidence_threshold):
        click.echo(f"wrote {path}")
