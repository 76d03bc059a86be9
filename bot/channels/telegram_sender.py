"""Outbox messages to Telegram chats from the (synchronous, threaded) outbox worker.

python-telegram-bot is asyncio-only, so the sender owns one event loop in a daemon thread
and hands it each send; the worker thread waits for the result. Flood control and network
trouble are transient (the outbox backs off); a bot blocked by the user opts the contact
out; other Bot API refusals are permanent. A dialogue reply (`telegram.reply`) carries its
rendered text and keyboard; other rows are rendered from their catalog key."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from backend.messaging.senders import (
    OutgoingMessage,
    PermanentSendError,
    RateLimitedError,
    SendResult,
    TransientSendError,
)
from backend.platform.clock import utcnow
from bot.channels.optout import mark_opted_out
from bot.channels.telegram import CAPABILITIES, telegram_bot
from bot.channels.telegram_replies import REPLY_KEY
from bot.channels.text import outgoing_text, split_text
from bot.i18n import Renderer
from bot.settings import AppSettings

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 30.0
CALLBACK_TIMEOUT_S = 5.0


class TelegramSender:
    def __init__(self, bot: Bot, renderer: Renderer, sessions: sessionmaker[Session], *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.bot, self.renderer, self.sessions, self.clock = bot, renderer, sessions, clock
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="telegram-sender")
        self._thread.start()
        self._initialized = False

    @classmethod
    def from_settings(cls, settings: AppSettings, renderer: Renderer,
                      sessions: sessionmaker[Session]) -> TelegramSender:
        return cls(telegram_bot(settings), renderer, sessions)

    def send(self, message: OutgoingMessage) -> SendResult:
        markup = None
        if message.message_key == REPLY_KEY:
            text = str(message.params.get("text") or "")
            markup = reply_markup(message.params.get("reply_markup"))
        else:
            text = outgoing_text(self.renderer, message, CAPABILITIES, self.clock())
        future = asyncio.run_coroutine_threadsafe(self._send(message.address, text, markup),
                                                  self._loop)
        try:
            return future.result(timeout=SEND_TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            raise TransientSendError("telegram send timed out") from None

    def answer_callback(self, query_id: str) -> None:
        """Stop a tapped button's spinner; best effort (it only matters for seconds)."""
        future = asyncio.run_coroutine_threadsafe(self._answer(query_id), self._loop)
        try:
            future.result(timeout=CALLBACK_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - cosmetic: the reply still goes out
            future.cancel()
            log.debug("telegram: answerCallbackQuery failed (%s)", type(exc).__name__)

    async def _answer(self, query_id: str) -> None:
        await self._initialize()
        await self.bot.answer_callback_query(query_id)

    async def _initialize(self) -> None:
        if not self._initialized:
            await self.bot.initialize()
            self._initialized = True

    async def _send(self, chat_id: str, text: str, markup: TelegramObject | None = None
                    ) -> SendResult:
        try:
            await self._initialize()
            sent = None
            parts = split_text(text, CAPABILITIES.max_length)
            for n, part in enumerate(parts):
                sent = await self.bot.send_message(
                    int(chat_id), part, reply_markup=markup if n == len(parts) - 1 else None)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            raise RateLimitedError(f"telegram flood control: retry after {seconds:.0f}s",
                                   retry_after_s=seconds) from None
        except Forbidden:
            await asyncio.to_thread(mark_opted_out, self.sessions, "telegram", chat_id,
                                    self.clock())
            raise PermanentSendError("telegram: the user blocked the bot") from None
        except BadRequest as exc:
            raise PermanentSendError(f"telegram bad request: {exc.message[:80]}") from None
        except NetworkError as exc:
            raise TransientSendError(f"telegram network error: {type(exc).__name__}") from None
        except TelegramError as exc:
            raise PermanentSendError(f"telegram error: {type(exc).__name__}") from None
        except ValueError:
            raise PermanentSendError("telegram: chat id is not a number") from None
        return SendResult(provider_id=f"tg-{chat_id}-{sent.message_id if sent else 0}",
                          status="sent", text=text)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


def reply_markup(data: object) -> TelegramObject | None:
    """A keyboard stored as Bot API JSON in a reply row, back as its PTB object."""
    if not isinstance(data, dict):
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove.de_json(data, None)
    return None
