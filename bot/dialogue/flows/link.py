"""Linking a chat to a connection: CA number -> a one-time code SMSed to the registered
mobile -> the code. And choosing between several connections on one phone.

Until the code step an unknown CA number gets the same answer as a known one ("if CA X is
registered, a code went to its mobile; no code? check the number on your bill") and the
registered mobile is never shown, even masked: otherwise the bot would tell anyone which
CA numbers exist and whose phone they belong to. Every lookup counts against the chat's
limits (backend/contacts/otp.py).

After linking or choosing, the question that needed it ("balance?") is answered at once,
so the consumer never has to ask twice."""

from __future__ import annotations

import re
from datetime import timedelta

from backend.contacts import links, otp
from backend.contacts.otp import OtpPolicy
from bot.dialogue.flows.base import ACCOUNT_INTENTS, Flow, is_no, is_yes, menu, other_intent
from bot.dialogue.flows.gate import pick_connection
from bot.dialogue.keywords import digits, normalise
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_

SWITCH = re.compile(r"\b(switch|dusra|doosra|dusre|doosre|other|another|badl\w*|change)\b|"
                    r"दूसर|बदल")
#: In the OTP step: "dobara bhejo", "resend", "फिर से भेजो", "OTP nahi aaya" ask for a new code.
RESEND = re.compile(
    r"\b(resend|re send|again|dobara|dubara|dobra|phir se|fir se|firse|new code|new otp|naya"
    r"|send (it )?again|not (received|come|got)|(didn ?t|did not) (get|receive|come)"
    r"|no (otp|code|sms)"
    r"|(nahi|nahin|nhi|nai|na) (aaya|aya|aayaa|mila|aaya hai|aya hai))\b"
    r"|\b(otp|code|kod|sms|msg|message)\b.*\b(nahi|nahin|nhi|nai|not)\b"
    r"|दोबारा|दुबारा|फिर से|फिरसे|नया|(नहीं|नही|नहि) (आया|मिला)|(ओटीपी|otp|कोड|मैसेज|एसएमएस).*नह")
RESEND_OPTION = Option(N_("link.option.resend"), "resend")
#: Outside the code step a resend must also name the code or ask to send ("dobara
#: bhejo"), so "bijli phir se kat gayi" or "naya connection" is not read as one.
NAMES_CODE = re.compile(r"\b(otp|code|sms|resend|bhej\w*|send)\b|ओटीपी|कोड|एसएमएस|भेज")
#: How long after asking for a code "OTP nahi aaya" still means that code.
RESEND_WITHIN = timedelta(days=1)
#: The registered mobile's answer to a link notice ("not you? reply NO").
OWNER_NO = frozenset({"no", "nahi", "nahin", "nhi", "नहीं", "नही", "no it was not me",
                      "not me", "maine nahi kiya", "मैंने नहीं किया"})


def _ca_in(turn: Turn) -> str | None:
    """A CA number in the message: the NLU entity, or 9-12 digits typed on their own."""
    found = turn.parse.first("ca_number")
    if found:
        return found
    return links.normalise_ca(digits(turn.text)) if turn.value is None else None


def link_followup(turn: Turn) -> list[Reply] | None:
    """With no form open: the registered mobile's NO to a link notice, or a resend asked
    for after the code step lapsed (the conversation expired while waiting for the SMS).
    None when the message is neither."""
    return undo_link(turn) or resend_later(turn)


def resend_later(turn: Turn) -> list[Reply] | None:
    text = normalise(turn.text)
    if turn.message.button_payload != "resend":
        if turn.message.button_payload is not None or not RESEND.search(text):
            return None
        if not NAMES_CODE.search(text):
            return None
    ca = otp.latest_request_ca(turn.session, turn.contact, turn.now - RESEND_WITHIN)
    if ca is None:
        return None
    turn.state.open(LinkFlow.name, "otp", ca=ca)
    return LinkFlow().request(turn, ca, None)


def undo_link(turn: Turn) -> list[Reply] | None:
    """A bare NO from a registered mobile (WhatsApp/SMS) within the configured days after
    another chat linked to its connection with a code: remove those links at once and
    say so. None when there is no such link (the NO was about something else)."""
    if normalise(turn.text) not in OWNER_NO:
        return None
    within = timedelta(days=turn.services.settings.link_unlink_days)
    cas = links.unlink_recent_for_owner(turn.session, turn.contact, turn.now, within)
    if not cas:
        return None
    return [Reply(N_("link.owner_unlinked"), {"ca": ", ".join(cas),
                                               "helpline": turn.config.helpline})]


def continue_with(turn: Turn, then: str | None) -> list[Reply]:
    return turn.run_intent(then) if then else []


class LinkFlow(Flow):
    name = "link"
    intents = ("link_account",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        linked = links.linked_consumers(turn.session, turn.contact)
        ca = _ca_in(turn)
        if ca is None and len(linked) > 1 and SWITCH.search(normalise(turn.text)):
            return pick_connection(turn, linked, None)
        if ca is not None:
            return self.request(turn, ca, None)
        turn.state.open(self.name, "ca")
        key = N_("link.ask_ca_more") if linked else N_("link.ask_ca")
        return [Reply(key)]

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        return self.start(turn, "link_account")

    def answer(self, turn: Turn) -> list[Reply] | None:
        step, then = turn.state.step, turn.state.slots.get("then")
        if step == "offer":
            if is_yes(turn):
                if turn.state.slots.get("ca"):
                    return self.request(turn, turn.state.slots["ca"], then)
                turn.state.open(self.name, "ca", then=then)
                return [Reply(N_("link.ask_ca"))]
            if is_no(turn):
                turn.state.close()
                return [menu(N_("link.declined"))]
            ca = _ca_in(turn)
            return self.request(turn, ca, then) if ca else None
        if step in ("ca", "otp") and (waiting := self._asked_meanwhile(turn, step)):
            return waiting
        if step == "ca":
            ca = _ca_in(turn)
            if ca is not None:
                return self.request(turn, ca, then)
            if len(digits(turn.text)) >= 5:  # a number, but not a CA number
                return [Reply(N_("link.bad_ca"))]
            return None
        if step == "otp":
            return self._code(turn, then)
        return None

    @staticmethod
    def _asked_meanwhile(turn: Turn, step: str) -> list[Reply] | None:
        """Balance or usage asked while the CA number or the code is awaited, by a contact
        with no connection yet: answered as soon as the link is done (it becomes the form's
        `then`), and the form goes on; the form is not replaced by a new "link?" offer."""
        asked = other_intent(turn)
        if asked not in ACCOUNT_INTENTS or turn.state.slots.get("spent") \
                or links.linked_consumers(turn.session, turn.contact):
            return None  # a spent code: the offer to link again answers it
        turn.state.slots["then"] = asked
        if step == "otp":
            return [Reply(N_("link.after_otp"), options=(RESEND_OPTION,))]
        return [Reply(N_("link.after_ca"))]

    def _code(self, turn: Turn, then: str | None) -> list[Reply] | None:
        ca = turn.state.slots.get("ca", "")
        text = normalise(turn.text).replace("'", " ")
        if turn.value == "resend" or (turn.value is None and RESEND.search(text)):
            return self.request(turn, ca, then)
        code = digits(turn.text) if turn.value is None else ""
        if not 4 <= len(code) <= 8:
            new_ca = _ca_in(turn)
            if new_ca is not None and new_ca != ca:
                return self.request(turn, new_ca, then)
            return None
        if turn.state.slots.get("unknown"):  # no code went out: now it may be said
            turn.state.open(self.name, "ca", then=then)
            return [Reply(N_("link.unknown_ca"), {"ca": ca, "helpline": turn.config.helpline})]
        policy = OtpPolicy.from_settings(turn.services.settings)
        result = otp.verify_otp(turn.session, turn.contact, code, turn.now, policy=policy)
        if result.status == "verified" and result.linked is not None:
            turn.state.close()
            done = Reply(N_("link.done"), {"name": result.linked.name,
                                           "ca": result.linked.ca_number})
            return [done, *continue_with(turn, then)]
        if result.status == "wrong":
            return [Reply(N_("link.otp_wrong"), {"left": str(result.attempts_left)},
                          (RESEND_OPTION,))]
        if result.status in ("too_many", "expired"):
            turn.state.slots["spent"] = True
        if result.status == "too_many":
            return [Reply(N_("link.otp_too_many"), options=(RESEND_OPTION,))]
        if result.status == "expired":
            return [Reply(N_("link.otp_expired"), options=(RESEND_OPTION,))]
        turn.state.open(self.name, "ca", then=then)
        return [Reply(N_("link.ask_ca"))]

    def request(self, turn: Turn, ca: str, then: str | None) -> list[Reply]:
        policy = OtpPolicy.from_settings(turn.services.settings)
        result = otp.request_otp(turn.session, turn.contact, ca, turn.now, policy=policy)
        if result.status in ("sent", "unknown_ca"):
            turn.state.open(self.name, "otp", ca=ca, then=then,
                            unknown=result.status == "unknown_ca")
            minutes = int(policy.ttl.total_seconds() // 60)
            return [Reply(N_("link.otp_sent"), {"ca": ca, "minutes": str(minutes)})]
        if result.status == "already_linked" and result.linked is not None:
            turn.state.close()
            return [Reply(N_("account.selected"), {"name": result.linked.name,
                                                   "ca": result.linked.ca_number}),
                    *continue_with(turn, then)]
        if result.status == "rate_limited":
            wait = result.retry_after.total_seconds() if result.retry_after else 3600
            minutes = {"minutes": str(max(1, int(wait // 60)))}
            if turn.state.form == self.name and turn.state.step == "otp":
                # Asked again from the code step: stay there (an earlier code may still
                # arrive and work), so another "dobara bhejo" gets this answer again and
                # never falls through to the classifier.
                if otp.has_pending_otp(turn.session, turn.contact, turn.now):
                    return [Reply(N_("link.resend_wait"), minutes)]
                return [Reply(N_("link.resend_limited"),
                              {**minutes, "helpline": turn.config.helpline})]
            turn.state.close()
            return [Reply(N_("link.rate_limited"), minutes)]
        turn.state.open(self.name, "ca", then=then)
        return [Reply(N_("link.bad_ca"))]

    def reminder(self, turn: Turn) -> Reply | None:
        if turn.state.step == "otp":
            return Reply(N_("link.remind_otp"), options=(RESEND_OPTION,))
        if turn.state.step == "ca":
            return Reply(N_("link.remind_ca"))
        return None


class SelectFlow(Flow):
    """Which of the phone's connections to talk about ("dusra connection")."""

    name = "select"

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        linked = links.linked_consumers(turn.session, turn.contact)
        return pick_connection(turn, linked, None)

    def answer(self, turn: Turn) -> list[Reply] | None:
        if turn.value and turn.value.startswith("select:"):
            return self.on_value(turn, turn.value.split(":", 1)[1])
        typed = links.normalise_ca(digits(turn.text))
        if turn.value is None and typed:
            return self.on_value(turn, typed)
        return None

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        then = turn.state.slots.get("then") if turn.state.form == self.name else None
        for linked in links.linked_consumers(turn.session, turn.contact):
            if linked.ca_number == arg:
                links.select_consumer(turn.session, turn.contact, linked.consumer_id)
                turn.state.close()
                return [Reply(N_("account.selected"), {"name": linked.name,
                                                       "ca": linked.ca_number}),
                        *continue_with(turn, then)]
        return self.start(turn, "")

    def reminder(self, turn: Turn) -> Reply | None:
        return Reply(N_("account.pick_reminder"))
