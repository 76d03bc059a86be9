"""Web chat at `/chat`: talk to the assistant in a WhatsApp-, SMS- or Telegram-like view,
for demos and staff training.

It is a channel of its own ("web"): each browser session gets its own web contacts (one
per consumer picked), so it never reads or changes a WhatsApp/SMS/Telegram contact (its
opt-out, language, conversation). In demo mode (`APP_ENV=demo`) picking a demo consumer
links that session's contact to it at once (the demo shortcut, link method "demo"); served
in production (`WEB_CHAT_FORCE=1`) there is no list and no shortcut: account data only
after the normal one-time code. Plain HTML and a little vanilla JavaScript from the
package (`bot/static/chat.js`): no CDN, no inline script."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from importlib.resources import files
from typing import Literal

from fastapi import FastAPI, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from backend.contacts.contacts import get_or_create_contact
from backend.contacts.links import link, select_consumer
from backend.messaging.senders import mask_address
from backend.models import Consumer, ContactChannel, LinkMethod
from backend.platform.clock import utcnow
from backend.services import Backend
from bot.dialogue.types import SMS, TELEGRAM, WHATSAPP, InboundMessage
from bot.wiring import Assistant

CAPABILITIES = {"whatsapp": WHATSAPP, "sms": SMS, "telegram": TELEGRAM}
DEMO_CONSUMERS = 20


class ChatIn(BaseModel):
    view: Literal["whatsapp", "sms", "telegram"] = Field(
        default="whatsapp", description="How replies are shown (buttons, numbered lists).")
    session: str = Field(pattern=r"^[0-9a-f]{16,40}$", description="The browser session.")
    ca: str | None = Field(default=None, pattern=r"^\d{9,12}$",
                           description="The demo consumer picked (demo mode only).")
    text: str = Field(default="", max_length=1000)
    button: str | None = Field(default=None, max_length=100)

    @field_validator("text", "button")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        """PostgreSQL text cannot hold NUL: dropped, so "\x00" is an odd message, not a 500."""
        return value.replace("\x00", "") if value else value

    @property
    def address(self) -> str:
        """The web contact: one per browser session and consumer picked."""
        return f"{self.session}:{self.ca}" if self.ca else self.session


def install_webchat(app: FastAPI, backend: Backend, assistant: Callable[[], Assistant], *,
                    demo: bool) -> None:
    """Routes `/chat` (the page), `/chat/consumers` and `/chat/send` (JSON). `assistant`
    gives the composition root's (built, with its NLU model, on the first message).
    `demo`: list demo consumers (mobiles masked) and link a session to the one picked."""

    @app.get("/chat", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return files("bot.webchat").joinpath("chat.html").read_text(encoding="utf-8")

    @app.get("/chat/consumers", include_in_schema=False)
    def consumers() -> list[dict]:
        if not demo:  # real consumers' names are nobody's business
            return []
        with backend.sessions() as s:
            rows = s.execute(select(Consumer.ca_number, Consumer.name, Consumer.mobile_e164)
                             .order_by(Consumer.id).limit(DEMO_CONSUMERS)).all()
        return [{"ca": r.ca_number, "name": r.name, "mobile": mask_address(r.mobile_e164)}
                for r in rows]

    def link_demo_consumer(body: ChatIn) -> None:
        """The demo shortcut: the session's contact for `body.ca` is linked to it."""
        now = utcnow()
        with backend.sessions.begin() as s:
            consumer = s.execute(select(Consumer.id, Consumer.mobile_e164)
                                 .where(Consumer.ca_number == body.ca)).first()
            if consumer is None:
                return
            contact = get_or_create_contact(s, ContactChannel.WEB, body.address, now)
            link(s, contact, [consumer.id], LinkMethod.DEMO, consumer.mobile_e164, now,
                 refresh=False)
            select_consumer(s, contact, consumer.id)

    def respond(body: ChatIn):  # noqa: ANN202 - the assistant's Answer
        if demo and body.ca:
            link_demo_consumer(body)
        message = InboundMessage(channel=ContactChannel.WEB.value, address=body.address,
                                 text=body.text, message_id=f"web-{uuid.uuid4().hex}",
                                 received_at=utcnow(), button_payload=body.button or None)
        return assistant().respond(message, CAPABILITIES[body.view])

    @app.post("/chat/send", include_in_schema=False)
    async def send(body: ChatIn) -> dict:
        if body.ca and not demo:
            raise HTTPException(422, "no demo consumers outside demo mode")
        answer = await run_in_threadpool(respond, body)
        return {"language": answer.language, "replies": [
            {"text": r.text, "buttons": [{"label": label, "value": value}
                                         for label, value in r.buttons],
             "segments": r.segments, "encoding": r.encoding} for r in answer.rendered]}
