"""Outbox messages into the conversation log (backend/contacts/log.py) once sent: alerts,
OTP codes, complaint updates and staff replies appear in a contact's history next to the
dialogue, and only if they really went out.

Written by `outcomes.record` in the transaction that marks the batch sent, as one
executemany INSERT ... SELECT: each row is copied from its outbox row only while that row
is still this attempt's (status sent, same attempt count), so a lost lease logs nothing
twice. The contact is found by (channel, address); a message to an address with no
contact (an SMS alert to a registered mobile that never wrote) keeps the address instead.
A secret parameter (the OTP's `code`) is blanked from the text before it is stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from backend.messaging.senders import OutgoingMessage

#: A parameter marking a row whose text its cause already logged (a dialogue reply sent
#: through the outbox, logged by the turn): not logged a second time when sent.
LOGGED_PARAM = "logged"
#: Parameters whose value must never be stored or logged (a one-time code).
SECRET_PARAMS = frozenset({"code"})
MASK = "*"
_TEXT_LIMIT = 4096

_LOG_SENT = text("""
    INSERT INTO conversation_log (contact_id, channel, address, direction, created_at, text,
                                  language, reply_key, outbox_id, during_handoff)
    SELECT c.id, o.channel, CASE WHEN c.id IS NULL THEN o.address END, 'out', o.sent_at,
           :log_text, o.language, o.message_key, o.id,
           CASE WHEN c.handoff_at IS NULL THEN :no ELSE :yes END
    FROM outbox o LEFT JOIN contacts c ON c.channel = o.channel AND c.address = o.address
    WHERE o.id = :log_id AND o.status = 'sent' AND o.attempts = :log_attempt""").bindparams(
    bindparam("no", value=False), bindparam("yes", value=True))


def redacted(body: str | None, params: Mapping[str, Any]) -> str | None:
    """`body` with every secret parameter's value blanked."""
    if body is None:
        return None
    for name in SECRET_PARAMS:
        value = params.get(name)
        if value is not None and len(str(value)) >= 3:
            body = body.replace(str(value), MASK * len(str(value)))
    return body[:_TEXT_LIMIT]


def log_sent(connection: Connection, sent: Sequence[tuple[OutgoingMessage, str | None]]) -> None:
    """Log each sent message (with the text its sender rendered, if it said) in one
    executemany; call it after the sent rows were updated, in the same transaction."""
    sent = [(m, body) for m, body in sent if not m.params.get(LOGGED_PARAM)]
    if not sent:
        return
    connection.execute(_LOG_SENT, [
        {"log_id": m.id, "log_attempt": m.attempt, "log_text": redacted(body, m.params),
         "no": False, "yes": True} for m, body in sent])
