"""The account's money story in words, shared by the balance reply, recharge help, the FAQ,
complaint triage and "when will it be cut": the amounts come from one backend function
(backend.metering.reconnect), so a consumer at -₹482.46 hears "at least ₹483" everywhere
and never a generic minimum. Not a flow: helpers the flows call."""

from __future__ import annotations

import re
from datetime import timedelta

from backend.contacts import links
from backend.contacts.links import LinkedConsumer
from backend.metering.reconnect import MoneyStory, money_story
from backend.metering.types import AccountSummary
from backend.platform.errors import DomainError
from bot.dialogue.keywords import normalise
from bot.dialogue.turn import Turn
from bot.i18n import N_, Money, Msg

# "बिजली कब कटेगी", "aaj raat kategi kya", "बिजली कब कटी", "when will my power be cut":
# a question about this account's cut, not the rules. Money words ("fixed charge kab
# katta hai": when is it deducted) stay with the FAQ.
_WHEN = re.compile(r"\b(kab|kb|when|tonight|kitne baje)\b|कब|कितने बजे|aaj raat|आज रात")
_CUT = re.compile(r"\b(kat|kaat|cut|disconnect)\w*|कट|काट")
_MONEY_WORDS = re.compile(r"\b(fixed|duty|charge|paisa|paise|rupay\w*|rupee\w*|rs)\b|"
                          r"फिक्स्ड|ड्यूटी|चार्ज|पैस|रुपय|रुपए")


def asks_cut_time(text: str) -> bool:
    folded = normalise(text)
    return (_WHEN.search(folded) is not None and _CUT.search(folded) is not None
            and _MONEY_WORDS.search(folded) is None)


def known_consumer(turn: Turn) -> LinkedConsumer | None:
    """The verified connection this contact talks about, without asking anything: one
    linked, or the one picked; None otherwise (the caller answers in general terms)."""
    linked = links.linked_consumers(turn.session, turn.contact)
    if len(linked) == 1:
        return linked[0]
    return next((c for c in linked if c.consumer_id == turn.contact.active_consumer_id), None)


def known_summary(turn: Turn) -> AccountSummary | None:
    who = known_consumer(turn)
    if who is None:
        return None
    try:
        return turn.metering.summary(who.ca_number)
    except DomainError:
        return None


def story(turn: Turn, s: AccountSummary) -> MoneyStory:
    return money_story(s.balance_paise, s.average_daily_paise, s.meter_status, turn.rules,
                       turn.config.suggested_recharge_paise)


def need_line(turn: Turn, s: AccountSummary) -> Msg | None:
    """What a cut or negative account must recharge (None for a positive one)."""
    told = story(turn, s)
    if told.need_paise is None:
        return None
    params = {"need": Money(told.need_paise), "suggested": Money(told.suggested_paise),
              "minutes": str(turn.config.supply_restore_minutes)}
    if s.meter_status == "disconnected":
        return Msg(N_("money.disconnected"), params)
    if s.balance_paise < 0:
        return Msg(N_("money.negative"), params)
    return None


def days(n: int) -> Msg:
    """"1 day" / "3 days" (Hindi says दिन either way): the catalogs hold both forms."""
    return Msg(N_("money.days.one") if n == 1 else N_("money.days.other"), {"n": n})


def estimate_line(s: AccountSummary) -> Msg | None:
    """How long a positive balance lasts: "less than a day", never "0 days"."""
    if s.balance_paise <= 0 or s.estimated_days_left is None:
        return None
    average = Money(s.average_daily_paise or 0)
    if s.estimated_days_left == 0:
        return Msg(N_("money.less_than_a_day"), {"average": average})
    return Msg(N_("money.days_left"), {"days": days(s.estimated_days_left),
                                       "average": average})


def cut_lines(turn: Turn, s: AccountSummary) -> list[Msg | None]:
    """When this account's supply was or can be cut, or when its balance runs out."""
    cut = turn.rules.disconnection
    rules = {"grace_hours": str(cut.grace_hours),
             "window_start": cut.window_start.strftime("%H:%M"),
             "window_end": cut.window_end.strftime("%H:%M"),
             "happy_start": cut.happy_start.strftime("%H:%M"),
             "happy_end": cut.happy_end.strftime("%H:%M")}
    balance = Money(s.balance_paise)
    if s.meter_status == "disconnected":
        told = story(turn, s)
        if told.need_paise is None:  # cut with a positive balance: a fault, not the rules
            return [Msg(N_("money.cut.since"), {"when": s.meter_status_since,
                                                "balance": balance,
                                                "helpline": turn.config.helpline})]
        return [Msg(N_("money.cut.was_cut"), {
            "when": s.meter_status_since, "balance": balance, "need": Money(told.need_paise),
            "suggested": Money(told.suggested_paise),
            "minutes": str(turn.config.supply_restore_minutes)})]
    if s.balance_paise < 0:
        lines: list[Msg | None] = [need_line(turn, s)]
        if s.next_disconnection_at is not None:
            lines.append(Msg(N_("balance.cut_from"), {"when": s.next_disconnection_at, **rules}))
        return lines
    if s.estimated_days_left is not None and s.balance_paise > 0:
        today = turn.now.astimezone(turn.services.tz).date()
        runs_out = today + timedelta(days=s.estimated_days_left)
        return [Msg(N_("money.cut.runs_out"), {"balance": balance, "day": runs_out, **rules})]
    return [Msg(N_("money.cut.not_negative"), {"balance": balance, **rules})]
