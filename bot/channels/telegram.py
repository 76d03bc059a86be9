"""Telegram through python-telegram-bot's types: our own webhook route (or a polling
loop, for development) parses each update and turns messages, shared contacts and button
taps into `InboundMessage`s; the replies go through the outbox
(bot/channels/telegram_replies.py). Nothing is built or contacted on import.

Edited messages are ignored, group chats too (account data is private). The engine
dedupes by update_id, and a failed turn rolls its claim back, so a retry is answered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session
from telegram import Bot, Message, Update
from telegram.constants import ChatType

from backend.platform.clock import utcnow
from bot.channels.telegram_replies import CALLBACK_DATA_MAX, ReplyDelivery, queue_replies
from bot.dialogue.types import TELEGRAM, Capabilities, InboundMessage, MediaKind
from bot.settings import AppSettings
from bot.wiring import Answer, Assistant

log = logging.getLogger(__name__)

CAPABILITIES: Capabilities = TELEGRAM
ALLOWED_UPDATES = ["message", "callback_query"]
#: Stops a tapped button's spinner (best effort: never raises).
AnswerCallback = Callable[[str], None]
MENU_COMMANDS = frozenset({"/menu", "/help"})
#: Passed on as is: the engine answers it with a welcome (bot/dialogue/engine.py).
START_COMMAND = "/start"


def telegram_address(chat_id: int) -> str:
    return str(chat_id)


def own_phone(raw: str) -> str:
    """Telegram gives "919876543210" or "+919876543210"; identity wants a leading +."""
    raw = raw.strip()
    return raw if raw.startswith("+") else f"+{raw}"


def inbound_from_message(update: Update, message: Message) -> InboundMessage:
    text = message.text or message.caption or ""
    command = text.split("@")[0].split(" ")[0].lower()
    if command in MENU_COMMANDS:
        text = "menu"
    elif command == START_COMMAND:  # "/start", "/start@bot", "/start <deep-link payload>"
        text = START_COMMAND
    shared = own = None
    if message.contact is not None:
        shared = own_phone(message.contact.phone_number)
        own = (message.from_user is not None
               and message.contact.user_id == message.from_user.id)
    user = message.from_user
    return InboundMessage(
        channel="telegram", address=telegram_address(message.chat_id), text=text,
        message_id=str(update.update_id), received_at=utcnow(), media=_media(message),
        shared_phone=shared, shared_phone_is_own=bool(own),
        profile_name=user.full_name if user is not None else None)


def _media(message: Message) -> MediaKind | None:
    if message.contact is not None or message.text:
        return None
    checks: Sequence[tuple[Any, MediaKind]] = (
        (message.voice or message.audio, "audio"), (message.photo, "image"),
        (message.sticker, "sticker"), (message.video or message.video_note
                                       or message.animation, "video"),
        (message.location or message.venue, "location"), (message.document, "document"))
    for present, kind in checks:
        if present:
            return kind
    return "other"


class TelegramChannel:
    """Turns updates into turns of the assistant whose replies are queued in the outbox
    in the turn's transaction (bot/channels/telegram_replies.py), then sent at once.

    `handle` is the durable part: when it returns, the update was answered (replies
    queued) or deliberately ignored; when it raises, nothing of it was kept (the engine's
    dedupe claim rolled back too), so the update may be handled again. The webhook
    acknowledges only after `handle` returned; `poll` advances its offset the same way."""

    name = "telegram"
    capabilities = CAPABILITIES

    def __init__(self, assistant: Assistant, delivery: ReplyDelivery,
                 webhook_secret: str | None, *, answer_callback: AnswerCallback | None = None
                 ) -> None:
        self.assistant = assistant
        self.delivery = delivery
        self.webhook_secret = webhook_secret
        self.answer_callback = answer_callback

    @staticmethod
    def parse(data: dict[str, Any]) -> Update:
        """The Update in a webhook's JSON, checked to make a turn (or none); KeyError,
        TypeError, ValueError or AttributeError if malformed, so it is refused (400)
        rather than failing in `handle` (500, which Telegram would retry)."""
        update = Update.de_json(data, None)
        inbound_from_update(update)
        return update

    def handle(self, update: Update) -> list[int]:
        """Blocking (database, NLU): answer one update; the ids of its queued replies."""
        turn = inbound_from_update(update)
        if turn is None:
            return []
        inbound, chat_id = turn
        ids: list[int] = []

        def queue(session: Session, answer: Answer) -> None:
            ids[:] = queue_replies(session, update_id=update.update_id, chat_id=chat_id,
                                   answer=answer, text=self.assistant.renderer.text,
                                   contact_shared=inbound.shared_phone is not None,
                                   now=self.assistant.clock())

        self.assistant.respond(inbound, self.capabilities, queue=queue)
        return ids

    def deliver(self, update: Update, ids: list[int]) -> None:
        """Blocking, best effort: stop a tapped button's spinner, send the queued replies
        (what fails is left to the outbox worker)."""
        query = update.callback_query
        if query is not None and self.answer_callback is not None:
            self.answer_callback(query.id)
        self.delivery.send(ids)

    async def poll(self, bot: Bot, *, timeout_s: int = 30, backoff_max_s: float = 60.0,
                   stop: Callable[[], bool] = lambda: False,
                   sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        """Long polling (`sahayak telegram poll`), as safe as the webhook: the offset moves
        past an update only once `handle` returned, so an update whose handling failed
        (database down) is handled again after a backoff, never dropped. Runs until
        `stop()` says so (checked between rounds)."""
        await bot.initialize()
        await bot.delete_webhook()
        offset: int | None = None
        errors = 0
        while not stop():
            try:
                updates = await bot.get_updates(offset=offset, timeout=timeout_s,
                                                allowed_updates=ALLOWED_UPDATES)
                for update in updates:
                    ids = await asyncio.to_thread(self.handle, update)
                    offset = update.update_id + 1
                    await asyncio.to_thread(self.deliver, update, ids)
                errors = 0
            except Exception as exc:  # noqa: BLE001 - network or database: back off, retry
                errors += 1
                delay = min(backoff_max_s, 2.0 ** min(errors, 10))
                log.warning("telegram poll: %s, retrying in %.0fs", type(exc).__name__, delay)
                await sleep(delay)


def inbound_from_update(update: Update) -> tuple[InboundMessage, int] | None:
    """The turn an update asks for and its chat, or None: not for the assistant (edited
    messages, group chats, channel posts, a button without data)."""
    message = update.message
    if message is not None:
        if message.chat.type != ChatType.PRIVATE:
            return None
        return inbound_from_message(update, message), _chat_id(message.chat_id)
    query = update.callback_query
    if query is None:
        return None
    chat = query.message.chat if query.message is not None else None
    if chat is None or chat.type != ChatType.PRIVATE or not query.data:
        return None
    return InboundMessage(
        channel="telegram", address=telegram_address(chat.id), text="",
        message_id=str(update.update_id), received_at=utcnow(),
        button_payload=query.data[:CALLBACK_DATA_MAX],
        profile_name=query.from_user.full_name if query.from_user else None), _chat_id(chat.id)


def _chat_id(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("chat id is not an integer")
    return value


def telegram_bot(settings: AppSettings) -> Bot:
    """A Bot for the token and Bot API base URL in the settings (not yet initialised)."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token \
        else ""
    base = settings.telegram_api_base_url or "https://api.telegram.org"
    return Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
