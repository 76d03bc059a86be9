"""One module per flow; `default_flows()` lists them for the registry."""

from __future__ import annotations

from bot.dialogue.flows.base import Flow, Registry


def default_flows() -> list[Flow]:
    """Every flow the engine knows, built fresh (flows hold no per-contact state)."""
    from bot.dialogue.flows.app_guide import AppGuideFlow
    from bot.dialogue.flows.balance import BalanceFlow
    from bot.dialogue.flows.complaint import ComplaintFlow
    from bot.dialogue.flows.faq import FaqFlow
    from bot.dialogue.flows.handoff import HandoffFlow
    from bot.dialogue.flows.language import LanguageFlow
    from bot.dialogue.flows.link import LinkFlow, SelectFlow
    from bot.dialogue.flows.menu import MenuFlow
    from bot.dialogue.flows.optout import OptFlow
    from bot.dialogue.flows.recharge import RechargeFlow
    from bot.dialogue.flows.recharge_missing import RechargeMissingFlow
    from bot.dialogue.flows.safety import SafetyFlow
    from bot.dialogue.flows.usage import UsageFlow

    flows: list[Flow] = [
        MenuFlow(), BalanceFlow(), UsageFlow(), RechargeFlow(), LinkFlow(), SelectFlow(),
        LanguageFlow(), OptFlow(), FaqFlow(), ComplaintFlow(), AppGuideFlow(), HandoffFlow(),
        RechargeMissingFlow()]
    # Safety parks the open form of any other flow and gives it back after its yes/no.
    return [*flows, SafetyFlow(flows)]


__all__ = ["Flow", "Registry", "default_flows"]
