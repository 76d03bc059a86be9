"""Balance: how much is left, as of when, how long it lasts, the last recharge and the
meter. A negative balance says exactly how much to recharge and when a cut can come; a cut
meter says what brings the supply back. Numbers come from the metering service and the
rules file (amounts through bot.dialogue.flows.money), never from this module."""

from __future__ import annotations

from decimal import Decimal

from backend.metering.types import AccountSummary
from backend.platform.errors import DomainError
from bot.dialogue.compose import compose
from bot.dialogue.flows import money
from bot.dialogue.flows.base import Flow
from bot.dialogue.flows.gate import require_consumer
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_, Money, Msg

AFTER_BALANCE = (
    Option(N_("balance.option.usage"), "intent:usage_history"),
    Option(N_("balance.option.recharge"), "intent:recharge_help"),
    Option(N_("balance.option.menu"), "menu"),
)


class BalanceFlow(Flow):
    name = "balance"
    intents = ("check_balance",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        who = require_consumer(turn, "check_balance")
        if isinstance(who, list):
            return who
        try:
            summary = turn.metering.summary(who.ca_number)
        except DomainError:
            return [Reply(N_("common.error"), {"helpline": turn.config.helpline})]
        return [self.describe(turn, summary)]

    def describe(self, turn: Turn, s: AccountSummary) -> Reply:
        cut_rules = turn.rules.disconnection
        lines: list[Msg | None] = [
            Msg(N_("balance.summary"), {"name": s.name, "balance": Money(s.balance_paise),
                                        "as_of": s.as_of}),
        ]
        disconnected = s.meter_status == "disconnected"
        lines.append(money.need_line(turn, s))  # the same amounts as every other reply
        if not disconnected and s.balance_paise < 0 and s.next_disconnection_at is not None:
            lines.append(Msg(N_("balance.cut_from"), {
                "when": s.next_disconnection_at,
                "happy_start": cut_rules.happy_start.strftime("%H:%M"),
                "happy_end": cut_rules.happy_end.strftime("%H:%M")}))
        lines.append(money.estimate_line(s))
        if s.last_recharge is not None:
            lines.append(Msg(N_("balance.last_recharge"), {
                "amount": Money(s.last_recharge.amount_paise),
                "day": s.last_recharge.at.astimezone(turn.services.tz).date()}))
        if s.arrears_paise > 0:
            lines.append(Msg(N_("balance.arrears"), {"arrears": Money(s.arrears_paise)}))
        status = (N_("balance.meter.disconnected") if disconnected
                  else N_("balance.meter.connected"))
        lines.append(Msg(status, {"meter": s.meter_number}))
        return compose(lines, AFTER_BALANCE, urgent=disconnected or s.balance_paise < 0)


def percent(bp: int) -> Decimal:
    """Basis points as a percentage for display: 600 -> 6, 250 -> 2.5."""
    return Decimal(bp) / 100
