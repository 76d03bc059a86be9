"""Telegram through python-telegram-bot: an `Application` built with `updater(None)` is
fed updates by our own webhook route (or polls, for development), and its handlers turn
messages, shared contacts and button taps into `InboundMessage`s.

The adapter holds the Application; nothing is built or contacted on import, and the
Application is initialised/started in the ASGI lifespan. Edited messages are ignored (no
handler), group chats too (account data is private). The engine dedupes by update_id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from backend.platform.clock import utcnow
from bot.channels.text import split_text
from bot.dialogue.compose import reply_keys
from bot.dialogue.types import TELEGRAM, Capabilities, InboundMessage, MediaKind
from bot.i18n import N_, RenderedMessage
from bot.settings import AppSettings
from bot.wiring import Answer, Assistant

log = logging.getLogger(__name__)

CAPABILITIES: Capabilities = TELEGRAM
#: Replies after which a "share my phone number" keyboard is offered (linking).
SHARE_PHONE_AFTER = frozenset({"account.need_link", "link.ask_ca", "link.ask_ca_more",
                               "welcome.start"})
MENU_COMMANDS = frozenset({"/menu", "/help"})
#: Passed on as is: the engine answers it with a welcome (bot/dialogue/engine.py).
START_COMMAND = "/start"
MAX_RETRY_AFTER_S = 30.0
CALLBACK_DATA_MAX = 64  # Telegram's limit on callback_data, in bytes


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


def keyboard(rendered: RenderedMessage) -> InlineKeyboardMarkup | None:
    buttons = [[InlineKeyboardButton(label, callback_data=value)]
               for label, value in rendered.buttons
               if len(value.encode()) <= CALLBACK_DATA_MAX]
    return InlineKeyboardMarkup(buttons) if buttons else None


class TelegramChannel:
    """Holds the PTB `Application` and the assistant; `process(json)` for the webhook."""

    name = "telegram"
    capabilities = CAPABILITIES

    def __init__(self, application: Application, assistant: Assistant,
                 webhook_secret: str | None) -> None:
        self.application = application
        self.assistant = assistant
        self.webhook_secret = webhook_secret
        self.ready = False
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        application.add_handler(CallbackQueryHandler(self.on_callback))

    @classmethod
    def from_settings(cls, settings: AppSettings, assistant: Assistant, *,
                      webhook: bool = True) -> TelegramChannel:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        builder = configure_builder(Application.builder(), settings)
        if webhook:
            builder = builder.updater(None)
        secret = (settings.telegram_webhook_secret.get_secret_value()
                  if settings.telegram_webhook_secret else None)
        return cls(builder.build(), assistant, secret)

    # --- lifecycle (ASGI lifespan) -------------------------------------------------------
    async def start(self) -> None:
        """Initialise (getMe) and start; if Telegram is unreachable the rest of the app
        still serves, and the webhook answers 503 so Telegram retries later."""
        try:
            await self.application.initialize()
            await self.application.start()
        except Exception as exc:  # noqa: BLE001 - any network/auth failure
            log.warning("telegram: could not start (%s); webhook answers 503",
                        type(exc).__name__)
            return
        self.ready = True

    async def stop(self) -> None:
        if self.ready:
            self.ready = False
            await self.application.stop()
            await self.application.shutdown()

    async def process(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.application.bot)
        await self.application.process_update(update)

    # --- handlers ------------------------------------------------------------------------
    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return
        inbound = inbound_from_message(update, message)
        answer = await asyncio.to_thread(self.assistant.respond, inbound, self.capabilities)
        await self.reply(message.chat_id, answer, contact_shared=inbound.shared_phone is not None)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await self._call(query.answer)  # stop the button's spinner first
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != ChatType.PRIVATE or not query.data:
            return
        inbound = InboundMessage(
            channel="telegram", address=telegram_address(chat.id), text="",
            message_id=str(update.update_id), received_at=utcnow(),
            button_payload=query.data[:CALLBACK_DATA_MAX],
            profile_name=query.from_user.full_name if query.from_user else None)
        answer = await asyncio.to_thread(self.assistant.respond, inbound, self.capabilities)
        await self.reply(chat.id, answer)

    async def reply(self, chat_id: int, answer: Answer, *, contact_shared: bool = False) -> None:
        bot = self.application.bot
        for index, rendered in enumerate(answer.rendered):
            parts = split_text(rendered.text, self.capabilities.max_length)
            for n, part in enumerate(parts):
                markup: Any = keyboard(rendered) if n == len(parts) - 1 else None
                if markup is None and contact_shared and index == 0 and n == 0:
                    markup = ReplyKeyboardRemove()
                await self._call(bot.send_message, chat_id, part, reply_markup=markup)
        if any(SHARE_PHONE_AFTER.intersection(reply_keys(r)) for r in answer.replies):
            render = self.assistant.renderer.text
            button = KeyboardButton(render(N_("telegram.share_phone"), answer.language),
                                    request_contact=True)
            await self._call(bot.send_message, chat_id,
                             render(N_("telegram.share_phone_hint"), answer.language),
                             reply_markup=ReplyKeyboardMarkup([[button]], resize_keyboard=True,
                                                              one_time_keyboard=True))

    @staticmethod
    async def _call(method: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        """Call the Bot API, waiting out flood control (RetryAfter) a few times. With
        AIORateLimiter installed most of the waiting happens before the request."""
        for _ in range(3):
            try:
                return await method(*args, **kwargs)
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else delay
                await asyncio.sleep(min(float(seconds), MAX_RETRY_AFTER_S))
        return await method(*args, **kwargs)


def configure_builder(builder: ApplicationBuilder, settings: AppSettings) -> ApplicationBuilder:
    """Token, Bot API base URL and the flood-limit rate limiter, shared by the webhook
    Application and the polling one."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token \
        else ""
    builder = builder.token(token)
    if settings.telegram_api_base_url:
        builder = builder.base_url(f"{settings.telegram_api_base_url}/bot") \
            .base_file_url(f"{settings.telegram_api_base_url}/file/bot")
    limiter = rate_limiter()
    if limiter is not None:
        builder = builder.rate_limiter(limiter)
    return builder


def rate_limiter() -> Any:  # noqa: ANN401 - AIORateLimiter, if its extra is installed
    """~30 messages/s overall and 20/min per group (Telegram's limits); None without the
    `python-telegram-bot[rate-limiter]` extra (then `_call` still backs off on RetryAfter)."""
    try:
        from telegram.ext import AIORateLimiter

        return AIORateLimiter(max_retries=2)
    except (ImportError, RuntimeError):
        log.info("telegram: AIORateLimiter unavailable (install python-telegram-bot"
                 "[rate-limiter]); backing off on RetryAfter only")
        return None

