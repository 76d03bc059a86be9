"""The assistant as channels use it: engine + renderer. Built once per process by the
composition root (`bot.composition`, `Components.assistant`).

`sahayak chat`, the webhooks, Telegram, the web chat and benchmarks all go through
`Assistant.respond`, so the engine and the renderer are wired the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backend.platform.clock import utcnow
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.types import Capabilities, InboundMessage, Language, Reply
from bot.i18n import RenderedMessage, Renderer


@dataclass(frozen=True)
class Answer:
    """The engine's replies, their rendering for one channel, and the language used."""

    replies: list[Reply]
    rendered: list[RenderedMessage]
    language: Language


@dataclass
class Assistant:
    engine: DialogueEngine
    renderer: Renderer
    clock: Callable[[], datetime] = utcnow

    def respond(self, message: InboundMessage, capabilities: Capabilities, *,
                queue: Callable[[Session, Answer], None] | None = None) -> Answer:
        """Blocking (database, NLU): call it from a thread, not on an event loop. `queue`
        gets the answer in the turn's transaction (not for a duplicate), to put its
        replies in the outbox: they then exist if and only if the turn committed."""
        rendered: list[RenderedMessage] = []

        def render(replies: list[Reply], language: Language) -> list[str]:
            # Rendered once, inside the turn, so the conversation log holds what was sent.
            now = self.clock()
            rendered[:] = [self.renderer.render(r, language, capabilities, now=now)
                           for r in replies]
            return [logged_text(m) for m in rendered]

        def after(session: Session, replies: list[Reply], language: Language) -> None:
            if queue is not None:
                if len(rendered) != len(replies):
                    render(replies, language)
                queue(session, Answer(replies, list(rendered), language))

        replies, language = self.engine.handle_with_language(
            message, render=render, after=after if queue is not None else None)
        if len(rendered) != len(replies):  # a duplicate: nothing was rendered or logged
            render(replies, language)
        return Answer(replies, rendered, language)


def logged_text(message: RenderedMessage) -> str:
    """A rendered reply as the conversation log keeps it: the text, then its buttons."""
    if not message.buttons:
        return message.text
    return message.text + "\n" + " | ".join(f"[{label}]" for label, _ in message.buttons)
