"""A clear date question is a usage question, whatever the classifier guessed.

"28 नवंबर को कितने पैसे कटे" or "10 din ka kharcha" carry a date or period and a usage word
(kata, kharcha, khapat, unit, bill, …); a small classifier trained on few dated examples may
call them an FAQ or out of scope, and the consumer would get the generic answer although the
bot knows that day's figures. A message that is nothing but a past date ("25/11", "parso")
asks the same. Intents that may well carry a date (a complaint, a balance question, a
recharge) are left alone; so are future dates and tenses ("kal aayegi", "kitna aayega").
"""

from __future__ import annotations

from nlu.entities.period import tense
from nlu.normalize import normalize_text
from nlu.types import FALLBACK_INTENT, IntentScore, ParseResult

USAGE = "usage_history"
#: Guesses a dated usage question is overruled from: none of them uses a date.
_WEAK = frozenset((FALLBACK_INTENT, "faq_prepaid", "out_of_scope", "help", "greet", "goodbye",
                   "thanks", "affirm", "deny", "link_account"))


def _words(text: str) -> frozenset[str]:
    return frozenset(normalize_text(w) for w in text.split())


_CUES = _words("""
kata kate kati kat katauti katoti kharch kharcha kharchaa khapat unit units usage use used
consumption consumed deduct deducted deduction jala jali jale bill hisab hisaab paisa gaya
कटा कटे कटी कट कटौती खर्च खर्चा खपत यूनिट उपयोग इस्तेमाल जला जली जले बिल हिसाब पैसा पैसे गया
""")
_FILLER = _words("""
ka ki ke ko me mein se tak wala wali का की के को में से तक वाला वाली please plz bhai sir
""")
_FUTURE = frozenset(("tomorrow",))


def _past(value: str) -> bool:
    return value not in _FUTURE and not value.startswith("days_ahead:")


def usage_if_dated(result: ParseResult) -> ParseResult:
    """`result` with the intent set to usage_history for a clear date question."""
    if result.intent.name not in _WEAK:
        return result
    kinds = {e.entity for e in result.entities}
    periods = [e for e in result.entities if e.entity == "period"]
    if not periods or not all(_past(e.value) for e in periods) or kinds - {"period"}:
        return result
    words = normalize_text(result.text).split()
    covered = set(normalize_text(" ".join(e.text for e in periods)).split())
    rest = [w for w in words if w not in covered and w not in _FILLER]
    if rest and not any(w in _CUES for w in rest):
        return result
    if any(tense(w) == "future" for w in words):  # "7 din me bill kitna aayega": a forecast
        return result
    usage = IntentScore(USAGE, max(result.intent.confidence, _score(result)))
    ranking = [usage, *(s for s in result.intent_ranking if s.name != USAGE)]
    return ParseResult(result.text, usage, ranking, result.entities, result.language)


def _score(result: ParseResult) -> float:
    return next((s.confidence for s in result.intent_ranking if s.name == USAGE), 0.0)
