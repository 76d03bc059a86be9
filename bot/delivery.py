"""Outbound: the sender the outbox worker uses, built from the channel registry.

Every enabled channel adapter with an outbound side sends its own outbox rows
(bot/channels/). A row for a phone channel that is off goes to another enabled phone
channel's sender, which decides (Twilio: a WhatsApp row goes as SMS; an SMS row with SMS
off is refused). Rows for any other channel go to the HTTP gateway when OUTBOX_HTTP_URL
is set, else to the console (logged, not sent)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.senders import ConsoleSender, RoutingSender, Sender
from backend.platform.clock import utcnow
from bot.channels.base import ChannelAdapter, OutboundContext
from bot.channels.registry import CHANNELS, ChannelRegistry
from bot.i18n import Renderer
from bot.settings import AppSettings


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
    return RoutingSender(routes, default=default_sender(settings, renderer))


def default_sender(settings: AppSettings, renderer: Renderer) -> Sender:
    """For channels without an adapter of their own: the HTTP gateway, else the console."""
    if settings.outbox_http_url:
        from bot.channels.http_gateway import HttpGatewaySender

        token = settings.outbox_http_token
        return HttpGatewaySender(settings.outbox_http_url, renderer,
                                 token=token.get_secret_value() if token else None)
    return ConsoleSender()
