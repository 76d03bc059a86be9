"""Opt-out and opt-in of alerts and broadcasts.

STOP, "unsubscribe", "मैसेज बंद करो" (exact keywords, bot/dialogue/keywords.py) opt out at
once and say how to come back (START / "शुरू"): a consumer who said STOP must not be
asked again. A sentence the classifier only *guesses* is an opt-out ("ye msg mat bhejo
yaar") is confirmed first, so a stray guess cannot silence disconnection warnings.
"band karo" / "बंद करें" with no form open asks which is meant: stop messages, or just
leave it. Opting in is immediate; a consumer whose alerts were never off is told they
are on (not welcomed back). Either way the consumer can still ask questions here."""

from __future__ import annotations

from backend.contacts import contacts
from bot.dialogue.flows.base import YES_NO, Flow, is_no, is_yes
from bot.dialogue.keywords import keyword
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_

STOP_OR_KEEP: tuple[Option, ...] = (Option(N_("opt.option.stop"), "yes"),
                                    Option(N_("opt.option.keep"), "no"))


class OptFlow(Flow):
    name = "opt"
    intents = ("opt_out", "opt_in", "stop_or_cancel")

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        if intent == "opt_in":
            if contacts.opt_in(turn.session, turn.contact, turn.now):
                return [Reply(N_("opt.in_done"))]
            return [Reply(N_("opt.already_in"))]
        if turn.contact.opted_out:
            return [Reply(N_("opt.already_out"))]
        if intent == "opt_out" and keyword(turn.text) == "opt_out":
            return self._out(turn)
        if intent == "stop_or_cancel":
            turn.state.open(self.name, "which")
            return [Reply(N_("opt.stop_or_cancel"), options=STOP_OR_KEEP)]
        turn.state.open(self.name, "confirm")
        return [Reply(N_("opt.out_confirm"), options=YES_NO)]

    def answer(self, turn: Turn) -> list[Reply] | None:
        if is_yes(turn):
            return self._out(turn)
        if is_no(turn):
            turn.state.close()
            return [Reply(N_("opt.out_kept"))]
        return None

    @staticmethod
    def _out(turn: Turn) -> list[Reply]:
        turn.state.close()
        contacts.opt_out(turn.session, turn.contact, turn.now)
        return [Reply(N_("opt.out_done"))]

    def reminder(self, turn: Turn) -> Reply | None:
        if turn.state.step == "which":
            return Reply(N_("opt.stop_or_cancel"), options=STOP_OR_KEEP)
        return Reply(N_("opt.out_confirm"), options=YES_NO)
