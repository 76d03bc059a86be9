"""NLU figures for docs/BENCHMARKS.md: intent accuracy and macro-F1 (held-out split and
5-fold cross-validation, per script), entity and language-ID accuracy, parse latency,
training time and model size.

    .venv/bin/python benchmarks/nlu.py [--folds 5] [--parses 5000]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import f1_score  # noqa: E402

from nlu import dataset, evaluate  # noqa: E402
from nlu import model as model_io  # noqa: E402
from nlu.embedded import EmbeddedParser  # noqa: E402
from nlu.langid import detect_language  # noqa: E402
from nlu.settings import DEFAULT_DATA_DIR, DEFAULT_THRESHOLD  # noqa: E402
from tests.nlu.test_langid import TABLE as LANGID_TABLE  # noqa: E402

HELDOUT = ROOT / "tests" / "nlu" / "data" / "heldout"
SCRIPTS = ("hi", "hi-Latn", "en")


def scores(preds: Sequence[evaluate.Prediction]) -> tuple[float, float, int]:
    truth = [ex.intent for ex, _ in preds]
    guess = [p.name for _, p in preds]
    if not truth:
        return 0.0, 0.0, 0
    acc = sum(t == g for t, g in zip(truth, guess, strict=True)) / len(truth)
    labels = sorted(set(truth))
    macro = f1_score(truth, guess, labels=labels, average="macro", zero_division=0)
    return acc, float(macro), len(truth)


def by_script(preds: Sequence[evaluate.Prediction]) -> dict[str, tuple[float, float, int]]:
    out = {"all": scores(preds)}
    for s in SCRIPTS:
        out[s] = scores([p for p in preds if detect_language(p[0].text) == s])
    return out


def entity_scores(parser: EmbeddedParser, examples: Sequence[dataset.Example]) -> str:
    """Precision/recall of (entity, canonical value) pairs against the annotations."""
    tp = fp = fn = 0
    for ex in examples:
        gold = {(a.entity, a.value) for a in ex.entities}
        found = {(e.entity, e.value) for e in parser.parse(ex.text).entities}
        tp += len(gold & found)
        fp += len(found - gold)
        fn += len(gold - found)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return f"precision {p:.3f}, recall {r:.3f} ({tp + fn} annotated)"


def latency(parser: EmbeddedParser, texts: Sequence[str], n: int) -> tuple[float, float]:
    for t in texts[:200]:
        parser.parse(t)
    samples: list[float] = []
    for i in range(n):
        text = texts[i % len(texts)]
        started = time.perf_counter_ns()
        parser.parse(text)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def threshold_table(preds: Sequence[evaluate.Prediction]) -> list[str]:
    """For candidate thresholds: share of right answers kept, share of wrong ones caught."""
    rows = ["| threshold | correct kept | errors caught |", "|---|---|---|"]
    right = [p.confidence for ex, p in preds if p.name == ex.intent]
    wrong = [p.confidence for ex, p in preds if p.name != ex.intent]
    for t in (0.2, 0.3, 0.35, 0.4, 0.5, 0.6):
        kept = sum(c >= t for c in right) / max(1, len(right))
        caught = sum(c < t for c in wrong) / max(1, len(wrong))
        rows.append(f"| {t:.2f} | {kept:.3f} | {caught:.3f} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--parses", type=int, default=5000)
    args = ap.parse_args()

    train = dataset.load(DEFAULT_DATA_DIR)
    heldout = dataset.load(HELDOUT)

    started = time.perf_counter()
    trained = model_io.train(train, model_io.data_hash(DEFAULT_DATA_DIR))
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.joblib"
        model_io.save(trained, path)
        size_kb = path.stat().st_size / 1024
        started = time.perf_counter()
        model_io.load(path)
        load_s = time.perf_counter() - started

    parser = EmbeddedParser.from_model(trained, DEFAULT_THRESHOLD)
    # Threshold off for the raw classifier numbers; on for what the assistant does.
    raw = EmbeddedParser.from_model(trained, 0.0)
    held = by_script(evaluate.predict(parser, heldout.examples))
    held_raw = by_script(evaluate.predict(raw, heldout.examples))
    cv_preds_raw = evaluate.cross_validate(train, args.folds, threshold=0.0)
    cv_raw = by_script(cv_preds_raw)
    cv = by_script(
        [
            (ex, p if p.confidence >= DEFAULT_THRESHOLD else p.__class__("nlu_fallback", 0.0))
            for ex, p in cv_preds_raw
        ]
    )
    lang_ok = sum(detect_language(t) == want for t, want in LANGID_TABLE)
    texts = [e.text for e in heldout.examples + train.examples]
    p50, p99 = latency(parser, texts, args.parses)
    long_p50, _ = latency(parser, ["meter tez chal raha hai bhai " * 200], 50)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(f"data: {len(train.examples)} training examples, {len(heldout.examples)} held-out, "
          f"{len(train.intents)} intents; threshold {DEFAULT_THRESHOLD}\n")
    print("| split | script | n | accuracy | macro-F1 | accuracy (no threshold) |")
    print("|---|---|---|---|---|---|")
    splits = (("held-out", held, held_raw), (f"{args.folds}-fold CV", cv, cv_raw))
    for name, with_t, without in splits:
        for script in ("all", *SCRIPTS):
            acc, f1, n = with_t[script]
            print(f"| {name} | {script} | {n} | {acc:.3f} | {f1:.3f} | {without[script][0]:.3f} |")
    print()
    print(f"- language ID: {lang_ok}/{len(LANGID_TABLE)} = {lang_ok / len(LANGID_TABLE):.3f} "
          "on the labelled table (tests/nlu/test_langid.py)")
    print(f"- entities on held-out annotations: {entity_scores(parser, heldout.examples)}")
    print(f"- entities on training annotations: {entity_scores(parser, train.examples)}")
    print(f"- parse latency ({args.parses} parses of {len(texts)} varied texts): "
          f"p50 {p50:.3f} ms, p99 {p99:.3f} ms; a 6,000-character message: {long_p50:.2f} ms")
    print(f"- training: {train_s:.2f} s; model file {size_kb:.0f} KiB; load {load_s * 1000:.0f} ms")
    print("\nconfidence threshold on CV predictions:\n")
    print("\n".join(threshold_table(cv_preds_raw)))


if __name__ == "__main__":
    main()
