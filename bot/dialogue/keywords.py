"""Exact keywords that win over the NLU: opt-out/opt-in (a legal duty, never a guess),
cancel (must work in every state) and menu. Matched on the whole message, normalised, so
"stop the meter cutting" is not an opt-out while "STOP" always is.

"band karo" / "बंद करें" say "stop" without saying what: with a form open they cancel
it, otherwise the consumer is asked whether to stop messages ("stop_or_cancel")."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Keyword = Literal["opt_out", "opt_in", "cancel", "menu", "stop_or_cancel", "welcome"]

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_PUNCT = re.compile(r"[\s.,!?।|'\"()\-_:;]+")

_TABLE: dict[Keyword, tuple[str, ...]] = {
    "opt_out": ("stop", "stop all", "stopall", "unsubscribe", "opt out", "optout", "end",
                "quit", "मैसेज बंद करें", "मैसेज बंद करो", "मैसेज बंद कर दो",
                "संदेश बंद करें", "संदेश बंद करो", "अलर्ट बंद करें", "अलर्ट बंद करो",
                "message band karein", "message band karo", "message band kro",
                "msg band karo", "msg band kro", "sms band karo", "alert band karo",
                "स्टॉप", "अनसब्सक्राइब"),
    "opt_in": ("start", "subscribe", "unstop", "opt in", "optin", "शुरू", "शुरू करें",
               "शुरू करो", "मैसेज शुरू करें", "message chalu karo", "message shuru karo",
               "shuru", "shuru karo", "स्टार्ट"),
    "cancel": ("cancel", "0", "रद्द", "रद्द करें", "रद्द करो", "radd", "radd karo",
               "chhodo", "chodo", "छोड़ो", "छोड़ दो", "rehne do",
               "rahne do", "रहने दो", "nevermind", "never mind", "exit"),
    "stop_or_cancel": ("band karo", "band kro", "band karein", "band kar do", "band kardo",
                       "बंद करो", "बंद करें", "बंद करे", "बंद कर दो", "बंद कीजिए"),
    # Telegram's first message in a new chat: a welcome, not "START" (opt back in).
    "welcome": ("/start",),
    "menu": ("menu", "main menu", "मेनू", "मेन्यू", "मेन्यु", "mainu", "options"),
}
_LOOKUP = {phrase: kind for kind, phrases in _TABLE.items() for phrase in phrases}


def normalise(text: str) -> str:
    """Lower-case, NFC, Devanagari digits as ASCII, punctuation and runs of space folded."""
    folded = unicodedata.normalize("NFC", text or "").translate(_DEVANAGARI_DIGITS).casefold()
    return _PUNCT.sub(" ", folded).strip()


def keyword(text: str) -> Keyword | None:
    return _LOOKUP.get(normalise(text))


def bare_number(text: str) -> int | None:
    """'2', ' २ ', '2.' -> 2: a numbered-list answer (up to two digits)."""
    folded = normalise(text)
    return int(folded) if folded.isdigit() and len(folded) <= 2 else None


def digits(text: str) -> str:
    """All the digits in a message, in order ('123 456' -> '123456', '१२३' -> '123')."""
    return "".join(ch for ch in normalise(text) if ch.isdigit())
