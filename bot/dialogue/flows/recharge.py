"""Recharge help: only the official ways (from configuration), how much, and a fraud
warning, because fake "recharge links" and calls are a common scam. Open to everyone; a
verified contact whose balance is negative or cut hears its own amount to reconnect (the
balance reply's, bot.dialogue.flows.money), never the generic minimum."""

from __future__ import annotations

from bot.dialogue.compose import compose
from bot.dialogue.facts import fact_params
from bot.dialogue.flows import money
from bot.dialogue.flows.base import Flow
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_, Money, Msg

CHANNEL_KEYS = {
    "app": N_("recharge.way.app"),
    "website": N_("recharge.way.website"),
    "upi_apps": N_("recharge.way.upi_apps"),
    "counter": N_("recharge.way.counter"),
}


class RechargeFlow(Flow):
    name = "recharge"
    intents = ("recharge_help",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        cfg = turn.config
        params = fact_params(turn, website="recharge_website")  # the consumer's discom's
        lines: list[Msg | None] = [Msg(N_("recharge.intro"))]
        lines += [Msg(CHANNEL_KEYS[c], params) for c in cfg.recharge_channels if c in CHANNEL_KEYS]
        summary = money.known_summary(turn)
        need = None if summary is None else money.need_line(turn, summary)
        if need is not None:
            lines.append(need)
        else:
            suggested = (cfg.suggested_recharge_paise if summary is None
                         else money.story(turn, summary).suggested_paise)
            lines.append(Msg(N_("recharge.minimum"), {
                "minimum": Money(turn.rules.recharge_min_paise),
                "suggested": Money(suggested)}))
        lines.append(Msg(N_("recharge.fraud"), {"helpline": cfg.helpline}))
        return [compose(lines, (Option(N_("menu.option.balance"), "intent:check_balance"),
                                Option(N_("balance.option.menu"), "menu")))]
