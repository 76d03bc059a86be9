"""`POST /webhooks/telegram`: the secret token first (403 otherwise), then the update.

An update is acknowledged (200) only once it is durably handled: the turn ran and its
replies were queued in the outbox in the same transaction (or the update is one we
ignore). Any failure before that answers 500, so Telegram delivers it again; the failed
turn rolled back its dedupe claim, so the retry is answered, and a redelivery of an update
already handled is answered once (engine dedupe). The queued replies are then sent at once
from here; what fails is retried by the outbox worker, never lost with the request."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

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
        update = decode_update(body, channel.parse)
        if update is None:  # malformed: dropped (200), else Telegram resends it forever
            return Response(status_code=200)
        try:
            ids = await run_in_threadpool(channel.handle, update)
        except Exception as exc:  # noqa: BLE001 - not recorded: Telegram must retry
            log.warning("telegram update %s not handled (%s); answered 500 for a retry",
                        update.update_id, type(exc).__name__)
            return Response(status_code=500)
        await run_in_threadpool(channel.deliver, update, ids)
        return Response(status_code=200)

    app.include_router(router)
