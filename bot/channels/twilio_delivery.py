"""Outbox rows to WhatsApp and SMS through Twilio, and what Twilio's status callbacks mean
for us.

WhatsApp rules (docs/ARCHITECTURE.md, "Messaging in India"): free-form text only within
24 h of the contact's last inbound message; outside it an approved template (Content API),
else SMS. SMS only for keys with a DLT template id (unless SMS_REQUIRE_DLT=0). A 63016
(outside the window) falls back the same way; a 21610 (unsubscribed) opts the contact
out."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.engagement.broadcasts.fanout import CONTENT_SID_PARAM as CONTENT_SID
from backend.engagement.broadcasts.fanout import CONTENT_VARIABLES_PARAM as CONTENT_VARIABLES
from backend.messaging.enqueue import enqueue
from backend.messaging.senders import OutgoingMessage, PermanentSendError, SendResult
from backend.messaging.status import record_status
from backend.models import Contact, ContactChannel, OutboxMessage
from backend.platform.clock import utcnow
from bot.channels.optout import mark_opted_out
from bot.channels.text import outgoing_text
from bot.channels.twilio import (
    OPTED_OUT,
    OUTSIDE_WINDOW,
    OutsideWindow,
    RecipientOptedOut,
    TwilioChannel,
)
from bot.formatting import from_outbox
from bot.i18n import Renderer
from bot.settings import TemplateMap

log = logging.getLogger(__name__)

#: An outbox param that forces the template/SMS path (set on a 63016 retry).
TEMPLATE_ONLY = "_template_only"
FAILED = frozenset({"failed", "undelivered"})


class TwilioDelivery:
    """Sender for "whatsapp" and "sms" outbox rows (see the module docstring)."""

    def __init__(self, sessions: sessionmaker[Session], renderer: Renderer,
                 templates: TemplateMap, whatsapp: TwilioChannel | None,
                 sms: TwilioChannel | None, *,
                 require_dlt: bool = True, clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions, self.renderer, self.templates = sessions, renderer, templates
        self.whatsapp, self.sms = whatsapp, sms
        self.require_dlt, self.clock = require_dlt, clock

    def send(self, message: OutgoingMessage) -> SendResult:
        if message.channel == "sms":
            return self._sms(message)
        if message.channel != "whatsapp" or self.whatsapp is None:
            return self._sms(message)
        if (not message.params.get(TEMPLATE_ONLY) and not message.params.get(CONTENT_SID)
                and self._in_window(message.address)):
            try:
                return self.whatsapp.send_text(message.address, self._text(message,
                                                                           self.whatsapp))
            except OutsideWindow:
                log.info("outbox #%s: outside the WhatsApp window, falling back", message.id)
            except RecipientOptedOut:
                self._opt_out("whatsapp", message.address)
                raise
        return self._template_or_sms(message)

    # --- paths ---------------------------------------------------------------------------
    def _template_or_sms(self, message: OutgoingMessage) -> SendResult:
        spec = self.templates.get(message.message_key)
        own_sid = message.params.get(CONTENT_SID)  # a broadcast's own approved template
        if (own_sid or spec.content_sid) and self.whatsapp is not None:
            if own_sid:
                sid, variables = own_sid, json.loads(message.params.get(CONTENT_VARIABLES) or "{}")
            else:
                params = from_outbox(message.params)
                sid = spec.content_sid
                variables = {str(i): self.renderer.value(params.get(name), message.language)
                             for i, name in enumerate(spec.variables, 1)}
            try:
                return self.whatsapp.send_template(message.address, sid, variables)
            except RecipientOptedOut:
                self._opt_out("whatsapp", message.address)
                raise
        return self._sms(message)

    def _sms(self, message: OutgoingMessage) -> SendResult:
        if self.sms is None:
            raise PermanentSendError(f"no SMS channel for {message.message_key} "
                                     "(and no WhatsApp template)")
        if self.require_dlt and not self.templates.get(message.message_key).dlt_template_id:
            raise PermanentSendError(f"no DLT template id for {message.message_key}")
        try:
            return self.sms.send_text(message.address, self._text(message, self.sms))
        except RecipientOptedOut:
            self._opt_out("sms", message.address)
            raise

    # --- helpers -------------------------------------------------------------------------
    def _text(self, message: OutgoingMessage, channel: TwilioChannel) -> str:
        return outgoing_text(self.renderer, message, channel.capabilities, self.clock())

    def _in_window(self, address: str) -> bool:
        """Within the session window (Capabilities.session_window_hours: 24 h) of the
        contact's last inbound message."""
        hours = self.whatsapp.capabilities.session_window_hours if self.whatsapp else None
        with self.sessions() as session:
            last = session.scalar(select(Contact.last_inbound_at).where(
                Contact.channel == ContactChannel.WHATSAPP, Contact.address == address))
        return last is not None and self.clock() - last < timedelta(hours=hours or 24)

    def _opt_out(self, channel: str, address: str) -> None:
        mark_opted_out(self.sessions, channel, address, self.clock())


def handle_status(sessions: sessionmaker[Session], form: Mapping[str, str],
                  now: datetime) -> bool:
    """A Twilio status callback: record it; a 63016 failure is re-queued for the
    template/SMS path, a 21610 opts the contact out. False for an unknown message."""
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip()
    if not sid or not status:
        raise ValueError("MessageSid and MessageStatus are required")
    error = (form.get("ErrorCode") or "").strip() or None
    with sessions.begin() as session:
        known = record_status(session, sid[:64], status, error)
        row = session.scalars(select(OutboxMessage).where(
            OutboxMessage.provider_id == sid[:64])).first() if known else None
        retry = (row is not None and status.lower() in FAILED and error == str(OUTSIDE_WINDOW)
                 and row.channel == "whatsapp" and not (row.params or {}).get(TEMPLATE_ONLY))
        if retry and row is not None:
            enqueue(session, channel=row.channel, address=row.address,
                    message_key=row.message_key, params={**row.params, TEMPLATE_ONLY: True},
                    language=row.language, idempotency_key=f"{row.idempotency_key[:118]}:63016",
                    now=now)
        opted = row is not None and error == str(OPTED_OUT)
        target = (row.channel, row.address) if row is not None else None
    if opted and target is not None:
        mark_opted_out(sessions, *target, now)
    return known
