"""The conversation log: what each contact wrote and what we answered, written in the
transaction that handles the message (so a rolled-back turn leaves no rows and a
provider's retry, answered then, is logged once).

One batched INSERT per turn: the inbound row, then one row per reply. Outbox messages
(alerts, OTP codes, staff replies) are logged when the outbox sends them
(backend/messaging/sent_log.py), since only then is it known that they went out.

Privacy: a one-time code never reaches the log. A 4-8 digit code typed while the OTP step
is open (or while a code sent for the contact is live) is blanked here (`redact_code`), and
the code inside an OTP message is blanked by the outbox's logger. Reading is by contact
and time (`for_contact`); the table is also indexed by time alone for analytics."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backend.models import ConversationLog, LogDirection

_DIGIT = re.compile(r"\d")
MIN_CODE, MAX_CODE = 4, 8
MASK = "*"
_TEXT_LIMIT = 4096  # one message; longer texts are cut (nothing a channel sends is longer)
_LIMITS = {"message_id": 128, "intent": 64, "language": 8, "reply_key": 64}
#: Built once and executed with a list of rows: compiled once and cached (a `.values(rows)`
#: statement is compiled again on every turn), sent as one executemany (psycopg 3 pipelines
#: it in one round trip; SQLite steps one prepared statement).
_INSERT = insert(ConversationLog)


def looks_like_code(text: str | None) -> bool:
    """4-8 digits in all, possibly spaced ("123 456"), as the link flow reads a code."""
    return MIN_CODE <= len(_DIGIT.findall(text or "")) <= MAX_CODE


def redact_code(text: str) -> str:
    """`text` with its digits blanked if they make a one-time code; anything else (a
    12-digit CA number, "1") is kept as typed."""
    return _DIGIT.sub(MASK, text) if looks_like_code(text) else text


@dataclass(frozen=True)
class Inbound:
    """One message the contact wrote, as the NLU read it."""

    text: str | None
    message_id: str | None
    intent: str | None
    confidence: float | None
    language: str | None


@dataclass(frozen=True)
class Outbound:
    """One reply: its catalog key and, when the caller rendered it, the text sent."""

    key: str
    text: str | None = None


def record_turn(session: Session, *, contact_id: int, channel: str, now: datetime,
                inbound: Inbound, replies: Sequence[Outbound], reply_language: str,
                during_handoff: bool = False, code_expected: bool = False) -> None:
    """Log one inbound message and its replies in one statement, in the caller's
    transaction. `code_expected`: the OTP step was open, so a code in the text is
    blanked. `during_handoff`: a person had the conversation when it was written."""
    text = inbound.text
    if text is not None and code_expected:
        text = redact_code(text)
    common = {"contact_id": contact_id, "channel": channel, "address": None,
              "created_at": now, "outbox_id": None, "during_handoff": during_handoff}
    rows = [{**common, "direction": LogDirection.IN, "text": _cut(text),
             "message_id": _fit("message_id", inbound.message_id),
             "intent": _fit("intent", inbound.intent), "confidence": inbound.confidence,
             "language": _fit("language", inbound.language), "reply_key": None}]
    rows += [{**common, "direction": LogDirection.OUT, "text": _cut(reply.text),
              "message_id": None, "intent": None, "confidence": None,
              "language": _fit("language", reply_language),
              "reply_key": _fit("reply_key", reply.key)} for reply in replies]
    session.connection().execute(_INSERT, rows)


@dataclass(frozen=True)
class LogEntry:
    """One logged message, as staff tools and the CLI read it."""

    created_at: datetime
    direction: str
    text: str | None
    intent: str | None
    confidence: float | None
    language: str | None
    reply_key: str | None
    during_handoff: bool
    outbox_id: int | None


def for_contact(session: Session, contact_id: int, *, since: datetime | None = None,
                limit: int = 100) -> list[LogEntry]:
    """The contact's latest `limit` messages (after `since`, if given), oldest first."""
    log = ConversationLog
    stmt = select(log.created_at, log.direction, log.text, log.intent, log.confidence,
                  log.language, log.reply_key, log.during_handoff, log.outbox_id,
                  ).where(log.contact_id == contact_id)
    if since is not None:
        stmt = stmt.where(log.created_at > since)
    rows = session.execute(stmt.order_by(log.created_at.desc(), log.id.desc()).limit(limit))
    return [LogEntry(r.created_at, str(r.direction), r.text, r.intent, r.confidence,
                     r.language, r.reply_key, bool(r.during_handoff), r.outbox_id)
            for r in rows][::-1]


def _cut(text: str | None) -> str | None:
    return text[:_TEXT_LIMIT] if text is not None else None


def _fit(name: str, value: str | None) -> str | None:
    return value[:_LIMITS[name]] if value is not None else None
