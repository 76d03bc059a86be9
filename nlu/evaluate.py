"""Intent evaluation shaped like Rasa's ``intent_report.json``: scikit-learn's
``classification_report(output_dict=True)`` plus an ``errors`` list.

Predictions go through the full parser, so ``nlu_fallback`` (below threshold) counts as a
miss, which is how the assistant behaves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import classification_report
from sklearn.model_selection import StratifiedKFold

from nlu import model as model_io
from nlu.dataset import Example, TrainingData
from nlu.embedded import EmbeddedParser
from nlu.types import IntentScore, Parser

Prediction = tuple[Example, IntentScore]


def predict(parser: Parser, examples: Sequence[Example]) -> list[Prediction]:
    return [(ex, parser.parse(ex.text).intent) for ex in examples]


def report(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """classification_report dict (per intent, accuracy, macro/weighted avg) + errors."""
    truth = [ex.intent for ex, _ in predictions]
    guessed = [score.name for _, score in predictions]
    labels = sorted(set(truth) | set(guessed))
    if not predictions:
        return {"accuracy": 0.0, "errors": []}
    result: dict[str, Any] = classification_report(
        truth, guessed, labels=labels, output_dict=True, zero_division=0
    )
    if "accuracy" not in result:  # sklearn omits it when labels is a strict superset
        result["accuracy"] = float(np.mean([t == g for t, g in zip(truth, guessed, strict=True)]))
    result["errors"] = [
        {
            "text": ex.text,
            "expected": ex.intent,
            "predicted": score.name,
            "confidence": round(score.confidence, 4),
        }
        for ex, score in predictions
        if score.name != ex.intent
    ]
    return result


def evaluate(parser: Parser, examples: Sequence[Example]) -> dict[str, Any]:
    """Report for ``parser`` on ``examples``."""
    return report(predict(parser, examples))


def cross_validate(
    data: TrainingData,
    folds: int,
    threshold: float,
    seed: int = 0,
    on_fold: Callable[[int], None] | None = None,
) -> list[Prediction]:
    """Stratified K-fold: train on K-1 folds, predict the held fold; all predictions."""
    examples = data.examples
    labels = np.array([e.intent for e in examples])
    smallest = min(Counter(labels.tolist()).values())
    if folds < 2 or folds > smallest:
        raise ValueError(f"folds must be between 2 and {smallest} (smallest intent size)")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predictions: list[Prediction] = []
    for k, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        fold_data = TrainingData(
            examples=[examples[i] for i in train_idx],
            synonyms=data.synonyms,
            lookups=data.lookups,
            regexes=data.regexes,
        )
        parser = EmbeddedParser.from_model(model_io.train(fold_data), threshold)
        predictions.extend(predict(parser, [examples[i] for i in test_idx]))
        if on_fold is not None:
            on_fold(k)
    return predictions


def confusions(result: dict[str, Any], top: int = 15) -> list[tuple[str, str, int]]:
    """Most frequent (expected, predicted) pairs among the errors."""
    pairs = Counter((e["expected"], e["predicted"]) for e in result["errors"])
    return [(a, b, n) for (a, b), n in pairs.most_common(top)]


def format_table(result: dict[str, Any]) -> str:
    """A readable per-intent table and the confusion pairs."""
    lines = [f"{'intent':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for name, row in result.items():
        if isinstance(row, dict) and "precision" in row:
            lines.append(
                f"{name:<20} {row['precision']:>9.3f} {row['recall']:>7.3f} "
                f"{row['f1-score']:>6.3f} {int(row['support']):>8d}"
            )
    lines.append(f"\naccuracy: {result.get('accuracy', 0.0):.3f}")
    pairs = confusions(result)
    if pairs:
        lines.append("\nconfusions (expected -> predicted: count):")
        lines.extend(f"  {a} -> {b}: {n}" for a, b, n in pairs)
    return "\n".join(lines)
