"""Reading the consumer's own words as the answer to the complaint form's two yes/no
questions ("does the deduction still look wrong?", "shall I file it?"), so that a free-text
answer is taken as the yes or no it is, instead of starting a new complaint with its
category list, where the next "1" would file "no supply"."""

from __future__ import annotations

import re

from bot.dialogue.flows.base import YES_WORDS, is_no, is_yes, only_acknowledges, other_intent
from bot.dialogue.keywords import normalise
from bot.dialogue.turn import Turn

#: Answers to "does the deduction still look wrong?" that are a yes or a no without saying
#: so: "galat hai abhi bhi" (the NLU hears a deny), "theek nahi", "samajh aa gaya".
STILL_WRONG = re.compile(
    r"\b(galat|ghalat|glt|wrong|incorrect|zyada|jyada|jada|jyda|zada|abhi bhi|ab bhi|abhi tak|"
    r"still|(theek|thik|sahi) (nahi|nhi|na)|samajh? nahi|samjh nahi|not (right|clear|ok))\b|"
    r"ग़लत|गलत|ज़्यादा|ज्यादा|अभी भी|अब भी|अभी तक|(ठीक|सही) (नहीं|नही)|समझ नहीं")
EXPLAINED = re.compile(
    r"\b(sahi hai|sahi h|samajh (gaya|gayi|aa gaya|aaya)|samjh (gaya|gayi|aa gaya|aaya)|"
    r"got it|understood|makes sense|it is fine|it's fine|all clear)\b|"
    r"सही है|समझ (गया|गई|गयी|आ गया|आया)")


def still_wrong(turn: Turn) -> bool | None:
    """A yes, a no, or None (not an answer) to "still wrong?". Words about the deduction
    come before the yes/no words: "galat hai abhi bhi" is a yes though the NLU hears deny;
    restating the complaint ("shikayat karni hai") is a yes too, never a new list."""
    if turn.value is not None:
        return {"yes": True, "no": False}.get(turn.value)
    named = turn.parse.first("complaint_category")
    if other_intent(turn) or (named and named != turn.state.slots.get("category")):
        return None  # another question, or another complaint: answered as such
    text = normalise(turn.text)
    if STILL_WRONG.search(text):
        return True
    if EXPLAINED.search(text):
        return False
    if only_acknowledges(turn):
        return None  # "achha": heard the explanation; asked again, not filed
    if is_yes(turn):
        return True
    if is_no(turn):
        return False
    if turn.intent == "file_complaint":
        return True
    return None


#: "Shall I file it?" answered in words: "darj kar do", "shikayat darj karo", "file it".
FILE_IT = re.compile(r"\b(darj|file|register|submit|kar do|kardo|kar dijiye|kijiye|bhej do)\b|"
                     r"दर्ज|कर दो|कर दीजिए|कीजिए|भेज दो")
DONT = re.compile(r"\b(mat|nahi|nahin|nhi|don t|dont|do not|not|no)\b|मत|नहीं|नही")


def file_it(turn: Turn) -> bool | None:
    """A yes, a no, or None (not an answer) to "shall I file this complaint?". Restating
    the request ("shikayat darj karo") is a yes, not a new complaint with a new list."""
    if turn.value is not None:
        return {"yes": True, "no": False}.get(turn.value)
    named = turn.parse.first("complaint_category")
    if other_intent(turn) or (named and named != turn.state.slots.get("category")):
        return None
    text = normalise(turn.text)
    words = text.split()
    if words and words[0] in YES_WORDS:
        return True
    if is_no(turn) or DONT.search(text):
        return False
    if is_yes(turn) or FILE_IT.search(text) or turn.intent == "file_complaint":
        return True
    return None
