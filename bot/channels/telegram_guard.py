"""The Telegram webhook's parsing guard: a body that passed the secret check but is not a
usable update (not JSON, nested too deep, wrong types, missing fields) is dropped, not
failed. Telegram resends anything not answered 2xx, so a 400 or 500 for a poison update
would bring it back again and again; it is answered 200 and logged once at WARNING,
without the body (it may hold a phone number or a message)."""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Bot, Update

log = logging.getLogger(__name__)
MAX_UPDATE_ID = 2**63 - 1


def decode_update(body: bytes, bot: Bot) -> dict[str, Any] | None:
    """The update as a dict that python-telegram-bot can read, or None (logged) if not."""
    data, reason = _read(body, bot)
    if reason is not None:
        log.warning("telegram webhook: malformed update dropped (%s, %d bytes)", reason,
                    len(body))
        return None
    return data


def _read(body: bytes, bot: Bot) -> tuple[Any, str | None]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None, "not JSON"
    except RecursionError:
        return None, "JSON nested too deep"
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        return None, "no update_id"
    try:
        Update.de_json(data, bot)
    except RecursionError:
        return None, "nested too deep"
    except Exception as exc:  # noqa: BLE001 - any shape python-telegram-bot cannot read
        return None, f"unreadable: {type(exc).__name__}"
    return data, None
