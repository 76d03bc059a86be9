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
from bot.dialogue.flows.complaint import ComplaintFlow
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_
from nlu import FALLBACK_INTENT

#: Intents that are no request of their own (the help text is what angered the trial).
_NO_REQUEST = frozenset({FALLBACK_INTENT, "out_of_scope", "affirm", "deny", "help", "greet",
                         "goodbye", "thanks"})


def calm_reply(turn: Turn, start: Callable[[Turn, str], list[Reply]]) -> list[Reply]:
    """The calm line, then `start(turn, intent)` or the best guess at the help needed."""
    money = about_money(turn.text)
    linked = bool(links.linked_consumers(turn.session, turn.contact))
    calm = Reply(N_("care.calm_money") if money and linked else N_("care.calm"))
    if turn.intent not in _NO_REQUEST:
        return [calm, *start(turn, turn.intent)]
    complaint = ComplaintFlow()
    if money and linked:
        return [calm, *complaint.begin(turn, "high_deduction", triage=True)]
    return [calm, *complaint.begin(turn, None, triage=True)]
