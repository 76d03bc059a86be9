"""Catalogs, rendering and SMS awareness for replies.

Flows mark catalog keys with `N_` so `pybabel extract -k N_` (``make i18n``) finds them;
the text lives in ``locales/<lang>/LC_MESSAGES/messages.po`` with msgid = key. Nothing is
loaded at import: catalogs are read at first use and cached."""

from __future__ import annotations


def N_(key: str) -> str:  # noqa: N802 - the gettext marker name extractors look for
    """Mark a catalog key for extraction; returns it unchanged (no lookup here)."""
    return key


from bot.formatting import Money, Units  # noqa: E402 - N_ first: flows import only it
from bot.i18n.catalog import LANGUAGES, Catalogs  # noqa: E402
from bot.i18n.rendering import (  # noqa: E402
    Msg,
    RenderedMessage,
    Renderer,
    normalize_language,
    option_for_number,
)
from bot.i18n.sms import encoding, is_gsm7, segments, to_gsm_safe  # noqa: E402

__all__ = [
    "LANGUAGES", "Catalogs", "Money", "Msg", "N_", "RenderedMessage", "Renderer", "Units",
    "encoding", "is_gsm7", "normalize_language", "option_for_number", "segments",
    "to_gsm_safe",
]
