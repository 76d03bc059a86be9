"""The channel registry: one table from channel name to adapter class (the shape of
open-chat-studio's `PLATFORM_CHANNEL_CLASSES`), and what delivery, the webhook routes,
`sahayak serve` and the backend's push rules ask of it.

Adding a channel is one line in `CHANNEL_CLASSES` (see docs/ARCHITECTURE.md, "A
channel"); tests register extra channels on a copy (`ChannelRegistry.with_`), never on the
shared table. Nothing is built on import: `build` builds the enabled adapters from
settings, in table order (a later adapter may share an earlier one's provider client)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from backend.messaging.reach import PushChannels
from backend.platform.settings import Settings
from bot.channels.base import ChannelAdapter
from bot.channels.telegram_adapter import TelegramAdapter
from bot.channels.twilio_adapter import SmsAdapter, WhatsAppAdapter
from bot.settings import AppSettings

#: Every channel this build can serve, by name. The order is the build order.
CHANNEL_CLASSES: dict[str, type[ChannelAdapter]] = {
    "whatsapp": WhatsAppAdapter,
    "sms": SmsAdapter,
    "telegram": TelegramAdapter,
}


class ChannelRegistry:
    """Adapter classes by name."""

    def __init__(self, classes: Mapping[str, type[ChannelAdapter]]) -> None:
        self._classes: dict[str, type[ChannelAdapter]] = {}
        for name, cls in classes.items():
            if name != cls.name:
                raise ValueError(f"channel {cls.__name__} is named {cls.name!r}, not {name!r}")
            self._classes[name] = cls

    def with_(self, *classes: type[ChannelAdapter]) -> ChannelRegistry:
        """A copy with more channels (a name already taken is an error)."""
        taken = [cls.name for cls in classes if cls.name in self._classes]
        if taken:
            raise ValueError(f"channel already registered: {', '.join(taken)}")
        return ChannelRegistry({**self._classes, **{cls.name: cls for cls in classes}})

    def __iter__(self) -> Iterator[type[ChannelAdapter]]:
        return iter(self._classes.values())

    def __getitem__(self, name: str) -> type[ChannelAdapter]:
        return self._classes[name]

    @property
    def names(self) -> list[str]:
        return list(self._classes)

    def enabled_names(self, settings: AppSettings) -> list[str]:
        return [cls.name for cls in self if cls.enabled(settings)]

    def build(self, settings: AppSettings) -> dict[str, ChannelAdapter]:
        """The enabled adapters, by name, in table order."""
        built: dict[str, ChannelAdapter] = {}
        for cls in self:
            if cls.enabled(settings):
                built[cls.name] = cls.build(settings, dict(built))
        return built

    def push_channels(self) -> PushChannels:
        """The backend's push rules (alert recipients, broadcast audience) from what the
        registered adapters declare, whether or not they are on (as before: delivery
        decides what a row for a channel that is off becomes, see bot/delivery.py)."""
        pushed = sorted((cls for cls in self if cls.push_rank is not None),
                        key=lambda cls: (cls.push_rank, cls.name))
        fallback = [cls.name for cls in pushed if cls.reaches_registered_mobile]
        if len(fallback) > 1:
            raise ValueError(f"more than one channel reaches the registered mobile: {fallback}")
        return PushChannels(
            preference=tuple(cls.name for cls in pushed),
            phone=tuple(cls.name for cls in pushed if cls.capabilities.phone_address),
            fallback=fallback[0] if fallback else None)


#: The registry of the shipped channels.
CHANNELS = ChannelRegistry(CHANNEL_CLASSES)


def build_channels(settings: AppSettings, registry: ChannelRegistry | None = None
                   ) -> dict[str, ChannelAdapter]:
    """The enabled channel adapters, by name."""
    return (registry or CHANNELS).build(settings)


def enabled_channels(settings: AppSettings, registry: ChannelRegistry | None = None
                     ) -> list[str]:
    """The names of the channels whose settings are present (they receive, send or both)."""
    return (registry or CHANNELS).enabled_names(settings)


def push_channels(registry: ChannelRegistry | None = None) -> PushChannels:
    """What to pass as `reach=` to the alert scan and the broadcast audience."""
    return (registry or CHANNELS).push_channels()


def channels_summary(settings: Settings, registry: ChannelRegistry | None = None) -> str:
    """`sahayak serve`'s line: each channel that is on with the URL its provider calls
    (its adapter's webhook path), or "send only"; with none on, what turns them on."""
    registry = registry or CHANNELS
    adapters = registry.build(settings) if isinstance(settings, AppSettings) else {}
    if not adapters:
        hints = dict.fromkeys(cls.settings_hint for cls in registry if cls.settings_hint)
        return f"channels: none on (set {', '.join(hints)})"
    base = getattr(settings, "public_base_url", None) or ""
    return "channels on: " + ", ".join(
        f"{name} ({base}{adapter.webhook_path})" if adapter.webhook_path
        else f"{name} (send only)" for name, adapter in adapters.items())
