"""Anger gets empathy: one calm line that acknowledges the problem, then the most likely
help, never the help text and never the consumer's words back (bot/dialogue/anger.py
decides what is angry; the reply texts hold no abuse).

The most likely help: what the message also asks for, if the classifier heard a real
request in it ("bakwas service, bijli nahi aa rahi" files a no-supply complaint); else,
for money ("chor ho tum log", "loot macha rakhi hai") and a verified contact, the latest
day's deduction explained line by line, then "still wrong?" (a complaint if so); else
the complaint choices."""

from __future__ import annotations

from collections.abc import Callable

from backend.contacts import links
from bot.dialogue.anger import about_money
from bot.dialogue.flows.base import Flow
from bot.dialogue.flows.complaint import ComplaintFlow
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_
from nlu import FALLBACK_INTENT

#: Intents that are no request of their own (the help text is what angered the trial).
_NO_REQUEST = frozenset({FALLBACK_INTENT, "out_of_scope", "affirm", "deny", "help", "greet",
                         "goodbye", "thanks"})
#: Abuse pulls the classifier towards whatever it half-matches ("kya bakwas hai yaar" ->
#: FAQ at 0.65): only a confident intent counts as a request made in anger.
REQUEST_CONFIDENCE = 0.8


def calm_reply(turn: Turn, start: Callable[[Turn, str], list[Reply]],
               form: Flow | None = None) -> list[Reply]:
    """The calm line, then `start(turn, intent)` or the best guess at the help needed; in
    the middle of a form that asks nothing else, the form's question again (the consumer
    is already being helped: a new complaint menu would lose their answers)."""
    money = about_money(turn.text)
    linked = bool(links.linked_consumers(turn.session, turn.contact))
    calm = Reply(N_("care.calm_money") if money and linked else N_("care.calm"))
    if turn.intent not in _NO_REQUEST and turn.parse.intent.confidence >= REQUEST_CONFIDENCE:
        return [calm, *start(turn, turn.intent)]
    reminder = form.reminder(turn) if form is not None else None
    if reminder is not None:
        return [calm, reminder]
    complaint = ComplaintFlow()
    if money and linked:
        return [calm, *complaint.begin(turn, "high_deduction", triage=True)]
    return [calm, *complaint.begin(turn, None, triage=True)]
