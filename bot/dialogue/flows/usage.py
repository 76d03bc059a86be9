"""Usage: yesterday, the last 7 days, this or last month, and "why so much?" — one day's
deduction line by line (units × rate per slab, free units, rebate, fixed charge, duty,
arrears instalment), because an unexplained deduction is what angers consumers most."""

from __future__ import annotations

import re
from datetime import date, timedelta

from backend.metering import estimate
from backend.metering.types import ChargeExplanation, DailyUsage
from backend.platform.errors import DomainError
from bot.dialogue.compose import compose
from bot.dialogue.flows.balance import percent
from bot.dialogue.flows.base import Flow
from bot.dialogue.flows.gate import require_consumer
from bot.dialogue.keywords import normalise
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_, Money, Msg, Units

WHY = re.compile(r"\b(why|kyu|kyun|kyon|kiyu|explain|breakdown|hisab|hisaab|samjha\w*)\b|"
                 r"क्यों|क्यूं|क्यो|हिसाब|समझा")
MONTH_DAYS = 31

AFTER_USAGE = (
    Option(N_("usage.option.explain"), "usage:explain"),
    Option(N_("usage.option.month"), "usage:this_month"),
    Option(N_("balance.option.menu"), "menu"),
)


def asks_why(text: str) -> bool:
    return WHY.search(normalise(text)) is not None


class UsageFlow(Flow):
    name = "usage"
    intents = ("usage_history",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        if asks_why(turn.text):
            return self.on_value(turn, "explain")
        return self.on_value(turn, turn.parse.first("period") or "")

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        then = "usage_history" if not arg else f"usage:{arg}"
        who = require_consumer(turn, then)
        if isinstance(who, list):
            return who
        ca = who.ca_number
        try:
            if arg == "explain":
                return [self.explain(turn, ca)]
            if arg in ("this_month", "last_month"):
                return [self.month(turn, ca, last=arg == "last_month")]
            if arg == "last_7_days":
                return [self.week(turn, ca, with_day=False)]
            if arg == "yesterday":
                return [self.week(turn, ca, with_day=True, with_total=False)]
            return [self.week(turn, ca, with_day=True, asked_today=arg in ("today", "tomorrow"))]
        except DomainError:
            return [Reply(N_("usage.no_data"), {"helpline": turn.config.helpline})]

    # --- answers ---------------------------------------------------------------------------
    def week(self, turn: Turn, ca: str, *, with_day: bool, asked_today: bool = False,
             with_total: bool = True) -> Reply:
        rows = turn.metering.usage(ca, 7)
        if not rows:
            return Reply(N_("usage.no_data"), {"helpline": turn.config.helpline})
        lines: list[Msg | None] = []
        if asked_today:
            lines.append(Msg(N_("usage.today_not_yet")))
        if with_day:
            latest = rows[0]
            lines.append(Msg(N_("usage.day"), {"day": latest.day, "units": Units(latest.units_wh),
                                                "amount": Money(latest.charge_paise)}))
        if with_total:
            lines.append(self._total(N_("usage.week"), rows))
        return compose(lines, AFTER_USAGE)

    def month(self, turn: Turn, ca: str, *, last: bool) -> Reply:
        today = turn.now.astimezone(turn.services.tz).date()
        first = today.replace(day=1)
        if last:
            first = (first - timedelta(days=1)).replace(day=1)
        end = _next_month(first)
        rows = [r for r in turn.metering.usage(ca, 2 * MONTH_DAYS)
                if first <= r.day < end]
        if not rows:
            return Reply(N_("usage.no_data"), {"helpline": turn.config.helpline}, AFTER_USAGE)
        key = N_("usage.last_month") if last else N_("usage.this_month")
        return compose([self._total(key, rows, since=first)], AFTER_USAGE)

    @staticmethod
    def _total(key: str, rows: list[DailyUsage], since: date | None = None) -> Msg:
        units = sum(r.units_wh for r in rows)
        amount = sum(r.charge_paise for r in rows)
        return Msg(key, {"days": str(len(rows)), "units": Units(units), "amount": Money(amount),
                         "average": Money(estimate.average_daily(amount, len(rows)) or 0),
                         "since": since or rows[-1].day})

    def explain(self, turn: Turn, ca: str) -> Reply:
        rows = turn.metering.usage(ca, 1)
        if not rows:
            return Reply(N_("usage.no_data"), {"helpline": turn.config.helpline})
        return explanation(turn, turn.metering.explain_charge(ca, rows[0].day))


def explanation(turn: Turn, e: ChargeExplanation) -> Reply:
    """The day's deduction, one catalog line per charge line, then what to do next."""
    charges = turn.rules.charges
    lines: list[Msg | None] = [Msg(N_("usage.explain"), {
        "day": e.day, "units": Units(e.units_wh, exact=True), "total": Money(e.total_paise)})]
    for line in e.lines:
        amount = Money(abs(line.amount_paise))
        if line.kind == "energy":
            lines.append(Msg(N_("usage.line.energy"), {
                "units": Units(line.units_wh or 0, exact=True), "rate": Money(line.rate_paise or 0),
                "amount": amount}))
        elif line.kind == "free_units":
            lines.append(Msg(N_("usage.line.free_units"), {
                "amount": amount, "free": str(charges.free_units_per_month)}))
        elif line.kind == "rebate":
            lines.append(Msg(N_("usage.line.rebate"), {
                "amount": amount, "percent": percent(charges.rebate_bp)}))
        elif line.kind == "fixed":
            lines.append(Msg(N_("usage.line.fixed"), {"amount": amount}))
        elif line.kind == "duty":
            lines.append(Msg(N_("usage.line.duty"), {
                "amount": amount, "percent": percent(charges.duty_bp)}))
        elif line.kind == "arrears":
            lines.append(Msg(N_("usage.line.arrears"), {"amount": amount}))
    if any(line.kind == "fixed" for line in e.lines):
        lines.append(Msg(N_("usage.explain.fixed_note")))
    return compose(lines, (Option(N_("usage.option.week"), "usage:last_7_days"),
                           Option(N_("menu.option.complaint"), "intent:file_complaint"),
                           Option(N_("balance.option.menu"), "menu")))


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)
