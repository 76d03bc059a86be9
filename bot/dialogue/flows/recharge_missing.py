"""A recharge that did not show up: first the account's recent recharges (what *was*
credited, and when), and only if the missing one is not among them a short form: the
amount, roughly when, and the UPI/transaction id (optional: "pata nahi" skips it). The
answers are stored on the ticket (backend.care.complaints.RechargeClaim) so staff can trace
the payment.

Each step takes only what looks like its answer (an amount; a time in words or digits; an
id of letters and digits) and returns None otherwise, so the engine answers an
interruption ("balance kitna hai") and reminds the consumer of the question."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from backend.care import complaints
from backend.care.complaints import RechargeClaim
from backend.platform.errors import DomainError
from bot.dialogue.compose import compose
from bot.dialogue.flows.base import Flow, is_no, is_yes, menu
from bot.dialogue.flows.complaint import AFTER_FILED, category_label
from bot.dialogue.keywords import digits, normalise
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_, Money, Msg
from nlu import FALLBACK_INTENT
from nlu.normalize import normalize_text

CATEGORY = "recharge_not_credited"
#: How far back credited recharges are shown, and how many at most.
LOOKBACK = timedelta(days=7)
SHOWN = 3
UTR_DIGITS = 12
FOUND_OPTIONS = (Option(N_("care.recharge.option.found"), "yes"),
                 Option(N_("care.recharge.option.missing"), "no"))
#: Intents that are never an answer to a free-text step: the consumer asked something else.
_NOT_ANSWERS = frozenset({FALLBACK_INTENT, "out_of_scope", "affirm", "deny", "file_complaint"})

_BARE_AMOUNT = re.compile(
    r"^(?:(?:rs|inr|₹)\s*)?(\d{1,6}(?:\.\d{1,2})?)\s*"
    r"(?:rs|inr|₹|/-|rupees?|rupay[ae]e?|rupaye|रुपये|रुपए|रु)?"
    r"(?:\s+(?:ka|ki|ke|का|की|के)(?:\s+(?:recharge|रिचार्ज|kiya|किया|tha|था))*)?$")
_SKIP = re.compile(
    r"(?<!\S)(?:pata\s+nahi\w*|pta\s+nhi|nahi\s+pata|malum\s+nahi|maloom\s+nahi|"
    r"yaad\s+nahi|yad\s+nahi|nahi\s+hai|nhi\s+h|nahi|no|skip|none|"
    r"don\s*t\s+know|dont\s+know|do\s+not\s+know|not\s+sure|no\s+idea|don\s*t\s+have|"
    r"पता\s+नही\S*|नही\S*\s+पता|मालूम\s+नही\S*|याद\s+नही\S*|नही\S*\s+है|नही\S*|"
    r"स्किप)(?!\S)")
_TIME_WORDS = re.compile(
    r"(?<!\S)(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|baje|bje|बजे)?|\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|"
    r"baje|bje|subah|sube|savere|dopahar|dopehar|sham|shaam|raat|rat|kal|aaj|aj|parso|"
    r"parson|abhi|ghanta|ghante|ghanteh|minute|min|mint|pehle|pahle|din|hafta|"
    r"am|pm|morning|noon|afternoon|evening|night|today|yesterday|ago|hours?|minutes?|"
    r"days?|last|week|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|"
    r"nov\w*|dec\w*|sunday|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"बजे|सुबह|सवेरे|दोपहर|शाम|रात|कल|आज|परसों|परसो|अभी|घंटे|घंटा|मिनट|पहले|दिन|हफ्ते|"
    r"जनवरी|फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|अक्टूबर|नवंबर|दिसंबर|"
    r"रविवार|सोमवार|मंगलवार|बुधवार|गुरुवार|शुक्रवार|शनिवार)(?!\S)")
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{0,6}\d[A-Za-z0-9]{5,34})(?![A-Za-z0-9])")


def amount_paise(turn: Turn) -> int | None:
    """The amount in a message: the NLU's money entity, or a bare number ("500", "₹500",
    "500 rupaye", "500 ka recharge")."""
    raw = turn.parse.first("amount")
    if raw is None:
        match = _BARE_AMOUNT.match(normalise(turn.text).replace(",", ""))
        raw = match.group(1) if match else None
    if raw is None:
        return None
    try:
        paise = int(Decimal(str(raw)) * 100)
    except (InvalidOperation, ValueError):
        return None
    return paise if 0 < paise <= turn.rules.recharge_max_paise else None


def skipped(text: str) -> bool:
    """"pata nahi", "don't know", "nahi hai": the consumer does not know (whole message)."""
    folded = normalise(normalize_text(text)).replace("'", " ")
    return len(folded.split()) <= 6 and _SKIP.search(folded) is not None


def rough_time(turn: Turn) -> str | None:
    """Roughly when, in the consumer's words, if the message says a time or a day."""
    text = turn.text.strip()
    if not text or len(text) > 60 or _asks_something_else(turn):
        return None
    if turn.parse.first("period") is not None or _TIME_WORDS.search(normalise(text)):
        return text
    return None


def reference(text: str) -> str | None:
    """A UPI reference / UTR (12 digits) or a wallet's transaction id (letters and digits,
    at least six digits in all)."""
    for token in _REFERENCE.findall(text or ""):
        if sum(ch.isdigit() for ch in token) >= 6:
            return token.upper()
    grouped = digits(text or "")  # a UTR read out in groups: "3344 5566 7788"
    return grouped if len(grouped) == UTR_DIGITS else None


def _asks_something_else(turn: Turn) -> bool:
    return turn.intent not in _NOT_ANSWERS and turn.parse.intent.confidence >= 0.8


class RechargeMissingFlow(Flow):
    name = "recharge_missing"

    def begin(self, turn: Turn, consumer_id: int, ca_number: str) -> list[Reply]:
        """Entered from the complaint flow once the connection is known."""
        try:
            summary = turn.metering.summary(ca_number)
            recent = [r for r in turn.metering.recharges(ca_number, SHOWN)
                      if r.at >= turn.now - LOOKBACK]
        except DomainError:
            summary, recent = None, []
        said = amount_paise(turn)  # "I recharged ₹300 but ..." needs no amount question
        if not recent or summary is None:
            turn.state.open(self.name, "amount" if said is None else "when",
                            consumer_id=consumer_id, amount_paise=said)
            return [compose([Msg(N_("care.recharge.none_found"), {"days": LOOKBACK.days}),
                             Msg(N_("care.recharge.ask_amount") if said is None
                                 else N_("care.recharge.ask_when"))])]
        turn.state.open(self.name, "found", consumer_id=consumer_id, amount_paise=said,
                        balance_paise=summary.balance_paise,
                        listed=[r.amount_paise for r in recent])
        lines = [Msg(N_("care.recharge.found_head"))]
        today = turn.now.astimezone(turn.services.tz).date()
        lines += [Msg(N_("care.recharge.line_today") if r.at.astimezone(turn.services.tz)
                      .date() == today else N_("care.recharge.line"),
                      {"amount": Money(r.amount_paise), "at": r.at})
                  for r in recent]
        lines.append(Msg(N_("care.recharge.found_ask"), {"balance": Money(summary.balance_paise)}))
        return [compose(lines, FOUND_OPTIONS)]

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        """No intent of its own: "recharge not credited" is a complaint category, so the
        complaint flow (connection checks first) calls `begin`."""
        return turn.run_intent("file_complaint")

    def answer(self, turn: Turn) -> list[Reply] | None:
        step, slots = turn.state.step, turn.state.slots
        if step == "found":
            typed = amount_paise(turn) if turn.value is None else None
            if is_yes(turn) or (typed is not None and typed in slots.get("listed", [])):
                balance = int(slots.get("balance_paise") or 0)
                turn.state.close()
                return [menu(N_("care.recharge.credited_ok"), balance=Money(balance))]
            if typed is not None:  # an amount not in the list: that is the missing one
                slots["amount_paise"] = typed
                turn.state.step = "when"
                return [Reply(N_("care.recharge.ask_when"))]
            if is_no(turn):
                if slots.get("amount_paise") is not None:
                    turn.state.step = "when"
                    return [Reply(N_("care.recharge.ask_when"))]
                turn.state.step = "amount"
                return [Reply(N_("care.recharge.ask_amount"))]
            return None
        if turn.value is not None:
            return None
        if step == "amount":
            paise = amount_paise(turn)
            if paise is None:
                return None
            slots["amount_paise"] = paise
            turn.state.step = "when"
            return [Reply(N_("care.recharge.ask_when"))]
        if step == "when":
            if (when := rough_time(turn)) is not None:
                slots["when"] = when
            elif skipped(turn.text):
                slots["when"] = None
            else:
                return None
            turn.state.step = "reference"
            return [Reply(N_("care.recharge.ask_reference"))]
        if step == "reference":
            found = reference(turn.text)
            if found is None and not skipped(turn.text):
                return None
            slots["reference"] = found
            return self.file(turn)
        return None

    def file(self, turn: Turn) -> list[Reply]:
        slots = turn.state.slots
        turn.state.close()
        claim = RechargeClaim(amount_paise=slots.get("amount_paise"), when=slots.get("when"),
                              reference=slots.get("reference"))
        amount = Money(int(claim.amount_paise or 0))
        details = Msg(N_("care.recharge.summary"), {
            "amount": amount, "when": claim.when or Msg(N_("care.recharge.unknown")),
            "reference": claim.reference or Msg(N_("care.recharge.unknown"))})
        rupees = f"{amount.paise // 100}.{amount.paise % 100:02d}"
        description = (f"Recharge Rs. {rupees}; when: {claim.when or '-'}; "
                       f"ref: {claim.reference or '-'}")
        filed = complaints.file_complaint(
            turn.session, category=CATEGORY, description=description, now=turn.now,
            consumer_id=slots.get("consumer_id"), contact_id=turn.contact.id, recharge=claim)
        c = filed.complaint
        params = {"ticket": c.ticket, "category": category_label(c.category), "due": c.due_at}
        key = N_("complaint.duplicate") if filed.duplicate else N_("complaint.filed")
        return [compose([Msg(key, params), details], AFTER_FILED)]

    def reminder(self, turn: Turn) -> Reply | None:
        step = turn.state.step
        if step == "found":
            return Reply(N_("care.recharge.found_again"), options=FOUND_OPTIONS)
        if step == "amount":
            return Reply(N_("care.recharge.ask_amount"))
        if step == "when":
            return Reply(N_("care.recharge.ask_when"))
        if step == "reference":
            return Reply(N_("care.recharge.ask_reference"))
        return None
