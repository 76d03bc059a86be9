"""Build the configured parser; called once by the composition root, never at import."""

from __future__ import annotations

from nlu.embedded import EmbeddedParser
from nlu.rasa_client import RasaParser
from nlu.settings import NluSettings
from nlu.types import Parser


def build_embedded(settings: NluSettings) -> EmbeddedParser:
    return EmbeddedParser(
        model_path=settings.model_path,
        data_dir=settings.data_dir,
        threshold=settings.confidence_threshold,
        auto_retrain=settings.auto_retrain,
    )


def build_parser(settings: NluSettings) -> Parser:
    """The parser for ``settings.backend``; Rasa always wraps an embedded fallback."""
    embedded = build_embedded(settings)
    if settings.backend == "rasa":
        if not settings.rasa_url:
            raise ValueError("NLU_BACKEND=rasa needs RASA_URL")
        return RasaParser(
            settings.rasa_url,
            fallback=embedded,
            timeout_s=settings.rasa_timeout_s,
            threshold=settings.confidence_threshold,
            retry_after_s=settings.rasa_retry_after_s,
        )
    return embedded
