"""After a complaint: the answer to "was it solved?" (asked with the resolution notice)
and "theek nahi hua" / "abhi bhi nahi aa rahi" / "still not fixed", which reopens the
ticket, or adds to it while it is still open.

The question went out as an outbox message, so its answer is an ordinary message later:
the engine asks `follow_up` before small talk and the classifier whenever no form is
open. Only a yes, a no or a "not fixed" phrase is looked up, so other messages cost no
query; with no ticket to follow up, the message goes on to the usual routing (a bare
"theek nahi hua" there gets the complaint choices)."""

from __future__ import annotations

import re

from backend.care import follow_up as care
from backend.contacts import links
from bot.dialogue.flows.base import is_no, is_yes
from bot.dialogue.flows.complaint import AFTER_FILED, ComplaintFlow
from bot.dialogue.keywords import normalise
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_
from nlu import FALLBACK_INTENT
from nlu.normalize import normalize_text

NOT_A_REQUEST = frozenset({FALLBACK_INTENT, "out_of_scope", "affirm", "deny"})

_NOT_FIXED = re.compile(
    r"(?:(?<!\S)(?:thik|theek|tik|sahi|solve\w*|hal|resolve\w*|fix\w*|ठीक|सही|हल)\s+"
    r"(?:\S+\s+)?(?:nahi|nahin|nhi|nai|na|नहीं|नही|ना)\s+(?:hua|hui|huaa|hue|huwa|hoa|"
    r"hua\s+hai|ho\s+paya|hoil|bhail|हुआ|हुई|हुए|हो\s+पाया|भइल)(?!\S))"
    r"|(?:(?<!\S)(?:nahi|nahin|nhi|नहीं|नही)\s+(?:hua|hui|हुआ|हुई)\s+(?:thik|theek|sahi|hal|"
    r"ठीक|सही|हल)(?!\S))"
    r"|(?:(?<!\S)(?:abhi|ab|abhee|अभी|अब)\s+(?:bhi|bhee|tak|tk|भी|तक)\s+(?:\S+\s+){0,3}?"
    r"(?:nahi|nahin|nhi|nai|नहीं|नही)(?!\S))"
    r"|(?:(?<!\S)(?:still|again)\s+(?:\S+\s+){0,3}?(?:not|no|nothing|same|broken|"
    r"down|off|wrong|problem)(?!\S))"
    r"|(?:(?<!\S)not\s+(?:yet\s+)?(?:fixed|solved|resolved|repaired|working|restored)(?!\S))"
    r"|(?:(?<!\S)(?:wahi|vahi|wohi|same|वही)\s+(?:problem|samasya|dikkat|issue|समस्या|दिक्कत)"
    r"(?!\S))"
    r"|(?:(?<!\S)(?:samasya|समस्या|dikkat|दिक्कत|problem)\s+(?:bani|बनी|abhi|अभी)(?!\S))")
_SOLVED = frozenset({
    "ho gaya", "ho gya", "ho gai", "ho gayi", "thik ho gaya", "theek ho gaya", "thik ho gya",
    "sahi ho gaya", "hal ho gaya", "solve ho gaya", "aa gayi", "aa gai", "aa gaya",
    "bijli aa gayi", "bijli aa gai", "solved", "fixed", "resolved", "it is fixed",
    "हो गया", "हो गई", "ठीक हो गया", "ठीक हो गई", "सही हो गया", "हल हो गया", "आ गई",
    "आ गया", "बिजली आ गई", "समस्या हल हो गई",
})


def not_fixed(text: str | None) -> bool:
    """"theek nahi hua", "abhi bhi nahi aa rahi", "still not fixed", "वही समस्या"."""
    return bool(_NOT_FIXED.search(normalize_text(text or "")))


def _solved(turn: Turn) -> bool:
    folded = normalise(turn.text)
    return folded in _SOLVED or is_yes(turn)


def follow_up(turn: Turn) -> list[Reply] | None:
    """The reply when the message follows up a ticket; None to route it as usual."""
    if turn.state.in_form or turn.value is not None:
        return None
    unhappy = not_fixed(turn.text)
    answer = None if unhappy else (True if _solved(turn) else False if is_no(turn) else None)
    if not unhappy and answer is None:
        return None
    ids = [c.consumer_id for c in links.linked_consumers(turn.session, turn.contact)]
    whose = {"consumer_ids": ids, "contact_id": turn.contact.id}
    asked = care.pending_question(turn.session, now=turn.now, **whose)
    if answer is True:
        if asked is None:
            return None
        care.record_satisfaction(turn.session, asked, True, turn.now)
        return [Reply(N_("care.solved_thanks"), {"ticket": asked.ticket})]
    if asked is not None:
        care.record_satisfaction(turn.session, asked, False, turn.now)
        return _reopen(turn, asked)
    if not unhappy:
        return None  # a bare "nahi" with no question pending
    done = care.recently_done(turn.session, now=turn.now, **whose)
    if done is not None:
        return _reopen(turn, done)
    still = care.latest_open(turn.session, **whose)
    if still is None:
        # Nothing to follow up, and the classifier heard only a "no": a problem that
        # persists is a complaint to file, not a misunderstanding.
        if turn.intent in NOT_A_REQUEST:
            return ComplaintFlow().begin(turn, None, triage=True)
        return None
    care.add_note(turn.session, still, turn.text, turn.now)
    return [Reply(N_("care.still_open"), {"ticket": still.ticket, "due": still.due_at},
                  AFTER_FILED)]


def _reopen(turn: Turn, ticket: care.Complaint) -> list[Reply]:
    reopened = care.reopen(turn.session, ticket, turn.text, turn.now)
    c = reopened.complaint
    key = N_("care.still_open") if reopened.appended else N_("care.reopened")
    return [Reply(key, {"ticket": c.ticket, "due": c.due_at}, AFTER_FILED)]
