"""The in-process parser: normalise, classify, extract entities, identify language.

Nothing happens at construction; the model file is loaded (and retrained if missing or
stale) on the first ``parse``, under a lock so concurrent first messages train once.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from nlu import model as model_io
from nlu.date_questions import usage_if_dated
from nlu.entities import EntityExtractor
from nlu.langid import detect_language
from nlu.normalize import normalize
from nlu.types import FALLBACK_INTENT, IntentScore, ParseResult

log = logging.getLogger(__name__)

#: Longer messages are cut before parsing: bounded latency, and nothing past this matters.
MAX_CHARS = 1000
RANKING_SIZE = 10


class EmbeddedParser:
    """scikit-learn model trained from Rasa-format YAML; see module docstring."""

    def __init__(
        self,
        model_path: Path,
        data_dir: Path | None,
        threshold: float,
        auto_retrain: bool = True,
    ) -> None:
        self.model_path = Path(model_path)
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.threshold = threshold
        self.auto_retrain = auto_retrain
        self._model: model_io.NluModel | None = None
        self._extractor: EntityExtractor | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_model(cls, model: model_io.NluModel, threshold: float) -> EmbeddedParser:
        """A parser around an already trained model (evaluation, tests)."""
        parser = cls(Path(""), None, threshold, auto_retrain=False)
        parser._set(model)
        return parser

    @property
    def model(self) -> model_io.NluModel:
        """The loaded model; loads, and trains if needed, on first access."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._set(self._load_or_train())
        assert self._model is not None
        return self._model

    def _set(self, model: model_io.NluModel) -> None:
        self._extractor = EntityExtractor(model.gazetteer)
        self._model = model

    def _load_or_train(self) -> model_io.NluModel:
        existing = model_io.load(self.model_path)
        data_ok = self.data_dir is not None and self.data_dir.exists()
        if not data_ok:
            if existing is None:
                raise FileNotFoundError(
                    f"no NLU model at {self.model_path} and no training data at {self.data_dir}"
                )
            return existing
        assert self.data_dir is not None
        current = model_io.data_hash(self.data_dir)
        if existing is not None and (existing.data_hash == current or not self.auto_retrain):
            return existing
        log.info("NLU model %s: training", "stale" if existing else "missing")
        trained = model_io.train_from_dir(self.data_dir)
        model_io.save(trained, self.model_path)
        log.info(
            "NLU model trained on %d examples in %.1fs", trained.n_examples, trained.train_seconds
        )
        return trained

    def parse(self, text: str) -> ParseResult:
        """Intent, entities and language of one message; never raises on odd input."""
        text = text if isinstance(text, str) else str(text or "")
        model = self.model
        clipped = text[:MAX_CHARS]
        norm = normalize(clipped)
        language = detect_language(clipped)
        if not norm.text.strip():
            fallback = IntentScore(FALLBACK_INTENT, 1.0)
            return ParseResult(text, fallback, [fallback], [], language)
        ranking = model.classifier.rank(norm.text, normalized=True)[:RANKING_SIZE]
        top = ranking[0]
        intent = top
        if top.confidence < self.threshold:
            intent = IntentScore(FALLBACK_INTENT, self.threshold)
            ranking = [intent, *ranking]
        assert self._extractor is not None
        entities = self._extractor.extract(clipped, norm)
        return usage_if_dated(ParseResult(text, intent, ranking, entities, language))
