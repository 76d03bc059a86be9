"""Several catalog lines as one message: a WhatsApp user should get one balance message,
not five. Built from the renderer's nested `Msg` parameters and one catalog key,
"common.lines" ("{head}\\n{tail}"), so each line stays its own translatable key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.dialogue.types import Option, Reply
from bot.i18n import N_, Msg

LINES = N_("common.lines")


def _join(msgs: list[Msg]) -> Msg:
    if len(msgs) == 1:
        return msgs[0]
    return Msg(LINES, {"head": msgs[0], "tail": _join(msgs[1:])})


def compose(msgs: Iterable[Msg | None], options: tuple[Option, ...] = (), *,
            urgent: bool = False) -> Reply:
    """One reply whose text is the given lines in order (None entries are skipped)."""
    present = [m for m in msgs if m is not None]
    if not present:
        raise ValueError("compose needs at least one line")
    first = _join(present)
    return Reply(first.key, dict(first.params), options, urgent)


def reply_keys(reply: Reply) -> list[str]:
    """Every catalog key in a reply, nested lines included (for tests and logs)."""
    keys = [reply.key]

    def walk(params: Any) -> None:  # noqa: ANN401 - any parameter value
        for value in dict(params).values():
            if isinstance(value, Msg):
                keys.append(value.key)
                walk(value.params)

    walk(reply.params)
    return [k for k in keys if k != LINES]
