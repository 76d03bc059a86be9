"""Safety first, in every state: a danger or fraud message gets the safety advice before
anything else, then the offer of an urgent complaint (yes/no).

`safety_first` is the engine's first routing step (before keywords, an open form and the
NLU, during a handoff and for unverified contacts). A form in progress is parked in the
offer's slots and given back after the yes/no (or when the consumer answers something
else), with its reminder. During a handoff only the advice is sent: staff have the
conversation and will see the message."""

from __future__ import annotations

from typing import Any

from backend.contacts import links
from bot.dialogue.facts import fact_params
from bot.dialogue.flows.base import YES_NO, Flow, is_no, is_yes
from bot.dialogue.flows.complaint import ComplaintFlow
from bot.dialogue.safety import Kind, detect
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_

#: The complaint each kind of report is filed as. Danger is always urgent; fraud keeps its
#: category's setting (backend/data/complaints.yml), as the urgent note speaks of danger.
CATEGORY: dict[Kind, str] = {"danger": "meter_fault", "fraud": "fraud"}
ADVICE = {"danger": N_("safety.danger"), "fraud": N_("safety.fraud")}
OFFER = {"danger": N_("safety.offer_danger"), "fraud": N_("safety.offer_fraud")}


def safety_first(turn: Turn) -> list[Reply] | None:
    """The safety replies for a dangerous or fraud message, or None (route as usual).
    A tapped option is never a report."""
    if turn.message.button_payload is not None:
        return None
    kind = detect(turn.text)
    if kind is None:
        return None
    if turn.state.form == SafetyFlow.name and is_yes(turn):
        return None  # "haan, abhi bhi chingari nikal rahi": a yes to the offer, file it
    advice = Reply(ADVICE[kind], _params(turn), urgent=True)
    if turn.contact.handoff_at is not None:
        return [advice]
    state = turn.state
    parked = ({"form": state.form, "step": state.step, "slots": state.slots}
              if state.in_form and state.form != SafetyFlow.name else
              state.slots.get("parked") if state.form == SafetyFlow.name else None)
    state.open(SafetyFlow.name, "offer", kind=kind, text=turn.text[:500], parked=parked)
    return [advice, Reply(OFFER[kind], options=YES_NO)]


def _params(turn: Turn) -> dict[str, Any]:
    return fact_params(turn, website="recharge_website")


class SafetyFlow(Flow):
    """Owns only the yes/no after the advice; started by `safety_first`, not by an intent."""

    name = "safety"

    def __init__(self, flows: list[Flow] | None = None) -> None:
        self._flows = {f.name: f for f in flows or ()}
        self._complaint = ComplaintFlow()

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        return safety_first(turn) or []

    def answer(self, turn: Turn) -> list[Reply] | None:
        slots = turn.state.slots
        kind = slots.get("kind", "danger")
        parked = slots.get("parked")
        if is_yes(turn):
            replies = self._file(turn, kind, str(slots.get("text") or ""))
        elif is_no(turn):
            replies = [Reply(N_("safety.not_filed"), {"helpline": turn.config.helpline})]
        else:  # something else: give the parked form back and let it (or the NLU) answer
            self._unpark(turn, parked)
            form = self._flows.get(turn.state.form or "")
            return form.answer(turn) if form is not None else None
        self._unpark(turn, parked)
        reminder = self.reminder(turn)
        return [*replies, reminder] if reminder else replies

    def reminder(self, turn: Turn) -> Reply | None:
        """The parked form's reminder (the engine asks after answering something else)."""
        if turn.state.form == self.name:
            return Reply(OFFER[turn.state.slots.get("kind", "danger")], options=YES_NO)
        form = self._flows.get(turn.state.form or "")
        return form.reminder(turn) if form is not None else None

    def _file(self, turn: Turn, kind: str, text: str) -> list[Reply]:
        """An urgent ticket through the complaint flow, for the active (or only) connection;
        an unverified contact's ticket carries the contact, so staff can call back."""
        linked = links.linked_consumers(turn.session, turn.contact)
        who = links.active_consumer(turn.session, turn.contact)
        if who is None and len(linked) == 1:
            who = linked[0]
        turn.state.open(ComplaintFlow.name, "confirm", category=CATEGORY.get(kind, "fraud"),
                        description=text, urgent=True if kind == "danger" else None,
                        consumer_id=who.consumer_id if who else None)
        return self._complaint.file(turn)

    @staticmethod
    def _unpark(turn: Turn, parked: dict[str, Any] | None) -> None:
        if parked and parked.get("form"):
            turn.state.open(parked["form"], parked.get("step") or "",
                            **(parked.get("slots") or {}))
        else:
            turn.state.close()
