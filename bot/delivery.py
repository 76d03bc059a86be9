"""Outbound: an outbox row (message key + params + language) rendered for its channel and
sent through that channel's adapter; and what Twilio's status callbacks mean for us.

WhatsApp rules (DOMAIN.md): free-form text only within 24 h of the contact's last inbound
message; outside it an approved template (Content API), else SMS. SMS only for keys with
a DLT template id (unless SMS_REQUIRE_DLT=0). A 63016 (outside the window) falls back the
same way; a 21610 (unsubscribed) opts the contact out."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts as identity
from backend.engagement.broadcasts.fanout import CONTENT_SID_PARAM as CONTENT_SID
from backend.engagement.broadcasts.fanout import CONTENT_VARIABLES_PARAM as CONTENT_VARIABLES
from backend.messaging.enqueue import enqueue
from backend.messaging.senders import (
    ConsoleSender,
    OutgoingMessage,
    PermanentSendError,
    RoutingSender,
    Sender,
    SendResult,
)
from backend.messaging.status import record_status
from backend.models import Contact, ContactChannel, OutboxMessage
from backend.platform.clock import utcnow
from bot.channels.twilio import OPTED_OUT, OUTSIDE_WINDOW, OutsideWindow, RecipientOptedOut
from bot.dialogue.types import Capabilities, Reply
from bot.formatting import from_outbox
from bot.i18n import Renderer
from bot.settings import AppSettings, TemplateMap

log = logging.getLogger(__name__)

#: An outbox param that forces the template/SMS path (set on a 63016 retry).
TEMPLATE_ONLY = "_template_only"
FAILED = frozenset({"failed", "undelivered"})


class TextChannel(Protocol):
    """What delivery needs of a channel adapter."""

    name: str
    capabilities: Capabilities

    def send_text(self, to: str, body: str) -> SendResult: ...


class TwilioDelivery:
    """Sender for "whatsapp" and "sms" outbox rows (see the module docstring)."""

    def __init__(self, sessions: sessionmaker[Session], renderer: Renderer,
                 templates: TemplateMap, whatsapp: Any | None, sms: Any | None, *,
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
    def _text(self, message: OutgoingMessage, channel: TextChannel) -> str:
        params = from_outbox(message.params)
        return self.renderer.render(Reply(message.message_key, params), message.language,
                                    channel.capabilities, now=self.clock()).text

    def _in_window(self, address: str) -> bool:
        with self.sessions() as session:
            last = session.scalar(select(Contact.last_inbound_at).where(
                Contact.channel == ContactChannel.WHATSAPP, Contact.address == address))
        return last is not None and self.clock() - last < timedelta(hours=24)

    def _opt_out(self, channel: str, address: str) -> None:
        mark_opted_out(self.sessions, channel, address, self.clock())


def mark_opted_out(sessions: sessionmaker[Session], channel: str, address: str,
                   now: datetime) -> bool:
    with sessions.begin() as session:
        contact = identity.get_or_create_contact(session, channel, address, now)
        changed = identity.opt_out(session, contact, now)
    if changed:
        log.info("contact %s opted out by the provider (unsubscribed)", contact.id)
    return changed


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


def build_sender(settings: AppSettings, sessions: sessionmaker[Session],
                 renderer: Renderer | None = None, *, twilio: Mapping[str, Any] | None = None,
                 telegram: Sender | None = None) -> Sender:
    """A RoutingSender over the configured channels; for the rest the HTTP gateway when
    OUTBOX_HTTP_URL is set, else ConsoleSender (everything, when nothing is configured)."""
    from bot.channels.twilio import build_twilio_channels

    renderer = renderer or Renderer()
    channels = dict(twilio) if twilio is not None else build_twilio_channels(settings)
    routes: dict[str, Sender] = {}
    if channels:
        delivery = TwilioDelivery(sessions, renderer, settings.templates(),
                                  channels.get("whatsapp"), channels.get("sms"),
                                  require_dlt=settings.sms_require_dlt)
        routes.update({name: delivery for name in ("whatsapp", "sms")})
    if telegram is None and settings.telegram_bot_token:
        from bot.channels.telegram_sender import TelegramSender

        telegram = TelegramSender.from_settings(settings, renderer, sessions)
    if telegram is not None:
        routes["telegram"] = telegram
    default: Sender = ConsoleSender()
    if settings.outbox_http_url:
        from bot.channels.http_gateway import HttpGatewaySender

        token = settings.outbox_http_token
        default = HttpGatewaySender(settings.outbox_http_url, renderer,
                                    token=token.get_secret_value() if token else None)
    return RoutingSender(routes, default=default)
