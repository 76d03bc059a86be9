"""Outbound: the sender the outbox worker uses, built from the channel registry.

Every enabled channel adapter with an outbound side sends its own outbox rows
(bot/channels/). A row for a phone channel that is off goes to another enabled phone
channel's sender, which decides (Twilio: a WhatsApp row goes as SMS; an SMS row with SMS
off is refused). Rows for any other channel go to the HTTP gateway when OUTBOX_HTTP_URL
is set, else to the console (logged, not sent)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.senders import (
    ConsoleSender,
    OutgoingMessage,
    RoutingSender,
    Sender,
    SendResult,
)
from backend.platform.clock import utcnow
from bot.channels.base import ChannelAdapter, OutboundContext
from bot.channels.registry import CHANNELS, ChannelRegistry
from bot.formatting import from_outbox
from bot.i18n import Renderer
from bot.settings import AppSettings

log = logging.getLogger(__name__)


def build_sender(settings: AppSettings, sessions: sessionmaker[Session],
                 renderer: Renderer, *,
                 channels: Mapping[str, ChannelAdapter] | None = None,
                 registry: ChannelRegistry | None = None,
                 clock: Callable[[], datetime] = utcnow) -> Sender:
    """A RoutingSender over the enabled channels (`channels`: adapters already built, e.g.
    by the composition root); for the rest the HTTP gateway or the console. `renderer` is
    the composition root's, with its defaults (the helpline)."""
    registry = registry or CHANNELS
    adapters = dict(channels) if channels is not None else registry.build(settings)
    context = OutboundContext(settings, sessions, renderer, adapters, clock)
    routes: dict[str, Sender] = {}
    for name, adapter in adapters.items():
        sender = adapter.sender(context)
        if sender is not None:
            routes[name] = sender
    phone = registry.push_channels().phone
    stand_in = next((routes[name] for name in phone if name in routes), None)
    if stand_in is not None:
        for name in phone:
            routes.setdefault(name, stand_in)
    routing = RoutingSender(routes, default=default_sender(settings, renderer))
    return TextNotingSender(routing, renderer, clock)


class TextNotingSender:
    """Says what text went out (for the conversation log, backend/messaging/sent_log.py)
    when the channel's own sender did not: the row's catalog text in its language. A text
    that cannot be rendered is left out; it never fails a send that succeeded."""

    def __init__(self, inner: Sender, renderer: Renderer,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.inner = inner
        self.renderer = renderer
        self.clock = clock

    def send(self, message: OutgoingMessage) -> SendResult:
        result = self.inner.send(message)
        if result.text is not None:
            return result
        try:
            body = self.renderer.text(message.message_key, message.language,
                                      from_outbox(message.params), now=self.clock())
        except Exception:  # noqa: BLE001 - the message went out; only its log text is lost
            log.debug("outbox #%s: text for the conversation log not rendered", message.id,
                      exc_info=True)
            return result
        return replace(result, text=body)


def default_sender(settings: AppSettings, renderer: Renderer) -> Sender:
    """For channels without an adapter of their own: the HTTP gateway, else the console."""
    if settings.outbox_http_url:
        from bot.channels.http_gateway import HttpGatewaySender

        token = settings.outbox_http_token
        return HttpGatewaySender(settings.outbox_http_url, renderer,
                                 token=token.get_secret_value() if token else None)
    return ConsoleSender()
