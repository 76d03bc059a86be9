"""Text helpers every channel shares: an outbox message rendered for a channel, and long
texts split at the channel's length limit. Neutral ground, so no adapter imports another."""

from __future__ import annotations

from datetime import datetime

from backend.messaging.senders import OutgoingMessage
from bot.dialogue.types import Capabilities, Reply
from bot.formatting import from_outbox
from bot.i18n import Renderer


def outgoing_text(renderer: Renderer, message: OutgoingMessage, capabilities: Capabilities,
                  now: datetime) -> str:
    """An outbox row's text in its language, rendered for a channel's capabilities."""
    return renderer.render(Reply(message.message_key, from_outbox(message.params)),
                           message.language, capabilities, now=now).text


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters, cut at line ends (else spaces) where possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts
