"""NLU settings, read from the environment by the composition root and passed in explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Backend = Literal["embedded", "rasa"]

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_MODEL_PATH = Path("var/nlu/model.joblib")
DEFAULT_THRESHOLD = 0.35


@dataclass(frozen=True, slots=True)
class NluSettings:
    """How to build the parser.

    backend: ``embedded`` (scikit-learn, in-process) or ``rasa`` (a Rasa server at
    ``rasa_url``, falling back to the embedded model on error).
    """

    backend: Backend = "embedded"
    model_path: Path = DEFAULT_MODEL_PATH
    data_dir: Path = DEFAULT_DATA_DIR
    confidence_threshold: float = DEFAULT_THRESHOLD
    auto_retrain: bool = True
    rasa_url: str | None = None
    rasa_timeout_s: float = 2.0
    rasa_retry_after_s: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NluSettings:
        """Read ``NLU_*``/``RASA_*`` variables; unset ones keep the defaults."""
        env = os.environ if environ is None else environ
        backend = env.get("NLU_BACKEND", "embedded").strip().lower() or "embedded"
        if backend not in ("embedded", "rasa"):
            raise ValueError(f"NLU_BACKEND must be 'embedded' or 'rasa', not {backend!r}")
        return cls(
            backend=backend,  # type: ignore[arg-type]
            model_path=Path(env.get("NLU_MODEL_PATH") or DEFAULT_MODEL_PATH),
            data_dir=Path(env.get("NLU_DATA_DIR") or DEFAULT_DATA_DIR),
            confidence_threshold=float(
                env.get("NLU_CONFIDENCE_THRESHOLD") or DEFAULT_THRESHOLD
            ),
            auto_retrain=_bool(env.get("NLU_AUTO_RETRAIN", "1")),
            rasa_url=(env.get("RASA_URL") or None),
            rasa_timeout_s=float(env.get("RASA_TIMEOUT_S") or 2.0),
            rasa_retry_after_s=float(env.get("RASA_RETRY_AFTER_S") or 30.0),
        )


def _bool(raw: str) -> bool:
    return raw.strip().lower() not in ("0", "false", "no", "off", "")
