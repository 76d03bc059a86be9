"""Human handoff: "talk to a person" flags the conversation for staff and says what happens
next; repeated misunderstanding only *offers* a person (yes/no), it never hands over
silently. A handoff always ends: every message meanwhile is acknowledged, account
questions are still answered, "0"/cancel/"menu"/"bot" bring the bot back, and so does
the passing of `HANDOFF_RETURN_HOURS` (said on the next message) or a staff release."""

from __future__ import annotations

from datetime import timedelta

from backend.care import handoff
from bot.dialogue.flows.base import YES_NO, Flow, is_no, is_yes, menu
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_

#: Below this confidence a guessed "talk to a person" is offered (yes/no), not carried out:
#: keyboard mash ("aaaaaaaa") scores about 0.5 for it, and a handoff silences the bot.
HAND_OVER_SURE = 0.7
#: Still answered by the bot while a person has the conversation: they only read.
ANSWERED_DURING_HANDOFF = frozenset({"check_balance", "usage_history", "complaint_status"})


def handoff_params(turn: Turn) -> dict[str, str]:
    cfg = turn.config
    return {"helpline": cfg.helpline, "open": cfg.office_open, "close": cfg.office_close,
            "hours": str(turn.services.settings.handoff_return_hours)}


def hand_over(turn: Turn, reason: str, key: str = N_("handoff.started")) -> list[Reply]:
    turn.state.close()
    handoff.flag(turn.session, turn.contact, reason, turn.now)
    return [Reply(key, handoff_params(turn))]


def offer_person(turn: Turn) -> list[Reply]:
    """After repeated misunderstanding: ask whether to pass the chat to staff."""
    turn.state.open(HandoffFlow.name, "offer")
    return [Reply(N_("handoff.offer"), handoff_params(turn), YES_NO)]


def release_if_expired(turn: Turn) -> list[Reply]:
    """Hand an old handoff back to the bot; the notice to say so, or [] if none was due."""
    since = turn.contact.handoff_at
    if since is None:
        return []
    if turn.now - since < timedelta(hours=turn.services.settings.handoff_return_hours):
        return []
    handoff.release(turn.session, turn.contact)
    turn.state.close()
    return [Reply(N_("handoff.expired"), handoff_params(turn))]


def back_to_bot(turn: Turn) -> list[Reply]:
    handoff.release(turn.session, turn.contact)
    turn.state.close()
    return [menu(N_("handoff.ended"))]


def waiting(turn: Turn) -> Reply:
    """The acknowledgement of a message that waits for staff (never silence)."""
    return Reply(N_("handoff.waiting"), handoff_params(turn))


class HandoffFlow(Flow):
    name = "handoff"
    intents = ("human_handoff",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        """Hand over when asked plainly (or the menu option was picked); a weak guess only
        offers a person."""
        if turn.value is None and turn.parse.intent.confidence < HAND_OVER_SURE:
            return offer_person(turn)
        return hand_over(turn, "asked")

    def answer(self, turn: Turn) -> list[Reply] | None:
        if turn.state.step != "offer":
            return None
        if is_yes(turn):
            return hand_over(turn, "not_understood", N_("handoff.auto"))
        if is_no(turn):
            turn.state.close()
            return [menu(N_("handoff.declined"))]
        return None

    def reminder(self, turn: Turn) -> Reply | None:
        if turn.state.step != "offer":
            return None
        return Reply(N_("handoff.offer_reminder"), options=YES_NO)
