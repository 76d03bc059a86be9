"""A Telegram turn's replies as outbox rows, and sending them at once.

A reply is not sent from the webhook by a direct Bot API call (which fails silently when
Telegram is unreachable, after the update was already acknowledged): each message of the
answer (text part + keyboard) becomes an outbox row in the turn's own transaction, so the
replies exist if and only if the turn (and its dedupe claim) committed. The web process
then sends them at once (backend/messaging/now.py: the latency of a direct call); what
fails there is retried by the outbox worker (`sahayak worker`) with its backoff.

A row's params hold the rendered text and the keyboard as Bot API JSON (rendered once,
inside the turn, as the conversation log holds it; `logged` keeps the sent-log from
logging it again)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from backend.messaging.clock import Clock, SystemClock
from backend.messaging.enqueue import enqueue
from backend.messaging.now import send_now
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import Sender
from backend.messaging.sent_log import LOGGED_PARAM
from bot.channels.text import split_text
from bot.dialogue.compose import reply_keys
from bot.dialogue.types import TELEGRAM
from bot.i18n import N_, RenderedMessage
from bot.wiring import Answer

log = logging.getLogger(__name__)

#: The outbox message key of a dialogue reply: params `text` and `reply_markup`.
REPLY_KEY = "telegram.reply"
#: Replies after which a "share my phone number" keyboard is offered (linking).
SHARE_PHONE_AFTER = frozenset({"account.need_link", "link.ask_ca", "link.ask_ca_more",
                               "welcome.start"})
CALLBACK_DATA_MAX = 64  # Telegram's limit on callback_data, in bytes


def keyboard(rendered: RenderedMessage) -> InlineKeyboardMarkup | None:
    buttons = [[InlineKeyboardButton(label, callback_data=value)]
               for label, value in rendered.buttons
               if len(value.encode()) <= CALLBACK_DATA_MAX]
    return InlineKeyboardMarkup(buttons) if buttons else None


def reply_messages(answer: Answer, text: Callable[[str, str], str], *,
                   contact_shared: bool = False) -> list[dict[str, Any]]:
    """The Bot API messages of an answer, in order: each rendered reply split at
    Telegram's length (its buttons on the last part), the first one removing the
    share-phone keyboard after a contact was shared, then the share-phone offer if a
    reply asks for linking. `text(key, language)` renders a catalog key."""
    messages: list[dict[str, Any]] = []
    for index, rendered in enumerate(answer.rendered):
        parts = split_text(rendered.text, TELEGRAM.max_length)
        for n, part in enumerate(parts):
            markup: Any = keyboard(rendered) if n == len(parts) - 1 else None
            if markup is None and contact_shared and index == 0 and n == 0:
                markup = ReplyKeyboardRemove()
            messages.append({"text": part,
                             "reply_markup": markup.to_dict() if markup else None})
    if any(SHARE_PHONE_AFTER.intersection(reply_keys(r)) for r in answer.replies):
        button = KeyboardButton(text(N_("telegram.share_phone"), answer.language),
                                request_contact=True)
        markup = ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
        messages.append({"text": text(N_("telegram.share_phone_hint"), answer.language),
                         "reply_markup": markup.to_dict()})
    return messages


def queue_replies(session: Session, *, update_id: int, chat_id: int, answer: Answer,
                  text: Callable[[str, str], str], contact_shared: bool = False,
                  now: datetime | None = None) -> list[int]:
    """Enqueue an answer's messages in the caller's transaction; the row ids. Keyed by
    update id, so the same update can never queue its replies twice."""
    ids: list[int] = []
    for n, params in enumerate(reply_messages(answer, text, contact_shared=contact_shared)):
        row = enqueue(session, channel="telegram", address=str(chat_id), message_key=REPLY_KEY,
                      params={**params, LOGGED_PARAM: True}, language=answer.language,
                      idempotency_key=f"telegram:{update_id}:{n}", now=now)
        if row is not None:
            ids.append(row.id)
    return ids


@dataclass
class ReplyDelivery:
    """Sends a turn's queued replies at once from the process that queued them."""

    sessions: sessionmaker[Session]
    sender: Sender
    policy: RetryPolicy = RetryPolicy()
    clock: Clock | None = None

    def send(self, ids: Sequence[int]) -> None:
        """Best effort: a failure leaves the rows to the outbox worker, never raises."""
        if not ids:
            return
        try:
            result = send_now(self.sessions, self.sender, ids, policy=self.policy,
                              clock=self.clock or SystemClock(), worker_id="telegram-reply")
        except Exception as exc:  # noqa: BLE001 - the rows are durable; the worker sends them
            log.warning("telegram: immediate send of %d reply(ies) failed (%s); left to the "
                        "outbox worker", len(ids), type(exc).__name__)
            return
        if result.sent < len(ids):
            log.info("telegram: %d of %d reply(ies) sent at once; the outbox worker retries "
                     "the rest", result.sent, len(ids))
