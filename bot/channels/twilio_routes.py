"""Twilio webhooks: inbound WhatsApp/SMS answered with TwiML, and delivery statuses.

Every request is checked first (size, then signature: 403 and nothing processed), then
parsed (400 for a signed payload we cannot use). The engine is synchronous (database,
NLU), so it runs in the threadpool, never on the event loop; it takes milliseconds, well
inside Twilio's 15 s. A Twilio retry of a MessageSid already answered gets an empty
<Response/> (the engine's dedupe), so nothing is said or filed twice."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from backend.platform.clock import utcnow
from backend.platform.errors import DomainError
from backend.platform.text import clean_text
from backend.services import Backend
from bot.channels.http import read_body
from bot.channels.twilio import STATUS_PATH, BadWebhook, TwilioChannel
from bot.channels.twilio_delivery import handle_status
from bot.wiring import Assistant

log = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"
XML = "application/xml"


async def signed_form(request: Request, channel: TwilioChannel, limit: int) -> dict[str, str]:
    """The form fields of a request Twilio signed, or an HTTPException (413/403/400)."""
    body = await read_body(request, limit)
    form: dict[str, str] = {}
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM:
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            form = {}
    signature = request.headers.get("x-twilio-signature")
    if not channel.account.is_signed(request.url.path, request.url.query, form, signature):
        log.info("twilio webhook %s: bad or missing signature, refused", request.url.path)
        raise HTTPException(403, "invalid signature")
    # Signed as sent, stored clean: a NUL in a signed field was a 500 on PostgreSQL.
    return {clean_text(k): clean_text(v) for k, v in form.items()}


def install_inbound_route(app: FastAPI, channel: TwilioChannel, path: str,
                          assistant: Assistant, limit: int) -> None:
    """`POST path` (/webhooks/twilio/<channel>): signed form in, TwiML replies out."""
    router = APIRouter(include_in_schema=False)

    @router.post(path, name=f"twilio_{channel.name}")
    async def inbound(request: Request) -> Response:
        form = await signed_form(request, channel, limit)
        try:
            message = channel.inbound(form, utcnow())
        except BadWebhook as exc:
            raise HTTPException(400, str(exc)) from None
        try:
            answer = await run_in_threadpool(assistant.respond, message, channel.capabilities)
        except DomainError as exc:
            raise HTTPException(400, type(exc).__name__) from None
        log.debug("twilio %s %s: %d replies", channel.name, message.message_id,
                  len(answer.rendered))
        return Response(channel.twiml([r.text for r in answer.rendered]), media_type=XML)

    app.include_router(router)


def install_status_route(app: FastAPI, channel: TwilioChannel, backend: Backend,
                         limit: int) -> None:
    """`POST /webhooks/twilio/status`, signed with the account `channel` shares."""
    router = APIRouter(include_in_schema=False)

    @router.post(STATUS_PATH, name="twilio_status")
    async def status(request: Request) -> Response:
        form = await signed_form(request, channel, limit)
        try:
            known = await run_in_threadpool(handle_status, backend.sessions, form, utcnow())
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        if not known:
            log.info("twilio status for an unknown message, ignored")
        return Response(status_code=204)

    app.include_router(router)
