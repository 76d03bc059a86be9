"""Opt-out and opt-in of alerts and broadcasts. Opting out is confirmed first (a stray
"stop" in a sentence must not silence disconnection warnings), opting in is immediate.
Either way the consumer can still ask questions here."""

from __future__ import annotations

from backend.contacts import contacts
from bot.dialogue.flows.base import YES_NO, Flow, is_no, is_yes
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_


class OptFlow(Flow):
    name = "opt"
    intents = ("opt_out", "opt_in")

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        if intent == "opt_in":
            contacts.opt_in(turn.session, turn.contact, turn.now)
            return [Reply(N_("opt.in_done"))]
        if turn.contact.opted_out:
            return [Reply(N_("opt.already_out"))]
        turn.state.open(self.name, "confirm")
        return [Reply(N_("opt.out_confirm"), options=YES_NO)]

    def answer(self, turn: Turn) -> list[Reply] | None:
        if is_yes(turn):
            turn.state.close()
            contacts.opt_out(turn.session, turn.contact, turn.now)
            return [Reply(N_("opt.out_done"))]
        if is_no(turn):
            turn.state.close()
            return [Reply(N_("opt.out_kept"))]
        return None

    def reminder(self, turn: Turn) -> Reply | None:
        return Reply(N_("opt.out_confirm"), options=YES_NO)
