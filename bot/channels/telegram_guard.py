"""The Telegram webhook's parsing guard: a body that passed the secret check but is not a
usable update (not JSON, nested too deep, wrong types, missing fields) is dropped, not
failed. Telegram resends anything not answered 2xx, so a 400 or 500 for a poison update
would bring it back again and again; it is answered 200 and logged once at WARNING,
without the body (it may hold a phone number or a message).

`parse` is the channel's own reading of an update (python-telegram-bot's `Update.de_json`
plus whatever checks the channel makes): anything it raises means "malformed"."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
MAX_UPDATE_ID = 2**63 - 1
T = TypeVar("T")


def decode_update(body: bytes, parse: Callable[[dict[str, Any]], T]) -> T | None:
    """`parse` of the update in `body`, or None (logged once at WARNING) if unreadable."""
    try:
        return _read(body, parse)
    except _Malformed as exc:
        log.warning("telegram webhook: malformed update dropped (%s, %d bytes)", exc,
                    len(body))
        return None


class _Malformed(Exception):
    pass


def _read(body: bytes, parse: Callable[[dict[str, Any]], T]) -> T:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise _Malformed("not JSON") from None
    except RecursionError:
        raise _Malformed("JSON nested too deep") from None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        raise _Malformed("no update_id")
    try:
        return parse(data)
    except RecursionError:
        raise _Malformed("nested too deep") from None
    except Exception as exc:  # noqa: BLE001 - any shape the channel cannot read
        raise _Malformed(f"unreadable: {type(exc).__name__}") from None
