""""helpline number kya hai", "हेल्पलाइन नंबर", "customer care number": always the helpline
(1912, toll free), then the discom's own numbers when configured.

A deterministic lexicon, not a classifier guess: the number is the one answer a consumer
must always get, in any state (an open form is reminded after it). Matched only in short
messages, so "helpline pe call kiya, koi nahi uthaya, bijli nahi hai" stays a complaint."""

from __future__ import annotations

import re

from bot.dialogue.compose import compose
from bot.dialogue.facts import discoms_for
from bot.dialogue.flows.base import MENU_OPTIONS
from bot.dialogue.keywords import normalise
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_, Msg

_TERMS = re.compile(
    r"\b(help ?line|helplain|हेल्प ?लाइन|हेल्पलाईन|customer ?care|costumer ?care|"
    r"coustomer ?care|कस्टमर ?केयर|ग्राहक सेवा|toll ?free|टोल ?फ्री|टोलफ्री)"
    r"|\b(shikayat|complaint|bijli vibhag|bijli office|office|बिजली विभाग|शिकायत|ऑफिस|"
    r"ओफिस|दफ्तर|daftar)\b.{0,12}\b(ka|ki|का|की) (number|no|nambar|नंबर|नम्बर)\b")
_MAX_WORDS = 8
_LONG_DIGITS = re.compile(r"\d{6,}")  # a CA or phone number: the message is about that


def asks_helpline(text: str | None) -> bool:
    """Whether a short message asks for the helpline / customer care number."""
    folded = normalise(text or "")
    if not folded or len(folded.split()) > _MAX_WORDS or _LONG_DIGITS.search(folded):
        return False
    return _TERMS.search(folded) is not None


def helpline_reply(turn: Turn) -> Reply:
    """1912 first, then each discom's own numbers (the consumer's discom only, when known);
    the menu after it, unless a form is open (its reminder follows instead)."""
    lines: list[Msg | None] = [Msg(N_("facts.helpline"), {"helpline": turn.config.helpline})]
    lines += [Msg(N_("facts.discom_phones"), {"region": d.region_in(turn.language),
                                              "phones": ", ".join(d.phones)})
              for d in discoms_for(turn) if d.phones]
    return compose(lines, () if turn.state.in_form else MENU_OPTIONS)
