"""Questions about prepaid rules. The words are catalog texts; every number in them
(happy hours, grace, holidays, rebate, free units, emergency credit) comes from the rules
and assistant files, so a tariff order changes no code. The topic is picked by keywords;
an unclear question gets the list of topics. A verified contact's "when will it be cut"
is answered from its account, and its negative-balance and emergency-credit answers carry
its own amounts (bot.dialogue.flows.money)."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue.compose import compose
from bot.dialogue.facts import fact_params
from bot.dialogue.flows import money
from bot.dialogue.flows.balance import percent
from bot.dialogue.flows.base import Flow
from bot.dialogue.keywords import normalise
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_, Money, Msg

# Checked in order: the first topic whose pattern matches wins.
TOPICS: tuple[tuple[str, str], ...] = (
    ("emergency_credit", r"emergency|इमरजेंसी|आपात|button|बटन"),
    ("safety", r"safe|radiation|रेडिएशन|सुरक्षित|surakshit|करंट|current|shock|बारिश|barish|rain"),
    ("fraud", r"fraud|फ्रॉड|धोखा|dhokha|scam|link|लिंक|phone kar|फोन कर|call kar|मांगता"),
    ("free_units", r"free|फ्री|मुफ्त|muft|125"),
    ("rebate", r"rebate|छूट|chhoot|chhut|discount|फायदा|fayda|benefit"),
    ("fixed_charge", r"fixed|फिक्स्ड|duty|ड्यूटी|शुल्क|शुरुआत|shuruat|first week|month start"),
    ("arrears", r"arrear|बकाया|bakaya|किस्त|kisht|kist|instal"),
    ("happy_hours", r"happy|हैप्पी|raat|रात|रविवार|ravivar|sunday|holiday|छुट्टी|chhutti|"
                    r"कितने बजे|kitne baje|कटेगी|kategi|kategi|cut|कटती|katti|काट"),
    ("negative_balance", r"minus|माइनस|negative|शून्य|zero|khatam|खत्म|recharge ke baad|"
                         r"रिचार्ज के बाद|kitni der|कितनी देर"),
    ("smart_meter", r"smart|स्मार्ट|old meter|पुराने|purane|tez|तेज|fast|prepaid|प्रीपेड"),
)
_COMPILED = tuple((name, re.compile(pattern)) for name, pattern in TOPICS)
MORE = (Option(N_("faq.more"), "faq:list"), Option(N_("balance.option.menu"), "menu"))
ORDER = ("happy_hours", "negative_balance", "emergency_credit", "rebate", "free_units",
         "fixed_charge", "smart_meter", "safety", "fraud", "arrears")


def topic_of(text: str) -> str | None:
    folded = normalise(text)
    for name, pattern in _COMPILED:
        if pattern.search(folded):
            return name
    return None


class FaqFlow(Flow):
    name = "faq"
    intents = ("faq_prepaid",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        if money.asks_cut_time(turn.text):
            summary = money.known_summary(turn)
            if summary is not None:
                return [compose(money.cut_lines(turn, summary), MORE, urgent=(
                    summary.balance_paise < 0 or summary.meter_status == "disconnected"))]
        topic = topic_of(turn.text)
        if topic is None:
            return [self.topics()]
        return [self.answer_topic(turn, topic)]

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        return [self.answer_topic(turn, arg) if arg in ORDER else self.topics()]

    @staticmethod
    def topics() -> Reply:
        return Reply(N_("faq.pick"), options=tuple(
            Option(f"faq.topic.{t}", f"faq:{t}") for t in ORDER))

    def answer_topic(self, turn: Turn, topic: str) -> Reply:
        general = Msg(f"faq.{topic}", self.facts(turn))
        if topic not in ("negative_balance", "emergency_credit"):
            return compose([general], MORE)
        summary = money.known_summary(turn)
        if summary is None:
            return compose([general], MORE)
        told = money.story(turn, summary)
        if topic == "emergency_credit" and not told.emergency_credit and told.need_paise:
            # A cut meter: the button will not help; say what will, with its amounts.
            return compose([Msg(N_("money.emergency_not_now"), {
                "need": Money(told.need_paise or 0), "suggested": Money(told.suggested_paise),
                "minutes": str(turn.config.supply_restore_minutes)})], MORE, urgent=True)
        return compose([general, money.need_line(turn, summary)], MORE)

    @staticmethod
    def facts(turn: Turn) -> dict[str, Any]:
        """Every number an FAQ answer may quote, from configuration."""
        cut, charges, cfg = turn.rules.disconnection, turn.rules.charges, turn.config
        return {
            "happy_start": cut.happy_start.strftime("%H:%M"),
            "happy_end": cut.happy_end.strftime("%H:%M"),
            "window_start": cut.window_start.strftime("%H:%M"),
            "window_end": cut.window_end.strftime("%H:%M"),
            "grace_hours": str(cut.grace_hours),
            "holidays": ", ".join(_day_month(md) for md in sorted(cut.holidays_md)),
            "rebate": percent(charges.rebate_bp),
            "duty": percent(charges.duty_bp),
            "free_units": str(charges.free_units_per_month),
            "hold_seconds": cfg.emergency_hold_seconds,
            "emergency_days": str(cfg.emergency_days),
            "minutes": str(cfg.supply_restore_minutes),
            "first_week_days": str(cfg.first_week_days),
            **fact_params(turn),  # helpline, the discom's website and app links
        }


def _day_month(md: str) -> str:
    """"01-26" -> "26/1": a holiday without a year, readable in every language."""
    month, day = md.split("-")
    return f"{int(day)}/{int(month)}"
