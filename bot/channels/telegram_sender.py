"""Outbox messages to Telegram chats from the (synchronous, threaded) outbox worker.

python-telegram-bot is asyncio-only, so the sender owns one event loop in a daemon thread
and hands it each send; the worker thread waits for the result. Flood control and network
trouble are transient (the outbox backs off); a bot blocked by the user opts the contact
out; other Bot API refusals are permanent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot
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
from bot.channels.telegram import CAPABILITIES
from bot.channels.text import outgoing_text, split_text
from bot.i18n import Renderer
from bot.settings import AppSettings

SEND_TIMEOUT_S = 30.0


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
        token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token \
            else ""
        base = settings.telegram_api_base_url
        bot = Bot(token, base_url=f"{base}/bot" if base else "https://api.telegram.org/bot",
                  base_file_url=f"{base}/file/bot" if base
                  else "https://api.telegram.org/file/bot")
        return cls(bot, renderer, sessions)

    def send(self, message: OutgoingMessage) -> SendResult:
        text = outgoing_text(self.renderer, message, CAPABILITIES, self.clock())
        future = asyncio.run_coroutine_threadsafe(self._send(message.address, text), self._loop)
        try:
            return future.result(timeout=SEND_TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            raise TransientSendError("telegram send timed out") from None

    async def _send(self, chat_id: str, text: str) -> SendResult:
        try:
            if not self._initialized:
                await self.bot.initialize()
                self._initialized = True
            sent = None
            for part in split_text(text, CAPABILITIES.max_length):
                sent = await self.bot.send_message(int(chat_id), part)
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
                          status="sent")

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
