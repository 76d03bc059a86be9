"""Reply language: Hindi, English, or Hindi in Latin letters (a third of the SMS cost of
Devanagari). Set on request and kept for the contact; what decides the language when the
contact never asked is bot/dialogue/language_choice.py."""

from __future__ import annotations

from backend.contacts import contacts
from bot.dialogue.flows.base import Flow
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_

CHOICES = (
    Option(N_("language.option.hi"), "language:hi"),
    Option(N_("language.option.en"), "language:en"),
    Option(N_("language.option.hi_latn"), "language:hi-Latn"),
)


class LanguageFlow(Flow):
    name = "language"
    intents = ("change_language",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        wanted = turn.parse.first("language")
        if wanted in contacts.LANGUAGES:
            return self.on_value(turn, wanted)
        turn.state.open(self.name, "pick")
        return [Reply(N_("language.pick"), options=CHOICES)]

    def answer(self, turn: Turn) -> list[Reply] | None:
        if turn.value and turn.value.startswith("language:"):
            return self.on_value(turn, turn.value.split(":", 1)[1])
        wanted = turn.parse.first("language")
        if wanted in contacts.LANGUAGES:
            return self.on_value(turn, wanted)
        return None

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        if arg not in contacts.LANGUAGES:
            return [Reply(N_("language.pick"), options=CHOICES)]
        if turn.state.form == self.name:  # another open form stays open (and is reminded)
            turn.state.close()
        contacts.set_language(turn.session, turn.contact, arg)
        turn.language = arg  # type: ignore[assignment] - checked above
        return [Reply(N_("language.set"))]

    def reminder(self, turn: Turn) -> Reply | None:
        return Reply(N_("language.pick"), options=CHOICES)
