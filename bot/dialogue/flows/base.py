"""The flow contract and the registry that routes intents and option values to flows.

A flow answers an intent (`start`), and when it asked a question it owns the contact's
form until answered (`answer`). An answer it does not recognise returns None, so the
engine can treat the message as an interruption instead of a wrong answer."""

from __future__ import annotations

import re

from bot.dialogue.keywords import bare_number, normalise
from bot.dialogue.smalltalk import small_talk
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_


class Flow:
    name: str = ""
    intents: tuple[str, ...] = ()

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        raise NotImplementedError

    def answer(self, turn: Turn) -> list[Reply] | None:
        """The reply to a message while this flow's form is open; None: not an answer."""
        return None

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        """An option "<flow name>:<arg>" was picked outside a form."""
        return self.start(turn, "")

    def reminder(self, turn: Turn) -> Reply | None:
        """A one-line nudge back to the open form after answering something else."""
        return None


class Registry:
    def __init__(self, flows: list[Flow]) -> None:
        self.by_name = {f.name: f for f in flows}
        self.by_intent: dict[str, Flow] = {}
        for flow in flows:
            for intent in flow.intents:
                if intent in self.by_intent:
                    raise ValueError(f"intent {intent} claimed by two flows")
                self.by_intent[intent] = flow

    def flow(self, name: str | None) -> Flow | None:
        return self.by_name.get(name or "")

    def for_intent(self, intent: str) -> Flow | None:
        return self.by_intent.get(intent)


# --- options shared by flows ------------------------------------------------------------

MENU_OPTIONS: tuple[Option, ...] = (
    Option(N_("menu.option.balance"), "intent:check_balance"),
    Option(N_("menu.option.usage"), "intent:usage_history"),
    Option(N_("menu.option.recharge"), "intent:recharge_help"),
    Option(N_("menu.option.app"), "intent:app_install_help"),
    Option(N_("menu.option.complaint"), "intent:file_complaint"),
    Option(N_("menu.option.language"), "intent:change_language"),
    Option(N_("menu.option.human"), "intent:human_handoff"),
)
YES_NO: tuple[Option, ...] = (Option(N_("common.yes"), "yes"), Option(N_("common.no"), "no"))


def menu(key: str = N_("menu.title"), **params: object) -> Reply:
    return Reply(key, dict(params), MENU_OPTIONS)


YES_WORDS = frozenset({"yes", "y", "haan", "han", "ha", "haa", "ji", "hanji", "ok", "okay",
                       "हाँ", "हां", "जी", "हाँजी"})
NO_WORDS = frozenset({"no", "n", "nahi", "nahin", "nai", "na", "nope", "नहीं", "नही", "ना"})


#: Yes words that are a clear yes; "ok" often only acknowledges what was said.
CLEAR_YES = YES_WORDS - {"ok", "okay"}


def only_acknowledges(turn: Turn) -> bool:
    """"ok", "achha", "theek hai", 👍: heard, but no answer to a question whose answer is
    recorded or changes course ("is the app installed?", "still wrong?"); the engine
    acknowledges it and asks the question again."""
    return (turn.value is None and small_talk(turn.text) == "ack"
            and _first_word(turn) not in CLEAR_YES)


def _first_word(turn: Turn) -> str:
    words = normalise(turn.text).split()
    return words[0] if words else ""


def is_yes(turn: Turn, *, strict: bool = False) -> bool:
    """A tapped "yes", a typed yes word ("haan ji"), or the NLU's affirm. `strict`: "ok",
    "achha", 👍 only acknowledge (`only_acknowledges`), for a question whose answer is
    recorded ("is the app installed?")."""
    if strict and only_acknowledges(turn):
        return False
    if turn.value is not None:
        return turn.value == "yes"
    return turn.intent == "affirm" or _first_word(turn) in YES_WORDS


def is_no(turn: Turn) -> bool:
    """A tapped "no", a typed no word ("no thanks", "nahi chahiye"), or the NLU's deny."""
    if turn.value is not None:
        return turn.value == "no"
    return turn.intent == "deny" or _first_word(turn) in NO_WORDS


# --- free-text slots: is this message the answer, or something else? ----------------------

#: Questions a form's free-text slot (complaint details, CA number, OTP, an amount) must not
#: take as its answer: the engine answers them and then reminds the form.
OTHER_INTENTS = frozenset({"check_balance", "usage_history", "recharge_help",
                           "complaint_status", "app_install_help", "faq_prepaid",
                           "human_handoff", "change_language"})
#: Of those, the ones that are never an answer, asked or told ("kisi insaan se baat karao").
ALWAYS_OTHER = frozenset({"human_handoff", "change_language"})
#: Of those, the ones that need a verified connection (asked before linking is finished).
ACCOUNT_INTENTS = frozenset({"check_balance", "usage_history"})
#: The classifier must be this sure; a free-text answer is often on the same subject.
STRONG = 0.8
#: Asking, not telling: "balance kitna hai", "kal kitna kata", "recharge kaise kare".
_QUESTION = re.compile(
    r"\?|\b(kitna|kitni|kitne|kitan|kya|kab|kaise|kaisay|kahan|kaha|kaun|kon|batao|bataiye|"
    r"bataye|bata do|btao|dikhao|dikhaiye|how|what|when|where|which|show|tell)\b|"
    r"कितना|कितनी|कितने|क्या|कब|कैसे|कहाँ|कहां|कौन|बताओ|बताइए|बताइये|बताएं|बताएँ|"
    r"बता दो|दिखाओ|दिखाइए")


def other_intent(turn: Turn) -> str | None:
    """The intent of a message a free-text slot should not swallow: a confident account or
    service question ("balance kitna hai" while a complaint waits for its details). Only a
    question, or a message of two words or fewer ("balance", "usage"), counts: "balance kat
    gaya bina bijli jale" is a description, not a question; asking for a person or another
    language always counts. A tapped option never is."""
    if turn.value is not None:
        return None
    intent = turn.parse.intent
    if intent.name not in OTHER_INTENTS or intent.confidence < STRONG:
        return None
    text = normalise(turn.text)
    if intent.name in ALWAYS_OTHER or len(text.split()) <= 2 \
            or _QUESTION.search(turn.text.casefold()):
        return intent.name
    return None


def free_text(turn: Turn) -> str | None:
    """The message as the answer to a free-text step (complaint details, an area, an
    amount), or None when it is something else: a tapped option, a bare number (it picks
    from a list, it describes nothing), small talk ("ok", "hmm", 👍) or a question for
    someone else (`other_intent`). None lets the engine answer it and ask again."""
    text = turn.text.strip()
    if turn.value is not None or not text or bare_number(text) is not None \
            or small_talk(text) is not None or other_intent(turn):
        return None
    return text


#: "Cancel it" in a sentence, said while a form waits ("complaint cancel kar do", "रहने
#: दीजिए"): a command, not "my recharge got cancelled". The exact one-word keywords are in
#: bot/dialogue/keywords.py; this catches the longer ways of saying it, in a form only.
_CANCEL = re.compile(
    r"\b(cancel|cancle|cencel|radd|rad)\s*(karo|kar do|kardo|kr do|krdo|kro|kar dijiye|kijiye|"
    r"karein|karen|kar den|please|it|this|that|now)\b|\b(please cancel|stop this|leave it|"
    r"forget it|rehne do|rahne do|rehne dijiye|rahne dijiye|chhod do|chhodo|chod do|chodo|"
    r"nahi karna|nahi karni|nhi karna|nhi karni)\b|"
    r"(रद्द|कैंसल|कैंसिल) (करो|करें|कर दो|कर दें|कर दीजिए|कर दीजिये|कीजिए)|"
    r"रहने दो|रहने दीजिए|छोड़ दो|छोड़ दीजिए|छोड़ो|नहीं करनी|नहीं करना")
CANCEL_MAX_WORDS = 6


def cancels_form(text: str | None) -> bool:
    """A short message that asks to drop the open form."""
    folded = normalise(text or "")
    return len(folded.split()) <= CANCEL_MAX_WORDS and _CANCEL.search(folded) is not None
