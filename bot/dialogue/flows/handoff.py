"""Human handoff: "talk to a person" flags the conversation for staff (the engine does the
same after repeated misunderstanding) and says what happens next; while flagged the
engine stays quiet except for safety replies, and "bot" brings the assistant back."""

from __future__ import annotations

from backend.care import handoff
from bot.dialogue.flows.base import Flow
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from bot.i18n import N_


def handoff_params(turn: Turn) -> dict[str, str]:
    cfg = turn.config
    return {"helpline": cfg.helpline, "open": cfg.office_open, "close": cfg.office_close}


def hand_over(turn: Turn, reason: str, key: str = N_("handoff.started")) -> list[Reply]:
    turn.state.close()
    handoff.flag(turn.session, turn.contact, reason, turn.now)
    return [Reply(key, handoff_params(turn))]


class HandoffFlow(Flow):
    name = "handoff"
    intents = ("human_handoff",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        return hand_over(turn, "asked")
