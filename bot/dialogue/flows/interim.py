"""Complaints, complaint status, the app guide and human handoff, until their own issue
("Complaints with triage, app guide and adoption, human handoff, web chat") replaces them.

Routed through this one module on purpose: the replacement swaps this flow for real ones
and nothing else changes. The replies are honest and useful now (helpline, official app),
not placeholders."""

from __future__ import annotations

from backend import identity
from backend.errors import DomainError
from bot.dialogue.compose import compose
from bot.dialogue.flows.base import MENU_OPTIONS, Flow
from bot.dialogue.flows.usage import explanation
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_, Msg

#: Complaints that a line-by-line explanation of the last deduction often answers better
#: than a ticket (DOMAIN.md): shown first, to contacts verified for one connection.
EXPLAIN_FIRST = frozenset({"high_deduction", "arrears_deduction", "free_units_or_rebate"})

KEYS = {
    "file_complaint": N_("interim.complaint"),
    "complaint_status": N_("interim.complaint_status"),
    "app_install_help": N_("interim.app"),
    "human_handoff": N_("interim.human"),
}


class InterimFlow(Flow):
    name = "interim"
    intents = tuple(KEYS)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        cfg = turn.config
        params = {"helpline": cfg.helpline, "app": cfg.app_name, "android": cfg.app_android,
                  "ios": cfg.app_ios, "website": cfg.discom_website}
        lines = [Msg(KEYS.get(intent, KEYS["human_handoff"]), params)]
        category = turn.parse.first("complaint_category")
        if intent == "file_complaint" and category == "fraud":
            lines.append(Msg(N_("recharge.fraud"), params))
        first = self._explain(turn) if category in EXPLAIN_FIRST else []
        return [*first, compose(lines, MENU_OPTIONS)]

    @staticmethod
    def _explain(turn: Turn) -> list[Reply]:
        linked = identity.linked_consumers(turn.session, turn.contact)
        chosen = [c for c in linked
                  if len(linked) == 1 or c.consumer_id == turn.contact.active_consumer_id]
        if not chosen:
            return []
        metering = turn.services.metering
        try:
            latest = metering.usage(chosen[0].ca_number, 1)
            if not latest:
                return []
            return [explanation(turn, metering.explain_charge(chosen[0].ca_number,
                                                              latest[0].day))]
        except DomainError:
            return []
