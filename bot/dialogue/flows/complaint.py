"""Complaints: triage first, then a ticket; and the status of the consumer's tickets.

Triage uses the consumer's own data, because many "complaints" have an answer: no supply
with a negative balance is the meter doing its job (say how much to recharge); an outage
notice for the area has a restoration time; a high deduction is first explained line by
line. A cut despite a positive balance is filed as urgent. Filing is category (from the
message, else a numbered choice), a short description, confirm; the reply has the ticket
id and the expected resolution time. A contact not verified for any connection may report
an outage or a fraud call for an area or CA number, and sees no account data; such
reports are limited per day and merged (backend.care.complaints.file_unverified), and a
report for a CA number that does not exist is answered like any other."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from backend.care import complaints, outages
from backend.contacts import links
from backend.contacts.links import LinkedConsumer
from backend.models import Consumer
from backend.platform.errors import DomainError
from bot.dialogue.compose import compose
from bot.dialogue.flows import money
from bot.dialogue.flows.base import YES_NO, Flow, free_text, menu
from bot.dialogue.flows.complaint_answers import file_it, still_wrong
from bot.dialogue.flows.gate import pick_connection
from bot.dialogue.flows.usage import asked_explanation, explanation
from bot.dialogue.keywords import digits
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_, Money, Msg

CATEGORY_KEYS = {
    "no_supply": N_("complaint.category.no_supply"),
    "cut_despite_balance": N_("complaint.category.cut_despite_balance"),
    "no_supply_after_recharge": N_("complaint.category.no_supply_after_recharge"),
    "meter_fault": N_("complaint.category.meter_fault"),
    "recharge_not_credited": N_("complaint.category.recharge_not_credited"),
    "high_deduction": N_("complaint.category.high_deduction"),
    "arrears_deduction": N_("complaint.category.arrears_deduction"),
    "free_units_or_rebate": N_("complaint.category.free_units_or_rebate"),
    "app_not_working": N_("complaint.category.app_not_working"),
    "fraud": N_("complaint.category.fraud"),
    "other": N_("complaint.category.other"),
}
STATUS_KEYS = {
    "open": N_("complaint.status.open"),
    "in_progress": N_("complaint.status.in_progress"),
    "resolved": N_("complaint.status.resolved"),
    "closed": N_("complaint.status.closed"),
}
NO_SUPPLY = frozenset({"no_supply", "no_supply_after_recharge", "cut_despite_balance"})
#: Often better answered by the day's deduction explained line by line
#: (docs/ARCHITECTURE.md, "Complaints").
EXPLAIN_FIRST = frozenset({"high_deduction", "arrears_deduction", "free_units_or_rebate"})
AFTER_FILED = (Option(N_("complaint.option.status"), "complaint:status"),
               Option(N_("balance.option.menu"), "menu"))


def category_label(name: str) -> Msg:
    return Msg(CATEGORY_KEYS.get(name, CATEGORY_KEYS["other"]))


class ComplaintFlow(Flow):
    name = "complaint"
    intents = ("file_complaint", "complaint_status")

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        if intent == "complaint_status":
            return self.status(turn)
        return self.begin(turn, turn.parse.first("complaint_category"), triage=True)

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        kind, _, category = arg.partition(":")
        if kind == "status":
            return self.status(turn)
        chosen = category if category in CATEGORY_KEYS else None
        return self.begin(turn, chosen, triage=kind != "file")

    # --- filing --------------------------------------------------------------------------
    def begin(self, turn: Turn, category: str | None, *, triage: bool) -> list[Reply]:
        linked = links.linked_consumers(turn.session, turn.contact)
        if not linked:
            return self.unverified(turn, category)
        who = links.active_consumer(turn.session, turn.contact)
        if who is None:
            return pick_connection(turn, linked, f"complaint:cat:{category or 'choose'}")
        if category not in CATEGORY_KEYS:
            turn.state.open(self.name, "category")
            options = tuple(Option(key, f"complaint:cat:{name}")
                            for name, key in CATEGORY_KEYS.items())
            return [Reply(N_("complaint.choose"), options=options)]
        assert category is not None
        if category == "recharge_not_credited":  # recent recharges first, then a form
            from bot.dialogue.flows.recharge_missing import RechargeMissingFlow
            return RechargeMissingFlow().begin(turn, who.consumer_id, who.ca_number)
        if category == "fraud":
            turn.state.open(self.name, "fraud", consumer_id=who.consumer_id)
            return [Reply(N_("complaint.ask_fraud"))]
        if triage:
            answered = self.triage(turn, who, category)
            if answered is not None:
                return answered
        return [self.ask_description(turn, who, category)]

    def triage(self, turn: Turn, who: LinkedConsumer, category: str) -> list[Reply] | None:
        """An answer instead of a ticket, or None to go on filing."""
        if category in EXPLAIN_FIRST:
            return self._explain_first(turn, category, who)
        if category not in NO_SUPPLY:
            return None
        try:
            s = turn.metering.summary(who.ca_number)
        except DomainError:
            return None
        helpline = turn.config.helpline
        if s.balance_paise < 0:
            turn.state.close()
            told = money.story(turn, s)  # the amounts of every other reply
            return [compose([Msg(N_("complaint.triage.negative"), {
                "balance": Money(s.balance_paise), "need": Money(told.need_paise or 0),
                "suggested": Money(told.suggested_paise),
                "minutes": str(turn.config.supply_restore_minutes)})],
                (Option(N_("balance.option.recharge"), "intent:recharge_help"),
                 Option(N_("complaint.option.file_anyway"), f"complaint:file:{category}"),
                 Option(N_("balance.option.menu"), "menu")), urgent=True)]
        notice = outages.for_consumer(turn.session, who.consumer_id, turn.now)
        if notice is not None:
            turn.state.close()
            options = (Option(N_("complaint.option.file_anyway"), f"complaint:file:{category}"),
                       Option(N_("balance.option.menu"), "menu"))
            if notice.expected_restore_at is None:
                return [Reply(N_("complaint.triage.outage_no_time"),
                              {"reason": notice.reason or "-", "helpline": helpline}, options)]
            return [Reply(N_("complaint.triage.outage"), {
                "reason": notice.reason or "-", "restore": notice.expected_restore_at,
                "helpline": helpline}, options)]
        if s.meter_status == "disconnected":
            urgent = Reply(N_("complaint.triage.cut_urgent"), {"balance": Money(s.balance_paise)},
                           urgent=True)
            return [urgent, self.ask_description(turn, who, "cut_despite_balance", urgent=True)]
        return None

    def _explain_first(self, turn: Turn, category: str,
                       who: LinkedConsumer) -> list[Reply] | None:
        try:
            charge = asked_explanation(turn, who.ca_number)  # the day named, else the latest
            if charge is None:
                return None
            shown = explanation(turn, charge)
        except DomainError:
            return None
        turn.state.open(self.name, "still_wrong", category=category,
                        consumer_id=who.consumer_id)
        return [replace(shown, options=()), Reply(N_("complaint.still_wrong"), options=YES_NO)]

    def ask_description(self, turn: Turn, who: LinkedConsumer, category: str, *,
                        urgent: bool | None = None) -> Reply:
        turn.state.open(self.name, "describe", category=category,
                        consumer_id=who.consumer_id, urgent=urgent)
        return Reply(N_("complaint.ask_description"), {"category": category_label(category)})

    def unverified(self, turn: Turn, category: str | None) -> list[Reply]:
        if category == "no_supply":
            turn.state.open(self.name, "area", category=category)
            return [Reply(N_("complaint.ask_area"))]
        if category == "fraud":
            turn.state.open(self.name, "fraud")
            return [Reply(N_("complaint.ask_fraud"))]
        return [Reply(N_("complaint.unverified"), {"helpline": turn.config.helpline}, (
            Option(N_("complaint.option.outage"), "complaint:cat:no_supply"),
            Option(N_("complaint.option.fraud"), "complaint:cat:fraud"),
            Option(N_("account.link_now"), "intent:link_account")))]

    # --- answers to the open form ----------------------------------------------------------
    def answer(self, turn: Turn) -> list[Reply] | None:
        step, slots = turn.state.step, turn.state.slots
        text = turn.text.strip()
        if step == "still_wrong":
            verdict = still_wrong(turn)
            if verdict is True:
                turn.state.open(self.name, "describe", category=slots.get("category"),
                                consumer_id=slots.get("consumer_id"))
                if turn.value is None and turn.intent == "file_complaint" and \
                        turn.parse.first("complaint_category") == slots.get("category"):
                    return self.answer(turn)  # told what is wrong: that is the detail
                return [Reply(N_("complaint.ask_description"),
                              {"category": category_label(slots.get("category", "other"))})]
            if verdict is False:
                turn.state.close()
                return [menu(N_("complaint.explained_ok"))]
            return None
        if step == "describe":
            told = free_text(turn)
            if told is None:
                return None
            turn.state.step = "confirm"
            slots["description"] = told[:complaints.MAX_DESCRIPTION]
            return [Reply(N_("complaint.confirm"), {
                "category": category_label(slots.get("category", "other")),
                "description": slots["description"]}, YES_NO)]
        if step == "confirm":
            verdict = file_it(turn)
            if verdict is True:
                return self.file(turn)
            if verdict is False:
                turn.state.close()
                return [menu(N_("complaint.not_filed"))]
            return None
        if step in ("area", "fraud") and free_text(turn) is None:
            return None  # "balance kitna hai", "ok": not an area nor a fraud report
        if step == "area" and text and turn.value is None:
            return self._area(turn, text)
        if step == "fraud" and text and turn.value is None:
            slots.update(category="fraud", description=text)
            return [*self.file(turn), Reply(N_("recharge.fraud"),
                                            {"helpline": turn.config.helpline})]
        return None

    def _area(self, turn: Turn, text: str) -> list[Reply]:
        """An outage report from an unverified contact: a CA number or an area in words.
        An outage notice for that CA number's area answers it; no account data is shown."""
        ca = links.normalise_ca(digits(text)) if len(digits(text)) >= 9 else None
        if ca is not None:
            consumer_id = _consumer_id(turn, ca)
            notice = (outages.for_consumer(turn.session, consumer_id, turn.now)
                      if consumer_id is not None else None)
            if notice is not None:  # the area's outage is known: no ticket
                turn.state.close()
                params = {"reason": notice.reason or "-", "helpline": turn.config.helpline}
                if notice.expected_restore_at is None:
                    return [Reply(N_("complaint.triage.outage_no_time"), params)]
                return [Reply(N_("complaint.triage.outage"), {
                    **params, "restore": notice.expected_restore_at})]
        turn.state.slots.update(ca=ca, area=None if ca else text[:200], description=text)
        return self.file(turn)

    def file(self, turn: Turn) -> list[Reply]:
        slots = turn.state.slots
        turn.state.close()
        report = {"category": str(slots.get("category") or "other"),
                  "description": str(slots.get("description") or ""), "now": turn.now,
                  "contact_id": turn.contact.id, "ca_number": slots.get("ca"),
                  "area": slots.get("area"), "urgent": slots.get("urgent")}
        consumer_id = slots.get("consumer_id")
        if consumer_id is None and not links.linked_consumers(turn.session, turn.contact):
            filed = complaints.file_unverified(turn.session, **report)
            if filed is None:
                return [Reply(N_("complaint.limited"), {"helpline": turn.config.helpline},
                              AFTER_FILED)]
        else:
            filed = complaints.file_complaint(turn.session, consumer_id=consumer_id, **report)
        c = filed.complaint
        params = {"ticket": c.ticket, "category": category_label(c.category), "due": c.due_at}
        if filed.duplicate:
            return [Reply(N_("complaint.duplicate"), params, AFTER_FILED)]
        lines = [Msg(N_("complaint.filed"), params)]
        if filed.urgent:
            lines.append(Msg(N_("complaint.urgent_note"), {"helpline": turn.config.helpline}))
        return [compose(lines, AFTER_FILED)]

    def reminder(self, turn: Turn) -> Reply | None:
        step = turn.state.step
        if step == "describe":
            return Reply(N_("complaint.ask_description"), {
                "category": category_label(turn.state.slots.get("category", "other"))})
        if step in ("confirm", "still_wrong"):
            return Reply(N_("complaint.reminder_yes_no"), options=YES_NO)
        if step == "area":
            return Reply(N_("complaint.ask_area"))
        if step == "fraud":
            return Reply(N_("complaint.ask_fraud"))
        return None

    # --- status --------------------------------------------------------------------------
    def status(self, turn: Turn) -> list[Reply]:
        linked = links.linked_consumers(turn.session, turn.contact)
        who = links.active_consumer(turn.session, turn.contact)
        if linked and who is None:
            return pick_connection(turn, linked, "complaint:status")
        tickets = complaints.recent(
            turn.session, consumer_id=who.consumer_id if who else None,
            contact_id=None if who else turn.contact.id, now=turn.now)
        options = (Option(N_("menu.option.complaint"), "complaint:cat:choose"),
                   Option(N_("balance.option.menu"), "menu"))
        if not tickets:
            return [Reply(N_("complaint.status.none"), {"helpline": turn.config.helpline},
                          options)]
        lines = [Msg(N_("complaint.status.head"))]
        for c in tickets:
            lines.append(Msg(N_("complaint.status.line"), {
                "ticket": c.ticket, "category": category_label(c.category),
                "status": Msg(STATUS_KEYS[c.status.value]),
                "filed": c.created_at.astimezone(turn.services.tz).date(),
                "due": c.due_at}))
        return [compose(lines, options)]


def _consumer_id(turn: Turn, ca: str) -> int | None:
    return turn.session.scalars(select(Consumer.id).where(Consumer.ca_number == ca)).first()
