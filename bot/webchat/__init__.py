"""Web chat at `/chat`: talk to the assistant as a demo consumer (or any number) in a
WhatsApp-, SMS- or Telegram-like view, for demos and staff training.

It impersonates whoever is typed, so it is served only with `WEB_CHAT_ENABLED=1` and
`APP_ENV=demo` (both set by `make run`); in production it is refused. Plain HTML and a
little vanilla JavaScript served from the package: no CDN, no framework."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from importlib.resources import files
from typing import Literal

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.models import Consumer
from backend.platform.clock import utcnow
from backend.services import Backend
from bot.dialogue.types import SMS, TELEGRAM, WHATSAPP, InboundMessage
from bot.wiring import Assistant

CAPABILITIES = {"whatsapp": WHATSAPP, "sms": SMS, "telegram": TELEGRAM}
DEMO_CONSUMERS = 20


class ChatIn(BaseModel):
    channel: Literal["whatsapp", "sms", "telegram"] = "whatsapp"
    address: str = Field(min_length=3, max_length=32, pattern=r"^[+0-9A-Za-z_-]+$")
    text: str = Field(default="", max_length=1000)
    button: str | None = Field(default=None, max_length=100)


def install_webchat(app: FastAPI, backend: Backend, assistant: Callable[[], Assistant]) -> None:
    """Routes `/chat` (the page), `/chat/consumers` and `/chat/send` (JSON). `assistant`
    gives the composition root's (built, with its NLU model, on the first message)."""

    @app.get("/chat", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return files("bot.webchat").joinpath("chat.html").read_text(encoding="utf-8")

    @app.get("/chat/consumers", include_in_schema=False)
    def consumers() -> list[dict]:
        with backend.sessions() as s:
            rows = s.execute(select(Consumer.ca_number, Consumer.name, Consumer.mobile_e164)
                             .order_by(Consumer.id).limit(DEMO_CONSUMERS)).all()
        return [{"ca": r.ca_number, "name": r.name, "mobile": r.mobile_e164} for r in rows]

    @app.post("/chat/send", include_in_schema=False)
    async def send(body: ChatIn) -> dict:
        message = InboundMessage(channel=body.channel, address=body.address, text=body.text,
                                 message_id=f"web-{uuid.uuid4().hex}", received_at=utcnow(),
                                 button_payload=body.button or None)
        answer = await run_in_threadpool(
            lambda: assistant().respond(message, CAPABILITIES[body.channel]))
        return {"language": answer.language, "replies": [
            {"text": r.text, "buttons": [{"label": label, "value": value}
                                         for label, value in r.buttons],
             "segments": r.segments, "encoding": r.encoding} for r in answer.rendered]}
