"""Which channels the system may start a conversation on, declared once (no literal channel
names in the alert scan or the broadcast audience).

The backend cannot ask the bot's channel registry (backend never imports bot), so the
registry describes its channels here as data: `bot.channels.registry` builds a
`PushChannels` from the adapters' declarations, and backend callers without one (the
scheduler, tests) use `BIHAR`, which equals what the registry builds for the shipped
channels (a test checks it). See docs/ARCHITECTURE.md, "A channel"."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PushChannels:
    """`preference`: channels a linked contact may be pushed on, best first (a broadcast
    takes the first one a consumer has; an alert goes to every one). `phone`: those whose
    address is a phone number, best first; one person's contacts on two of them share an
    address, so the later one is left out when an earlier one gets the same alert.
    `fallback`: the phone channel that reaches a consumer's registered mobile with no linked
    contact at all (a broadcast's last resort); None: consumers without a linked contact
    get no broadcast."""

    preference: tuple[str, ...]
    phone: tuple[str, ...]
    fallback: str | None

    def __post_init__(self) -> None:
        if not set(self.phone) <= set(self.preference):
            raise ValueError("every phone channel must also be a push channel")
        if self.fallback is not None and self.fallback not in self.phone:
            raise ValueError("the fallback channel must address a phone number")
        if len(set(self.preference)) != len(self.preference):
            raise ValueError("a push channel is listed twice")

    def linked_before_fallback(self) -> tuple[str, ...]:
        """Channels a broadcast tries through a linked contact before it falls back to the
        registered mobile (a channel after the fallback is never better than it)."""
        if self.fallback is None:
            return self.preference
        return self.preference[:self.preference.index(self.fallback)]

    def phone_twins(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(channel, the phone channels before it) for every phone channel that has any:
        its contact is left out of an alert when one of those reaches the same number."""
        return tuple((name, self.phone[:i]) for i, name in enumerate(self.phone) if i)


#: The shipped channels: WhatsApp, then Telegram, then SMS (also to the registered mobile).
BIHAR = PushChannels(preference=("whatsapp", "telegram", "sms"), phone=("whatsapp", "sms"),
                     fallback="sms")
