"""The trained NLU model file: classifier + entity tables + the hash of the data it saw.

The hash covers every data file and the pipeline version, so a parser can tell that its
model is stale (data edited, code changed) and retrain before serving.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import joblib

from nlu import dataset
from nlu.classifier import CLASSIFIER_VERSION, IntentClassifier
from nlu.entities import Gazetteer
from nlu.normalize import NORMALIZER_VERSION

ENTITIES_VERSION = "1"
PIPELINE_VERSION = f"c{CLASSIFIER_VERSION}.n{NORMALIZER_VERSION}.e{ENTITIES_VERSION}"


@dataclass(slots=True)
class NluModel:
    classifier: IntentClassifier
    gazetteer: Gazetteer
    data_hash: str
    pipeline_version: str = PIPELINE_VERSION
    n_examples: int = 0
    train_seconds: float = 0.0


def data_hash(data_path: Path) -> str:
    """Hash of the training data files plus the pipeline version."""
    return dataset.hash_files(Path(data_path), salt=PIPELINE_VERSION)


def train(data: dataset.TrainingData, hash_: str = "") -> NluModel:
    """Fit the classifier and build the entity tables from loaded data."""
    started = time.perf_counter()
    texts = [e.text for e in data.examples]
    intents = [e.intent for e in data.examples]
    classifier = IntentClassifier.train(texts, intents)
    annotated = [
        (a.entity, e.text[a.start : a.end], a.value) for e in data.examples for a in e.entities
    ]
    gazetteer = Gazetteer.build(data.synonyms, annotated)
    return NluModel(
        classifier=classifier,
        gazetteer=gazetteer,
        data_hash=hash_,
        n_examples=len(texts),
        train_seconds=time.perf_counter() - started,
    )


def train_from_dir(data_path: Path) -> NluModel:
    """Load, hash and train from a data directory (or file)."""
    return train(dataset.load(data_path), data_hash(data_path))


def save(model: NluModel, path: Path) -> None:
    """Write atomically (temp file + rename): concurrent readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        joblib.dump(model, tmp, compress=3)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load(path: Path) -> NluModel | None:
    """The model at ``path``, or None if missing, unreadable or from another version."""
    try:
        model = joblib.load(Path(path))
    except (OSError, EOFError, ValueError, AttributeError, ImportError, KeyError, TypeError):
        return None
    except Exception:  # noqa: BLE001 - any unpickling failure means "retrain"
        return None
    if not isinstance(model, NluModel) or model.pipeline_version != PIPELINE_VERSION:
        return None
    return model
