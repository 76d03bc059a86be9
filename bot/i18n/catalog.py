"""Catalog loading: one `.po` per language, read with Babel at first use and cached.

Reading the `.po` directly (not a compiled `.mo`) means a fresh clone works with no build
step and a flows author sees an edit on the next process start. Nothing is read at import."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("hi", "hi-Latn", "en")
FALLBACK = "en"
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


def locale_dir_name(language: str) -> str:
    """BCP 47 tag -> gettext directory: "hi-Latn" -> "hi_Latn"."""
    return language.replace("-", "_")


def po_path(language: str, root: Path = LOCALES_DIR) -> Path:
    return root / locale_dir_name(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_messages(path: Path) -> dict[str, str]:
    """key -> text for every translated entry (empty msgstr = untranslated, left out)."""
    with path.open("rb") as f:
        catalog = read_po(f, domain=DOMAIN)
    out: dict[str, str] = {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue  # the header, or a plural entry (not used: keys are plain)
        if isinstance(message.string, str) and message.string:
            out[message.id] = message.string
    return out


class Catalogs:
    """Lazily loaded, cached, thread-safe `language -> {key: text}`.

    A missing or unreadable catalog logs once and acts empty, so a conversation falls
    back to English (then the key) instead of failing."""

    def __init__(self, root: Path = LOCALES_DIR) -> None:
        self.root = Path(root)
        self._cache: dict[str, Mapping[str, str]] = {}
        self._lock = threading.Lock()

    def messages(self, language: str) -> Mapping[str, str]:
        cached = self._cache.get(language)
        if cached is not None:
            return cached
        with self._lock:
            if language not in self._cache:
                self._cache[language] = self._load(language)
            return self._cache[language]

    def _load(self, language: str) -> Mapping[str, str]:
        path = po_path(language, self.root)
        try:
            return read_messages(path)
        except Exception as exc:  # missing file, bad encoding, a .po Babel cannot parse
            log.warning("i18n: catalog %s unavailable (%s)", path, type(exc).__name__)
            return {}

    def lookup(self, key: str, language: str) -> str | None:
        """The text for `key`, or None when this language lacks it."""
        return self.messages(language).get(key)

    def clear(self) -> None:
        """Forget loaded catalogs (tests; a reload after editing the .po files)."""
        with self._lock:
            self._cache.clear()
