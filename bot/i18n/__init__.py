"""Catalogs, rendering and SMS awareness for replies.

Flows mark catalog keys with `N_` so `pybabel extract -k N_` (``make i18n``) finds them;
the text lives in ``locales/<lang>/LC_MESSAGES/messages.po`` with msgid = key."""

from __future__ import annotations


def N_(key: str) -> str:  # noqa: N802 - the gettext marker name extractors look for
    """Mark a catalog key for extraction; returns it unchanged (no lookup here)."""
    return key


__all__ = ["N_"]
