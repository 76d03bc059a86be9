"""The engine's contract with channels and with the catalogs.

Channels turn provider payloads into `InboundMessage` and render `Reply` objects with their
`Capabilities`; flows never see a channel, channels never see a flow. A `Reply` carries a
catalog key and parameters, never text: the text is rendered in the contact's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from backend.platform.text import clean_optional, clean_text

#: A channel name: one registered in bot/channels/registry.py, or "web" / "console" (the
#: demo web chat and `sahayak chat`). A plain str, so a new channel needs no edit here.
Channel = str
Language = Literal["hi", "hi-Latn", "en"]
MediaKind = Literal["audio", "image", "video", "sticker", "location", "document", "other"]


@dataclass(frozen=True)
class InboundMessage:
    channel: Channel
    address: str  # E.164 phone for whatsapp/sms, chat id for telegram, session id for web
    text: str
    message_id: str  # provider id (MessageSid, update_id, …): the dedupe key
    received_at: datetime  # aware UTC
    media: MediaKind | None = None  # a non-text message
    shared_phone: str | None = None  # Telegram "share my number": the shared contact's phone
    shared_phone_is_own: bool = False  # the shared contact's user id is the sender's own
    button_payload: str | None = None  # the `value` of an Option the user tapped
    profile_name: str | None = None  # display name the provider gives, if any

    def __post_init__(self) -> None:
        """Every channel's text is cleaned here, at the one door into the engine: NUL and
        other control characters never reach the database (a 500 on PostgreSQL)."""
        for name in ("address", "text", "message_id"):
            object.__setattr__(self, name, clean_text(getattr(self, name)))
        for name in ("shared_phone", "button_payload", "profile_name"):
            object.__setattr__(self, name, clean_optional(getattr(self, name)))


@dataclass(frozen=True)
class Option:
    """A quick-reply choice: a button where the channel has them, a numbered line on SMS.
    `label_key` is a catalog key; `value` comes back as `InboundMessage.button_payload`
    (or the user types its number)."""

    label_key: str
    value: str
    label_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    key: str  # catalog key (msgid), e.g. "balance.summary"
    params: dict[str, Any] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    urgent: bool = False  # safety/disconnection text: never suppressed


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show and how it bills. Frozen per channel adapter
    (bot/channels/base.py); the renderer reads the first four, the registry the rest."""

    buttons: bool  # quick-reply buttons (else a numbered list)
    max_buttons: int
    max_length: int  # characters per message before the channel splits or refuses
    #: SMS segments and encoding: Devanagari makes a text UCS-2 (70 chars/segment, not
    #: 160), so ₹ and smart punctuation become ASCII where that keeps it GSM-7, and
    #: rendered replies report their segments (backend.messaging.sms).
    unicode_costly: bool
    session_window_hours: int | None  # WhatsApp: free-form only within 24 h
    lists: bool = False  # list pickers (a menu of up to 10 rows), e.g. WhatsApp list messages
    media: bool = False  # can send images and documents
    #: Its address is an E.164 phone number (WhatsApp, SMS): one person's contacts on two
    #: such channels share an address, and it can reach a consumer's registered mobile.
    phone_address: bool = False


CONSOLE = Capabilities(buttons=False, max_buttons=0, max_length=4096, unicode_costly=False,
                       session_window_hours=None)
SMS = Capabilities(buttons=False, max_buttons=0, max_length=1600, unicode_costly=True,
                   session_window_hours=None, phone_address=True)
WHATSAPP = Capabilities(buttons=True, max_buttons=3, max_length=4096, unicode_costly=False,
                        session_window_hours=24, lists=True, media=True, phone_address=True)
TELEGRAM = Capabilities(buttons=True, max_buttons=8, max_length=4096, unicode_costly=False,
                        session_window_hours=None, media=True)
WEB = Capabilities(buttons=True, max_buttons=8, max_length=4096, unicode_costly=False,
                   session_window_hours=None)
