"""Greeting, menu, help, thanks and goodbye: the ways into every other flow."""

from __future__ import annotations

from backend.contacts import links
from bot.dialogue.flows.base import Flow, menu
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_


class MenuFlow(Flow):
    name = "menu"
    intents = ("greet", "help", "thanks", "goodbye")

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        if intent == "thanks":
            return [Reply(N_("chat.thanks"))]
        if intent == "goodbye":
            return [Reply(N_("chat.goodbye"))]
        if intent == "help":
            return [menu(N_("chat.help"))]
        linked = links.linked_consumers(turn.session, turn.contact)
        if len(linked) == 1:
            return [menu(N_("chat.greet_named"), name=linked[0].name)]
        return [menu()]
