"""WhatsApp and SMS through Twilio: webhook payloads in, TwiML and REST sends out.

The adapter holds a `twilio.rest.Client` and a `RequestValidator`; it does not subclass
them. Signatures are checked against PUBLIC_BASE_URL + path, never the URL the request
arrived on, so they still hold behind a TLS-terminating proxy (which Twilio signed)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from backend.contacts import contacts
from backend.messaging.senders import (
    PermanentSendError,
    RateLimitedError,
    SendResult,
    TransientSendError,
)
from backend.platform.errors import InvalidInput
from bot.channels.text import split_text
from bot.channels.twilio_http import BaseUrlHttpClient
from bot.dialogue.types import SMS, WHATSAPP, Capabilities, InboundMessage, MediaKind
from bot.settings import AppSettings

log = logging.getLogger(__name__)

TwilioKind = Literal["whatsapp", "sms"]
#: Twilio has no interactive buttons in TwiML: options go out as a numbered list.
WHATSAPP_TWILIO = replace(WHATSAPP, buttons=False, max_buttons=0, max_length=1600)
SMS_TWILIO = SMS
MAX_TEXT_CHARS = 3200  # Twilio bodies are at most 1600; more is not a real message
OUTSIDE_WINDOW = 63016  # WhatsApp free-form text outside the 24-hour session
OPTED_OUT = 21610  # the recipient replied STOP (unsubscribed)
STATUS_PATH = "/webhooks/twilio/status"


class BadWebhook(ValueError):
    """A signed payload we cannot use (no sender, no MessageSid): 400, not 500."""


class OutsideWindow(PermanentSendError):
    """63016: free-form WhatsApp outside the 24-hour window; send a template or SMS."""


class RecipientOptedOut(PermanentSendError):
    """21610: the recipient unsubscribed; stop messaging them."""


@dataclass(frozen=True)
class TwilioAccount:
    """The Twilio credentials and client one process shares between WhatsApp and SMS."""

    client: Client
    validator: RequestValidator
    public_base_url: str
    messaging_service_sid: str | None

    @classmethod
    def from_settings(cls, settings: AppSettings) -> TwilioAccount:
        token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token \
            else ""
        client = Client(settings.twilio_account_sid, token,
                        http_client=BaseUrlHttpClient(settings.twilio_api_base_url))
        return cls(client, RequestValidator(token), settings.public_base_url or "",
                   settings.twilio_messaging_service_sid)

    def is_signed(self, path: str, query: str, params: Mapping[str, str],
                  signature: str | None) -> bool:
        if not signature:
            return False
        url = self.public_base_url + path + (f"?{query}" if query else "")
        return bool(self.validator.validate(url, dict(params), signature))


@dataclass(frozen=True)
class TwilioChannel:
    """One Twilio sender (WhatsApp or SMS) on the shared account: parses its webhooks,
    answers in TwiML, sends through the REST API. Its adapter is bot/channels/twilio_adapter.py."""

    name: TwilioKind
    capabilities: Capabilities
    account: TwilioAccount
    from_: str | None

    # --- inbound ---------------------------------------------------------------------
    def inbound(self, form: Mapping[str, str], received_at: datetime) -> InboundMessage:
        sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
        if not sid or len(sid) > 64:
            raise BadWebhook("no MessageSid")
        sender = (form.get("From") or "").strip()
        if self.name == "whatsapp" and not sender.lower().startswith("whatsapp:"):
            raise BadWebhook("WhatsApp sender without the whatsapp: prefix")
        if self.name == "sms" and ":" in sender:
            raise BadWebhook("not an SMS sender")
        try:
            address = contacts.normalise_address(self.name, sender)
        except InvalidInput as exc:
            raise BadWebhook("bad sender") from exc
        text = (form.get("Body") or "")[:MAX_TEXT_CHARS]
        return InboundMessage(channel=self.name, address=address, text=text, message_id=sid,
                              received_at=received_at, media=_media(form),
                              button_payload=(form.get("ButtonPayload") or None),
                              profile_name=(form.get("ProfileName") or None))

    def twiml(self, texts: Sequence[str]) -> str:
        """One <Message> per part; an empty <Response/> answers a duplicate."""
        response = MessagingResponse()
        for text in texts:
            for part in split_text(text, self.capabilities.max_length):
                response.message(part)
        return str(response)

    # --- outbound --------------------------------------------------------------------
    def address(self, e164: str) -> str:
        return f"whatsapp:{e164}" if self.name == "whatsapp" else e164

    def send_text(self, to: str, body: str) -> SendResult:
        return self._create(to, body=body)

    def send_template(self, to: str, content_sid: str, variables: Mapping[str, str]
                      ) -> SendResult:
        return self._create(to, content_sid=content_sid,
                            content_variables=json.dumps(dict(variables), ensure_ascii=False))

    def _create(self, to: str, **content: str) -> SendResult:
        sender: dict[str, str] = (
            {"messaging_service_sid": self.account.messaging_service_sid}
            if self.account.messaging_service_sid else {"from_": self.from_ or ""})
        try:
            message = self.account.client.messages.create(
                to=self.address(to), status_callback=self.account.public_base_url + STATUS_PATH,
                **sender, **content)
        except TwilioRestException as exc:
            raise _classify(exc) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientSendError(f"twilio unreachable: {type(exc).__name__}") from None
        return SendResult(provider_id=message.sid, status=str(message.status or "queued"))


def _classify(exc: TwilioRestException) -> Exception:
    """Twilio's answer -> what the outbox should do. The text names the code only: Twilio
    messages may quote the number."""
    what = f"twilio {exc.status} error {exc.code}"
    if exc.code == OUTSIDE_WINDOW:
        return OutsideWindow(what)
    if exc.code == OPTED_OUT:
        return RecipientOptedOut(what)
    if exc.status == 429:
        return RateLimitedError(what)
    if exc.status >= 500:
        return TransientSendError(what)
    return PermanentSendError(what)


def _media(form: Mapping[str, str]) -> MediaKind | None:
    if form.get("Latitude") and form.get("Longitude"):
        return "location"
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        count = 0
    if count <= 0:
        return None
    kind = (form.get("MediaContentType0") or "").lower()
    if kind == "image/webp":
        return "sticker"  # WhatsApp stickers arrive as WebP images
    for prefix, media in (("audio/", "audio"), ("image/", "image"), ("video/", "video")):
        if kind.startswith(prefix):
            return media  # type: ignore[return-value]
    return "document" if kind.startswith(("application/", "text/")) else "other"
