"""The dialogue engine: one inbound message in, the replies out, in one transaction.

Order of work (each step has a reason):
1. find and lock the contact, then dedupe — two processes never interleave one contact,
   a provider retry must not be answered twice, and the claim rolls back with everything
   else if handling fails, so the retry is then answered;
2. load the contact's state (safe to change: the contact is locked), and choose the reply
   language (bot/dialogue/language_choice.py: the account's, unless the message clearly is
   another language; stored only on an explicit choice or a run of such messages);
3. route: the safety lexicon first (danger or fraud, in every state: bot/dialogue/safety.py),
   then exact keywords (opt-out, opt-in, cancel, menu: never left to a classifier), then
   a helpline question (always 1912: bot/dialogue/helpline.py), then a picked option,
   then the open form, then the NLU intent; a form that does not recognise the message
   lets the intent answer it and then reminds the form;
4. never a dead end: small talk ("ok", "hmm", emoji) gets a short friendly line and an
   out-of-scope question a polite "not ours" + the menu, neither counted as a failure;
   what is not understood gets the menu, and repeated failures *offer* a person (yes/no);
5. never silence: while handed to a person every message is acknowledged, account
   questions are still answered, cancel/"menu"/"bot" come back, and the handoff ends
   by itself after `HANDOFF_RETURN_HOURS`;
6. care after complaints: with no form open, a yes/no or "theek nahi hua" follows up a
   resolved ticket first ("was it solved?" went out with the resolution notice:
   bot/dialogue/flows/follow_up.py); anger, before the intent, gets one calm line and the
   most likely help, never the help text (bot/dialogue/flows/anger.py);
7. log the message and its replies (backend/contacts/log.py) in the same transaction, so
   staff see what was written, during a handoff too, and a rolled-back turn logs nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts, conversations, links, otp
from backend.contacts import log as conversation_log
from backend.models import Contact
from backend.platform.errors import DomainError
from bot.dialogue.anger import angry
from bot.dialogue.flows.anger import calm_reply
from bot.dialogue.flows.base import Flow, Registry, cancels_form, menu
from bot.dialogue.flows.follow_up import follow_up
from bot.dialogue.flows.handoff import (
    ANSWERED_DURING_HANDOFF,
    back_to_bot,
    handoff_params,
    offer_person,
    release_if_expired,
    waiting,
)
from bot.dialogue.flows.language import LanguageFlow
from bot.dialogue.flows.link import link_followup
from bot.dialogue.flows.safety import safety_first
from bot.dialogue.helpline import asks_helpline, helpline_reply
from bot.dialogue.keywords import bare_number, keyword, normalise
from bot.dialogue.language_choice import (
    STATE_KEY,
    Choice,
    Streak,
    base_language,
    clear_language,
    decide,
    explicit_choice,
    offer_english,
)
from bot.dialogue.smalltalk import off_topic, small_talk
from bot.dialogue.state import DialogueState
from bot.dialogue.turn import Services, Turn
from bot.dialogue.types import InboundMessage, Language, Reply
from bot.i18n import N_
from nlu import FALLBACK_INTENT, IntentScore, Parser

log = logging.getLogger(__name__)

#: Intents that answer nothing on their own: low confidence, chit-chat, a yes/no to nothing.
NOT_UNDERSTOOD = frozenset({FALLBACK_INTENT, "out_of_scope", "affirm", "deny"})
#: Of those, the ones that are not a misunderstanding (no failure counted).
NOT_A_FAILURE = frozenset({"affirm", "deny"})
STATE_TTL_MIN = timedelta(minutes=1)
#: Phone-match linking runs on a contact's first message and after a pause this long, not
#: on every message (it is a third of a message's database work): a connection newly
#: registered to the phone shows up in the next conversation.
RELINK_AFTER = timedelta(minutes=30)
#: Typed to leave a handoff and talk to the bot again.
BOT_WORDS = frozenset({"bot", "bot se baat", "chatbot", "assistant", "sahayak", "बॉट", "बोट",
                       "सहायक"})
#: Said while a person has the conversation, these still get an immediate safety reply.
SAFETY_CATEGORIES = frozenset({"fraud", "meter_fault"})
#: The (flow, step) that waits for a one-time code: a code typed there is not logged.
OTP_STEP = ("link", "otp")
#: Renders a turn's replies in a language: one text per reply, as the channel sends it.
Render = Callable[[list[Reply], Language], list[str]]
#: Called with the turn's session, replies and language just before it commits: a channel
#: that answers through the outbox queues its replies here, durable with the dedupe claim.
AfterTurn = Callable[[Session, list[Reply], Language], None]


class DialogueEngine:
    def __init__(self, sessions: sessionmaker[Session], parser: Parser, services: Services,
                 registry: Registry, clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.parser = parser
        self.services = services
        self.registry = registry
        self.clock = clock
        self.state_ttl = max(
            timedelta(minutes=services.settings.conversation_ttl_minutes), STATE_TTL_MIN)

    # --- the one entry point -----------------------------------------------------------
    def handle(self, message: InboundMessage) -> list[Reply]:
        """Replies for one message ([] for a duplicate), in the contact's language.
        Use `handle_with_language` to learn which language that is."""
        return self.handle_with_language(message)[0]

    def handle_with_language(self, message: InboundMessage, *,
                             render: Render | None = None, after: AfterTurn | None = None
                             ) -> tuple[list[Reply], Language]:
        """The replies and their language. `render` (the assistant's, for the channel)
        turns the replies into the texts sent, so the conversation log holds them; without
        it only the reply keys are logged. `after` runs in the turn's transaction (not for
        a duplicate): if it raises, the whole turn rolls back, dedupe claim included."""
        now = self.clock()
        with self.sessions.begin() as session:
            contact, previous = contacts.inbound_contact(session, message.channel,
                                                         message.address, now)
            if not conversations.claim_message(session, message.channel, message.message_id,
                                               contact.id, now):
                log.debug("duplicate message %s on %s", message.message_id, message.channel)
                return [], _language(contact.language)
            # The contact row is locked (inbound_contact), so the state is ours to change.
            snapshot = conversations.load_state(session, contact.id, now)
            returning = previous is not None and now - previous < RELINK_AFTER
            if contact.channel in contacts.PHONE_CHANNELS and not returning:
                links.auto_link_by_phone(session, contact, now)
            parse = self.parser.parse(message.text or "")
            stored = contact.language
            account = None if contact.language else links.account_language(session, contact)
            choice = self._choose_language(contact, message, parse.intent.name, account,
                                           Streak.from_data(snapshot.data if snapshot else None))
            language = choice.reply
            if choice.store is not None:
                contacts.set_language(session, contact, choice.store)
            state = DialogueState.from_dict(
                {"v": 1, "form": snapshot.flow, "step": snapshot.step,
                 **(snapshot.data or {})} if snapshot else None)
            turn = Turn(message=message, session=session, contact=contact, state=state,
                        services=self.services, now=now,
                        language=language, parse=parse)
            turn.run_intent = lambda target: self._run_target(turn, target)
            failures = snapshot.failures if snapshot else 0
            returned = release_if_expired(turn)
            waiting_for_staff = contact.handoff_at is not None
            code_expected = _code_expected(session, contact, snapshot, message.text, now)
            try:
                replies, understood = self._route(turn)
            except DomainError as exc:
                log.warning("dialogue: %s for contact %s", type(exc).__name__, contact.id)
                replies = [Reply(N_("common.error"), {"helpline": self.services.config.helpline})]
                understood = True
            if understood is not None:  # None: neither understood nor not (a voice note)
                failures = 0 if understood else failures + 1
            if understood is False and failures >= self.services.config.failures_before_human:
                replies = offer_person(turn)
                failures = 0
            replies = [*returned, *replies]
            if not returning and replies and self._stranger(session, contact, turn.language,
                                                            account):
                replies = [*replies[:-1], offer_english(replies[-1])]
            # An explicit choice during the turn (the language menu, "EN") ends any streak.
            streak = choice.streak if contact.language == (choice.store or stored) else None
            self._save(session, contact, turn.state, replies, failures, now,
                       had_state=snapshot is not None, streak=streak)
            texts = render(replies, turn.language) if render is not None else None
            conversation_log.record_turn(
                session, contact_id=contact.id, channel=message.channel, now=now,
                inbound=conversation_log.Inbound(
                    _inbound_text(message), message.message_id, parse.intent.name,
                    float(parse.intent.confidence), parse.language),
                replies=[conversation_log.Outbound(r.key, texts[i] if texts else None)
                         for i, r in enumerate(replies)],
                reply_language=turn.language, during_handoff=waiting_for_staff,
                code_expected=code_expected)
            log.debug("contact %s intent %s -> %s", contact.id, parse.intent.name,
                      [r.key for r in replies])
            if after is not None:
                after(session, replies, turn.language)
            return replies, turn.language

    # --- reply language (bot/dialogue/language_choice.py) --------------------------------
    def _choose_language(self, contact: Contact, message: InboundMessage, intent: str,
                         account: str | None, streak: Streak | None) -> Choice:
        """Stored language, else the account's, else the default; a clear, long message in
        another language answers in it, and a streak of them is stored."""
        settings = self.services.settings
        chatter = keyword(message.text) is not None or small_talk(message.text) is not None
        base = base_language(contact.language, account, settings.default_language)
        clear = None if chatter else clear_language(message.text, intent, base=base)
        return decide(stored=contact.language, account=account,
                      default=settings.default_language, clear=clear, streak=streak,
                      switch_after=settings.language_switch_after)

    @staticmethod
    def _stranger(session: Session, contact: Contact, language: Language,
                  account: str | None) -> bool:
        """A contact with no language of its own and no consumer account, answered in a
        language other than English: it is offered English (first message of a
        conversation only, to keep SMS short). Asked again only when it had no account
        before the turn (the turn may have linked one)."""
        return (language != "en" and contact.language is None and account is None
                and links.account_language(session, contact) is None)

    def _welcome(self, turn: Turn) -> list[Reply]:
        """A chat app's start command (Telegram's /start): the greeting and menu, and to a
        chat with no connection a welcome that says what the assistant does (the adapter
        adds its share-phone button). Never "welcome back", never an opt-in: starting a
        chat is not a request for alerts."""
        if links.account_language(turn.session, turn.contact) is not None:
            return self._start(turn, "greet")
        return [menu(N_("welcome.start"))]

    def _explicit_language(self, turn: Turn, wanted: Language) -> list[Reply]:
        """"EN", "english", "हिंदी में" typed anywhere: stored at once; an open form other
        than the language menu is reminded."""
        contacts.set_language(turn.session, turn.contact, wanted)
        turn.language = wanted
        form = self.registry.flow(turn.state.form)
        if form is not None and form.name == LanguageFlow.name:
            turn.state.close()
            form = None
        return self._with_reminder(turn, form, Reply(N_("language.set")))

    # --- routing -------------------------------------------------------------------------
    def _route(self, turn: Turn) -> tuple[list[Reply], bool | None]:
        """The replies and whether the message was understood (for the failure count)."""
        message, state = turn.message, turn.state
        if message.shared_phone:
            return self._shared_phone(turn), True
        if message.media is not None and not (message.text or "").strip():
            return [Reply(N_("common.please_type"))], None
        if (urgent := safety_first(turn)) is not None:  # every state, before all else
            return urgent, True
        kind = keyword(message.text) if message.button_payload is None else None
        if kind == "stop_or_cancel" and (state.in_form or turn.contact.handoff_at is not None):
            kind = "cancel"  # "band karo" with something open to cancel cancels it
        if turn.contact.handoff_at is not None and kind not in ("opt_out", "opt_in"):
            return self._handed_off(turn, kind)
        if kind == "welcome":
            state.close()
            return self._welcome(turn), True
        if kind == "cancel":
            had_form = state.in_form
            state.close()
            key = N_("common.cancelled") if had_form else N_("common.nothing_to_cancel")
            return [menu(key)], True
        if kind == "menu":
            state.close()
            return [menu()], True
        if kind in ("opt_out", "opt_in", "stop_or_cancel"):
            state.close()
            return self._start(turn, kind), True
        if message.button_payload is None and asks_helpline(message.text):  # always 1912
            return self._with_reminder(turn, self.registry.flow(state.form),
                                       helpline_reply(turn)), True
        if not state.in_form and (followup := link_followup(turn)) is not None:
            return followup, True  # a NO to a link notice; "OTP nahi aaya" after a pause
        if message.button_payload is None and (wanted := explicit_choice(message.text)):
            return self._explicit_language(turn, wanted), True
        turn.value = message.button_payload or self._numbered(turn)
        form = self.registry.flow(state.form)
        if form is not None and turn.value is None and cancels_form(message.text):
            state.close()  # "complaint cancel kar do": never the details of the form
            return [menu(N_("common.cancelled"))], True
        if form is not None:
            answered = form.answer(turn)
            if answered is not None:
                return answered, True
        elif (followed := follow_up(turn)) is not None:  # "was it solved?", "theek nahi hua"
            return followed, True
        if turn.value is not None:
            return self._run_target(turn, turn.value), True
        if bare_number(message.text) is not None:  # no option pending: "2" asks nothing
            turn.parse = replace(turn.parse, intent=IntentScore(FALLBACK_INTENT, 1.0))
        chat = small_talk(message.text)
        if chat == "greet" and form is None:
            return self._start(turn, "greet"), None
        if chat is not None:
            return self._with_reminder(turn, form, self._small_talk(chat)), None
        if angry(message.text):  # one calm line, then the most likely help
            return calm_reply(turn, lambda t, i: self._interrupt(t, form, i), form), True
        intent = turn.intent
        if intent in NOT_UNDERSTOOD and turn.parse.first("complaint_category") is not None:
            # A named problem ("no electricity", "current nahi hai") is a complaint, even
            # when the classifier hears a "no" in it or is unsure.
            intent = "file_complaint"
        if intent in NOT_UNDERSTOOD and off_topic(message.text):
            return self._with_reminder(turn, form, menu(N_("common.not_ours"))), None
        if intent in NOT_UNDERSTOOD:
            # A yes/no the classifier heard in a longer message ("nahi bhai woh nahi" reads as
            # "deny") is not small talk, so not acknowledged; nor is it counted as a failure.
            failed = False if intent not in NOT_A_FAILURE else None
            if form is not None:  # an answer the form did not take: ask again, kindly
                again = form.reminder(turn)
                return ([Reply(N_("common.not_an_answer")), again] if again
                        else [menu(N_("common.fallback"))]), failed
            return [menu(N_("common.fallback"))], failed
        return self._interrupt(turn, form, intent), True

    def _handed_off(self, turn: Turn, kind: str | None) -> tuple[list[Reply], bool | None]:
        """A person has this conversation: cancel, "menu" or "bot" take it back; a fraud
        call or a dangerous meter still gets the safety reply at once; account questions
        are still answered (staff only read); anything else is acknowledged as waiting
        for staff, so the consumer is never left in silence."""
        if kind in ("cancel", "menu") or normalise(turn.text) in BOT_WORDS:
            return back_to_bot(turn), True
        if turn.parse.first("complaint_category") in SAFETY_CATEGORIES:
            return [Reply(N_("handoff.safety"), handoff_params(turn), urgent=True)], None
        if small_talk(turn.text) is None and turn.intent in ANSWERED_DURING_HANDOFF:
            return [*self._start(turn, turn.intent), waiting(turn)], None
        return [waiting(turn)], None

    @staticmethod
    def _small_talk(kind: str | None) -> Reply:
        return Reply(N_("chat.thanks") if kind == "thanks" else N_("chat.ack"))

    @staticmethod
    def _with_reminder(turn: Turn, form: Flow | None, reply: Reply) -> list[Reply]:
        """`reply`, then a nudge back to the open form if one is waiting for an answer."""
        reminder = form.reminder(turn) if form is not None else None
        return DialogueEngine._then_ask([reply], reminder)

    def _interrupt(self, turn: Turn, form: Flow | None, intent: str) -> list[Reply]:
        """Answer `intent`; if a form was open and the answer did not open another, remind
        the consumer of the form (it stays open until it expires or is cancelled)."""
        before = (turn.state.form, turn.state.step)
        replies = self._start(turn, intent)
        if form is None or not turn.state.in_form:
            return replies
        if (turn.state.form, turn.state.step) != before:
            return replies  # the new question replaced the old form
        return self._then_ask(replies, form.reminder(turn))

    @staticmethod
    def _then_ask(replies: list[Reply], reminder: Reply | None) -> list[Reply]:
        """`replies`, then the open form's question again. That question is asked last, so
        the options shown above it are dropped: a number then answers it ("1" after "still
        wrong? 1 yes 2 no"), never an option of the answer in between."""
        if reminder is None:
            return replies
        return [*(replace(r, options=()) for r in replies), reminder]

    def _start(self, turn: Turn, intent: str) -> list[Reply]:
        flow = self.registry.for_intent(intent)
        if flow is None:
            return [menu(N_("common.fallback"))]
        return flow.start(turn, intent)

    def _run_target(self, turn: Turn, target: str) -> list[Reply]:
        """An option value or a remembered continuation: "intent:x", "flow:arg", "menu",
        or a bare intent name."""
        if target == "menu":
            turn.state.close()
            return [menu()]
        name, _, arg = target.partition(":")
        if name == "intent":
            return self._start(turn, arg)
        flow = self.registry.flow(name)
        if flow is not None and arg:
            return flow.on_value(turn, arg)
        if self.registry.for_intent(target) is not None:
            return self._start(turn, target)
        return [menu(N_("common.fallback"))]

    @staticmethod
    def _numbered(turn: Turn) -> str | None:
        """The option a bare number picks from the last numbered list, if any."""
        number = bare_number(turn.message.text)
        options = turn.state.options
        if number is None or not 1 <= number <= len(options):
            return None
        return options[number - 1]

    def _shared_phone(self, turn: Turn) -> list[Reply]:
        msg = turn.message
        linked = links.link_shared_phone(turn.session, turn.contact, msg.shared_phone or "",
                                            msg.shared_phone_is_own, turn.now)
        if not linked:
            return [menu(N_("link.phone_not_found"), helpline=self.services.config.helpline)]
        then = turn.state.slots.get("then")
        turn.state.close()
        first = linked[0]
        if len(linked) == 1:
            links.select_consumer(turn.session, turn.contact, first.consumer_id)
        done = Reply(N_("link.done"), {"name": first.name, "ca": first.ca_number})
        return [done, *(self._run_target(turn, then) if then else [menu()])]

    # --- persistence ---------------------------------------------------------------------
    def _save(self, session: Session, contact: Contact, state: DialogueState,
              replies: list[Reply], failures: int, now: datetime, *, had_state: bool,
              streak: Streak | None = None) -> None:
        """Keep the open form, the values behind the last numbered list, the failure
        count and the language streak; delete the row when there is nothing to keep (if
        there was one)."""
        shown = [r for r in replies if r.options]
        state.options = [o.value for o in shown[-1].options] if shown else []
        if state.is_empty() and failures == 0 and streak is None:
            if had_state:
                conversations.clear_state(session, contact.id)
            return
        data: dict[str, object] = {"slots": state.slots, "options": state.options}
        if streak is not None:
            data[STATE_KEY] = streak.to_data()
        conversations.save_state(session, contact.id, flow=state.form, step=state.step,
                                 data=data, failures=failures, now=now, ttl=self.state_ttl)


def _code_expected(session: Session, contact: Contact,
                   snapshot: conversations.ConversationSnapshot | None, text: str | None,
                   now: datetime) -> bool:
    """Whether a code in this message must be kept out of the log: the OTP step is open,
    or (the form expired or was left) a code sent to this contact is still live. Decided
    before routing, since a right code is used up by it; the database is asked only when
    the message holds a code's worth of digits."""
    if snapshot is not None and (snapshot.flow, snapshot.step) == OTP_STEP:
        return True
    return conversation_log.looks_like_code(text) and otp.has_pending_otp(session, contact, now)


def _inbound_text(message: InboundMessage) -> str | None:
    """What the log keeps of an inbound message: its text, else what it was."""
    if message.text:
        return message.text
    if message.shared_phone:
        return "[shared contact]"
    return f"[{message.media}]" if message.media else message.button_payload


def _language(value: str | None) -> Language:
    return value if value in ("hi", "hi-Latn", "en") else "hi"  # type: ignore[return-value]
