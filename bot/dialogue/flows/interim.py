"""Complaints, complaint status, the app guide and human handoff, until their own issue
("Complaints with triage, app guide and adoption, human handoff, web chat") replaces them.

Routed through this one module on purpose: the replacement swaps this flow for real ones
and nothing else changes. The replies are honest and useful now (helpline, official app),
not placeholders."""

from __future__ import annotations

from bot.dialogue.compose import compose
from bot.dialogue.flows.base import MENU_OPTIONS, Flow
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_, Msg

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
        if intent == "file_complaint" and turn.parse.first("complaint_category") == "fraud":
            lines.append(Msg(N_("recharge.fraud"), params))
        return [compose(lines, MENU_OPTIONS)]
