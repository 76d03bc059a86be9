"""The flow contract and the registry that routes intents and option values to flows.

A flow answers an intent (`start`), and when it asked a question it owns the contact's
form until answered (`answer`). An answer it does not recognise returns None, so the
engine can treat the message as an interruption instead of a wrong answer."""

from __future__ import annotations

from bot.dialogue.keywords import normalise
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


def _first_word(turn: Turn) -> str:
    words = normalise(turn.text).split()
    return words[0] if words else ""


def is_yes(turn: Turn) -> bool:
    """A tapped "yes", a typed yes word ("haan ji"), or the NLU's affirm."""
    if turn.value is not None:
        return turn.value == "yes"
    return turn.intent == "affirm" or _first_word(turn) in YES_WORDS


def is_no(turn: Turn) -> bool:
    """A tapped "no", a typed no word ("no thanks", "nahi chahiye"), or the NLU's deny."""
    if turn.value is not None:
        return turn.value == "no"
    return turn.intent == "deny" or _first_word(turn) in NO_WORDS
