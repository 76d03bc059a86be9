"""Which language a reply is in, and when that choice is remembered.

The contact's stored language decides, else the language on the consumer account it is
linked to, else the configured default (`DEFAULT_LANGUAGE`, Hindi). One message answers in
another language only when it is *clearly* that language and long enough (three words or
more, the evidence one-sided, not small talk or a keyword): "Hi", "ok", "bal", "STOP",
numbers and emoji never move it. Such a message starts a streak; the messages after it that
say nothing about language ("1", "ok") follow the streak, so a conversation does not flip
back and forth. The stored language changes only on an explicit choice (the language menu,
"English please", "हिंदी में", "EN") or after `LANGUAGE_SWITCH_AFTER` (3) clear messages in a
row in the same other language. A clear message in the account's language ends a streak.

Pure functions: the engine reads the inputs and writes the outcome (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.dialogue.compose import compose
from bot.dialogue.keywords import normalise
from bot.dialogue.types import Language, Reply
from bot.i18n import N_, Msg
from nlu.langid import language_evidence

LANGUAGES: tuple[Language, ...] = ("hi", "hi-Latn", "en")
#: Clear messages in a row, in one other language, before it becomes the stored language
#: (the default of the `LANGUAGE_SWITCH_AFTER` setting).
SWITCH_AFTER = 3
#: Words a message needs before its language may move the reply: three between English and
#: Hindi, two between Hindi's scripts ("balance batao" to a Devanagari account answers in
#: Latin letters: the same language, and a third of the SMS cost).
MIN_WORDS = 3
MIN_WORDS_SAME_LANGUAGE = 2
HINDI: frozenset[str] = frozenset({"hi", "hi-Latn"})
#: Evidence (about one strong word's worth per 2.0) the winning language needs, and how
#: much of it the other side may have (a third): "balance check karo please" is mixed.
MIN_EVIDENCE = 2.0
MAX_OTHER_SHARE = 1 / 3
#: Intents that say nothing about the consumer's language, however long ("Good morning
#: sir", "thank you so much"): the courtesy words of both languages.
CHATTER_INTENTS = frozenset({"greet", "thanks", "goodbye", "affirm", "deny"})
#: Whole messages that choose a language at once (besides the change_language intent).
EXPLICIT: dict[str, Language] = {
    "en": "en", "eng": "en", "english": "en", "english please": "en", "in english": "en",
    "अंग्रेज़ी": "en", "अंग्रेजी": "en", "angrezi": "en", "angreji": "en",
    "hindi": "hi", "हिंदी": "hi", "हिन्दी": "hi", "हिंदी में": "hi", "हिन्दी में": "hi",
    "hindi me": "hi", "hindi mein": "hi", "hinglish": "hi-Latn",
}
#: Where the streak is kept in the conversation state's data (it expires with it).
STATE_KEY = "lang"


@dataclass(frozen=True)
class Streak:
    """Consecutive clear messages in `language`, which is not the contact's own."""

    language: Language
    count: int

    def to_data(self) -> dict[str, Any]:
        return {"language": self.language, "count": self.count}

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> Streak | None:
        """The streak kept in a state's data; None for none or anything malformed."""
        raw = (data or {}).get(STATE_KEY)
        if not isinstance(raw, dict) or raw.get("language") not in LANGUAGES:
            return None
        count = raw.get("count")
        return cls(raw["language"], count) if isinstance(count, int) and count > 0 else None


@dataclass(frozen=True)
class Choice:
    reply: Language  # answer this message in it
    store: Language | None  # remember it as the contact's language (None: keep as is)
    streak: Streak | None  # to keep for the next message


def explicit_choice(text: str | None) -> Language | None:
    """The language a whole message asks for ("EN", "english", "हिंदी में"), else None."""
    return EXPLICIT.get(normalise(text or ""))


def clear_language(text: str | None, intent: str | None = None, *,
                   base: Language = "hi") -> Language | None:
    """The message's language if it is clearly one and long enough to go by (measured
    against `base`, the contact's language), else None."""
    if not text or intent in CHATTER_INTENTS:
        return None
    evidence = language_evidence(text)
    hindi = evidence.language in HINDI
    needed = MIN_WORDS_SAME_LANGUAGE if hindi and base in HINDI else MIN_WORDS
    if evidence.words < needed:
        return None
    ours, other = ((evidence.hindi, evidence.english) if hindi
                   else (evidence.english, evidence.hindi))
    if ours < MIN_EVIDENCE or other > ours * MAX_OTHER_SHARE:
        return None
    return evidence.language


def base_language(stored: str | None, account: str | None, default: str) -> Language:
    """The contact's language: stored, else its account's, else the default."""
    for value in (stored, account, default):
        if value in LANGUAGES:
            return value  # type: ignore[return-value] - checked above
    return "hi"


def decide(*, stored: str | None, account: str | None, default: str,
           clear: Language | None, streak: Streak | None,
           switch_after: int = SWITCH_AFTER) -> Choice:
    """The reply language for one message, whether to store a language, and the streak."""
    base = base_language(stored, account, default)
    if clear is None:  # nothing to go by: the conversation's current language
        return Choice(streak.language if streak else base, None, streak)
    if clear == base:
        return Choice(base, None, None)
    count = streak.count + 1 if streak and streak.language == clear else 1
    if count >= max(switch_after, 1):
        return Choice(clear, clear, None)
    return Choice(clear, None, Streak(clear, count))


def offer_english(reply: Reply) -> Reply:
    """`reply` with the short "For English, type EN" line under it (one message, not
    two: on SMS each message is billed)."""
    return compose([Msg(reply.key, dict(reply.params)), Msg(N_("language.offer_en"))],
                   reply.options, urgent=reply.urgent)
