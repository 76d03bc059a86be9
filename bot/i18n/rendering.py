"""Reply -> text for one language and one channel.

A `Reply` names a catalog key; here it becomes words: parameters are formatted for the
language (money, dates, times, units, numbers), options become buttons or a numbered list,
and SMS text is kept GSM-7 when it can be. A missing translation or parameter never
breaks a conversation: it falls back (language -> English -> the key) and logs a warning
naming only the key, the language and the parameter, never what the user wrote."""

from __future__ import annotations

import logging
import string
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from bot.dialogue.types import Capabilities, Option, Reply
from bot.formatting import (
    KOLKATA,
    Money,
    Units,
    decimal_indian,
    format_day,
    format_moment,
    group_indian,
    rupees,
    units,
)
from bot.i18n.catalog import FALLBACK, Catalogs
from bot.i18n.sms import Encoding, encoding, segments, to_gsm_safe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Msg:
    """A parameter that is itself catalog text, rendered in the same language:
    `Reply(N_("complaint.filed"), {"category": Msg(N_("complaint.category.no_supply"))})`."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedMessage:
    """What a channel sends: text, (label, value) buttons, and the SMS cost of the text."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    segments: int = 0
    encoding: Encoding = "GSM-7"


def normalize_language(language: str) -> str:
    """Accept "hi", "hi-Latn", "hi_Latn", "hi-IN", "en-IN", … -> "hi" | "hi-Latn" | "en"."""
    tag = language.replace("_", "-").lower()
    if tag.startswith("hi"):
        return "hi-Latn" if "latn" in tag.split("-") else "hi"
    return "en"


def option_for_number(options: Sequence[Option], text: str) -> Option | None:
    """The option a typed number picks from a numbered list: "2", " 2 ", "2.", "2)", "२".
    Anything else (or out of range) is None, so the engine treats it as free text."""
    token = text.strip().rstrip(".)").strip()
    if not token or not token.isdecimal() or len(token) > 3:
        return None
    n = int(token)  # int() reads Devanagari (and other Unicode decimal) digits
    return options[n - 1] if 1 <= n <= len(options) else None


class _Params(dict[str, str]):
    """format_map mapping that records missing names and renders them empty."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.missing: list[str] = []

    def __missing__(self, name: str) -> str:
        self.missing.append(name)
        return ""


class Renderer:
    """Renders replies from `Catalogs`. Build one in the composition root with the
    configured `defaults` (e.g. {"helpline": "1912"}); reply params override them.

    Pass identifiers (CA number, complaint id, phone, helpline) as `str`: every `int`
    parameter gets Indian digit grouping (12345 -> "12,345")."""

    def __init__(self, catalogs: Catalogs | None = None, *,
                 defaults: Mapping[str, Any] | None = None, tz: tzinfo = KOLKATA) -> None:
        self.catalogs = catalogs or Catalogs()
        self.defaults = dict(defaults or {})
        self.tz = tz
        self._warned: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()

    # -- text -------------------------------------------------------------------------
    def text(self, key: str, language: str, params: Mapping[str, Any] | None = None, *,
             now: datetime | None = None) -> str:
        """Catalog text for `key` in `language` with `params` substituted."""
        lang = normalize_language(language)
        merged = {**self.defaults, **(params or {})}
        for candidate in dict.fromkeys((lang, FALLBACK)):
            template = self.catalogs.lookup(key, candidate)
            if template is None:
                self._warn("missing", key, candidate)
                continue
            values = _Params({name: self.value(v, lang, now=now) for name, v in merged.items()})
            try:
                out = template.format_map(values)
            except (ValueError, IndexError, KeyError, AttributeError, TypeError):
                self._warn("bad template", key, candidate)
                continue
            for name in values.missing:
                self._warn("missing param", key, candidate, name)
            return out
        return key

    def value(self, v: Any, language: str, *, now: datetime | None = None) -> str:
        """One parameter as text in `language` (already normalized)."""
        if v is None:
            return ""
        if isinstance(v, str):
            return v
        if isinstance(v, Msg):
            return self.text(v.key, language, v.params, now=now)
        if isinstance(v, Money):
            return rupees(v.paise)
        if isinstance(v, Units):
            return units(v.wh, language, exact=v.exact)
        if isinstance(v, bool):
            return self.text("common.yes" if v else "common.no", language)
        if isinstance(v, int):
            return group_indian(v)
        if isinstance(v, Decimal | float):
            return decimal_indian(v)
        if isinstance(v, datetime):  # before date: a datetime is a date
            return format_moment(v, language, now=now, tz=self.tz)
        if isinstance(v, date):
            return format_day(v, language)
        return str(v)

    # -- replies ----------------------------------------------------------------------
    def render(self, reply: Reply, language: str, capabilities: Capabilities, *,
               now: datetime | None = None) -> RenderedMessage:
        """Text, buttons or a numbered list, and SMS cost for one reply on one channel."""
        text = self.text(reply.key, language, reply.params, now=now)
        labels = [self.text(o.label_key, language, o.label_params, now=now)
                  for o in reply.options]
        buttons: tuple[tuple[str, str], ...] = ()
        if labels and capabilities.buttons and len(labels) <= capabilities.max_buttons:
            buttons = tuple((label, o.value) for label, o in zip(labels, reply.options,
                                                                   strict=True))
        elif labels:
            numbered = "\n".join(f"{i}. {label}" for i, label in enumerate(labels, 1))
            gap = "\n" if capabilities.unicode_costly else "\n\n"
            text = f"{text}{gap}{numbered}" if text else numbered
        if capabilities.unicode_costly:
            text = to_gsm_safe(text)
        return RenderedMessage(text=text, buttons=buttons, segments=segments(text),
                               encoding=encoding(text))

    def _warn(self, what: str, *parts: str) -> None:
        """Warn once per (problem, key, language[, param]) per renderer: a missing key
        would otherwise flood the log on every message."""
        marker = (what, *parts)
        with self._lock:
            if marker in self._warned:
                return
            self._warned.add(marker)
        log.warning("i18n: %s: %s", what, " / ".join(parts))


def placeholders(template: str) -> frozenset[str]:
    """Field names a catalog text uses: "{amount} by {when:%d}" -> {"amount", "when"}.
    Positional fields ("{}", "{0}") come back as "" or digits, which tests reject."""
    names: set[str] = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(name.split(".", 1)[0].split("[", 1)[0])
    return frozenset(names)
