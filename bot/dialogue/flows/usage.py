"""Usage: exactly the day or period asked ("kal", "parso", "28 November", "pichhle 10 din",
"monthly", resolved on the Indian calendar of the turn's clock, not the latest reading), a
polite reason when a day has no charge, and "why so much?" — one day's
deduction line by line (units × rate per slab, free units, rebate, fixed charge, duty,
arrears instalment), because an unexplained deduction is what angers consumers most."""

from __future__ import annotations

import re
from datetime import date

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
from nlu.entities.period import Span, is_range, resolve

WHY = re.compile(r"\b(why|kyu|kyun|kyon|kiyu|explain|breakdown|hisab|hisaab|samjha\w*)\b|"
                 r"क्यों|क्यूं|क्यो|हिसाब|समझा")
#: Daily charges asked of the metering service at most (its limit too): a year.
LOOKBACK_DAYS = 366

AFTER_USAGE = (
    Option(N_("usage.option.explain"), "usage:explain"),
    Option(N_("usage.option.month"), "usage:this_month"),
    Option(N_("balance.option.menu"), "menu"),
)


def asks_why(text: str) -> bool:
    return WHY.search(normalise(text)) is not None


def local_today(turn: Turn) -> date:
    """The turn's date on the local (Indian) calendar: what "kal" and "28 November" mean."""
    return turn.now.astimezone(turn.services.tz).date()


class UsageFlow(Flow):
    """Arguments (also as options "usage:<arg>"): "" (latest day and the week), a period
    value of the NLU ("yesterday", "last_7_days", "date:--11-28", "days_ago:2", …, resolved
    on the local calendar), "explain" (the latest day line by line) or "explain:<ISO day>"."""

    name = "usage"
    intents = ("usage_history",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        period = turn.parse.first("period") or ""
        span = resolve(period, local_today(turn)) if period else None
        # "why" is about one day; "pichhle 7 din ka hisab" is the period's summary.
        if asks_why(turn.text) and not is_range(period) and (span or not period):
            return self.on_value(turn, f"explain:{span.first.isoformat()}" if span else "explain")
        return self.on_value(turn, period)

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        then = "usage_history" if not arg else f"usage:{arg}"
        who = require_consumer(turn, then)
        if isinstance(who, list):
            return who
        ca = who.ca_number
        try:
            if arg == "explain":
                return [self.explain(turn, ca)]
            if arg.startswith("explain:"):
                return [self.explain_day(turn, ca, _iso(arg[len("explain:"):]))]
            if not arg:
                return [self.week(turn, ca, with_day=True)]
            today = local_today(turn)
            span = resolve(arg, today)
            if span is None:
                return [Reply(N_("usage.bad_date"), options=AFTER_USAGE)]
            if not is_range(arg) and span.first == today:
                return [self.today(turn, ca)]
            if not is_range(arg):
                return [self.day(turn, ca, span.first)]
            return [self.period(turn, ca, arg, span)]
        except DomainError:
            return [Reply(N_("usage.no_data"), {"helpline": turn.config.helpline})]

    # --- answers ---------------------------------------------------------------------------
    def week(self, turn: Turn, ca: str, *, with_day: bool, asked_today: bool = False) -> Reply:
        """The latest charged day and the last 7 charges: the answer to a bare "usage"."""
        rows = turn.metering.usage(ca, 7)
        if not rows:
            return Reply(N_("usage.no_data"), {"helpline": turn.config.helpline})
        lines: list[Msg | None] = []
        if asked_today:
            lines.append(Msg(N_("usage.today_not_yet")))
        if with_day:
            lines.append(_day_line(rows[0]))
        lines.append(_total(N_("usage.week"), rows))
        return compose(lines, AFTER_USAGE)

    def today(self, turn: Turn, ca: str) -> Reply:
        """Today is charged the next morning; until then the latest day and the week."""
        rows = _rows(turn, ca, local_today(turn))
        if rows and rows[0].day == local_today(turn):
            return compose([_day_line(rows[0])], _day_options(rows[0].day))
        return self.week(turn, ca, with_day=True, asked_today=True)

    def day(self, turn: Turn, ca: str, day: date) -> Reply:
        """Exactly that day's charge, or why there is none: not come yet, not charged yet,
        or before the records start."""
        today = local_today(turn)
        if day > today:
            return Reply(N_("usage.future_day"), {"day": day}, AFTER_USAGE)
        rows = _rows(turn, ca, day)
        match = next((r for r in rows if r.day == day), None)
        if match is not None:
            return compose([_day_line(match)], _day_options(day))
        if not rows:
            return Reply(N_("usage.no_data"), {"helpline": turn.config.helpline})
        oldest = rows[-1].day
        if day < oldest:
            return Reply(N_("usage.before_start"), {"day": day, "first": oldest}, AFTER_USAGE)
        return compose([Msg(N_("usage.day_missing"), {"day": day}), _day_line(rows[0])],
                       _day_options(rows[0].day))

    def period(self, turn: Turn, ca: str, arg: str, span: Span) -> Reply:
        """The period's total: the charged days inside it, with their own key for the
        familiar periods and first..last dates for any other."""
        today = local_today(turn)
        if span.first > today:
            return Reply(N_("usage.future_day"), {"day": span.first}, AFTER_USAGE)
        all_rows = _rows(turn, ca, span.first)
        rows = [r for r in all_rows if span.first <= r.day <= span.last]
        if not rows and arg == "this_month":  # the 1st: show last month meanwhile
            last = resolve("last_month", today)
            assert last is not None
            rows = [r for r in _rows(turn, ca, last.first) if last.first <= r.day <= last.last]
            if rows:
                return compose([Msg(N_("usage.month_not_started")),
                                _total(N_("usage.last_month"), rows, since=last.first)],
                               AFTER_USAGE)
        if not rows:
            if all_rows and span.last < all_rows[-1].day:
                return Reply(N_("usage.period_before_start"),
                             {"first": span.first, "last": span.last,
                              "start": all_rows[-1].day}, AFTER_USAGE)
            return Reply(N_("usage.period_empty"), {"first": span.first, "last": span.last},
                         AFTER_USAGE)
        if arg == "last_7_days" or arg.startswith("last_days:"):
            # "Last N days" only when all N are there; else the dates say what is counted.
            full = len(rows) == (span.last - span.first).days + 1
            msg = _total(N_("usage.week") if full else N_("usage.period"), rows)
        elif arg in ("this_month", "last_month"):
            key = N_("usage.this_month") if arg == "this_month" else N_("usage.last_month")
            msg = _total(key, rows, since=span.first)
        else:
            msg = _total(N_("usage.period"), rows)
        return compose([msg], AFTER_USAGE)

    def explain(self, turn: Turn, ca: str) -> Reply:
        rows = turn.metering.usage(ca, 1)
        if not rows:
            return Reply(N_("usage.no_data"), {"helpline": turn.config.helpline})
        return explanation(turn, turn.metering.explain_charge(ca, rows[0].day))

    def explain_day(self, turn: Turn, ca: str, day: date) -> Reply:
        """That day line by line; a day without a charge gets `day`'s answer instead."""
        rows = _rows(turn, ca, day) if day <= local_today(turn) else []
        if any(r.day == day for r in rows):
            return explanation(turn, turn.metering.explain_charge(ca, day))
        return self.day(turn, ca, day)


def asked_explanation(turn: Turn, ca: str) -> ChargeExplanation | None:
    """The charge of the one past day the message names ("28 nov ko zyada kata"), else of
    the latest charged day; None before the first charge. Raises DomainError."""
    latest = turn.metering.usage(ca, 1)
    if not latest:
        return None
    period = turn.parse.first("period") or ""
    span = resolve(period, local_today(turn)) if period and not is_range(period) else None
    if span is not None and span.first < latest[0].day \
            and any(r.day == span.first for r in _rows(turn, ca, span.first)):
        return turn.metering.explain_charge(ca, span.first)
    return turn.metering.explain_charge(ca, latest[0].day)


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return date.max  # never a charged day: answered as "not come yet"


def _rows(turn: Turn, ca: str, since: date) -> list[DailyUsage]:
    """The daily charges from `since` to today, newest first (one a day: so many rows)."""
    wanted = (local_today(turn) - since).days + 1
    return turn.metering.usage(ca, max(1, min(wanted, LOOKBACK_DAYS)))


def _day_line(row: DailyUsage) -> Msg:
    return Msg(N_("usage.day"), {"day": row.day, "units": Units(row.units_wh),
                                 "amount": Money(row.charge_paise)})


def _day_options(day: date) -> tuple[Option, ...]:
    return (Option(N_("usage.option.explain"), f"usage:explain:{day.isoformat()}"),
            Option(N_("usage.option.week"), "usage:last_7_days"),
            Option(N_("balance.option.menu"), "menu"))


def _total(key: str, rows: list[DailyUsage], since: date | None = None) -> Msg:
    """Units, amount and daily average of `rows` (newest first) under catalog `key`."""
    units = sum(r.units_wh for r in rows)
    amount = sum(r.charge_paise for r in rows)
    return Msg(key, {"days": str(len(rows)), "units": Units(units), "amount": Money(amount),
                     "average": Money(estimate.average_daily(amount, len(rows)) or 0),
                     "since": since or rows[-1].day, "first": rows[-1].day,
                     "last": rows[0].day})


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
