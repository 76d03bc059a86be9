"""`POST /webhooks/telegram`: the secret token first (403 otherwise), then the update.

The update is processed before answering, so a failure is not acknowledged as done;
Telegram's redelivery of an update_id already handled is answered once (engine dedupe)."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from telegram import Update

from bot.channels.http import read_body
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_guard import decode_update

log = logging.getLogger(__name__)
SECRET_HEADER = "x-telegram-bot-api-secret-token"
WEBHOOK_PATH = "/webhooks/telegram"


def install_telegram_routes(app: FastAPI, channel: TelegramChannel, limit: int) -> None:
    router = APIRouter(include_in_schema=False)
    secret = (channel.webhook_secret or "").encode()

    @router.post(WEBHOOK_PATH, name="telegram_webhook")
    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            log.info("telegram webhook: bad or missing secret token, refused")
            raise HTTPException(403, "invalid secret token")
        body = await read_body(request, limit)
        if not channel.ready:
            raise HTTPException(503, "telegram not started")
        bot = channel.application.bot
        update = decode_update(body, lambda data: Update.de_json(data, bot))
        if update is not None:  # a malformed update is dropped (200), else Telegram resends it
            await channel.application.process_update(update)
        return Response(status_code=200)

    app.include_router(router)
