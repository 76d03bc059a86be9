"""The consumer app, step by step: where to get the official app (links from the assistant
file), registering with the CA number and the OTP on the registered mobile, balance, usage
and recharge; troubleshooting; and at the end "is it installed?", recorded with its time
so adoption can be counted per circle.

Consumers say where they are in their own words ("install ho gaya", "I installed it",
"login nahi ho raha", "OTP nahi aaya", "password bhool gaya"), at any step or as a fresh
message: `said` reads those (a deterministic lexicon, on the normalised text) before the
buttons, so they are answered instead of falling to "not understood"."""

from __future__ import annotations

import re

from backend.contacts import links
from backend.engagement import adoption
from bot.dialogue.facts import fact_params
from bot.dialogue.flows.base import Flow, is_no, is_yes
from bot.dialogue.keywords import normalise
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_

IPHONE = re.compile(r"\b(iphone|ios|apple)\b|आईफोन|आइफोन|आईफ़ोन")
ANDROID = re.compile(r"\b(android)\b|एंड्रॉयड|एंड्रॉइड|एंड्रायड")
TROUBLE = {
    "t_otp": N_("app.trouble.otp"),
    "t_open": N_("app.trouble.open"),
    "t_balance": N_("app.trouble.balance"),
    "t_mobile": N_("app.trouble.mobile"),
    "t_login": N_("app.trouble.login"),
    "t_password": N_("app.trouble.password"),
}
TROUBLE_OPTIONS = (Option(N_("app.option.t_otp"), "app:t_otp"),
                   Option(N_("app.option.t_open"), "app:t_open"),
                   Option(N_("app.option.t_balance"), "app:t_balance"),
                   Option(N_("app.option.t_mobile"), "app:t_mobile"),
                   Option(N_("app.option.t_login"), "app:t_login"),
                   Option(N_("app.option.t_password"), "app:t_password"))
ASK_INSTALLED = (Option(N_("app.option.installed"), "app:installed"),
                 Option(N_("app.option.not_yet"), "app:not_installed"),
                 Option(N_("app.option.trouble"), "app:trouble"))

#: A negation, as a whole Latin word ("no" but not "now") or in Devanagari.
_NEG = (r"(?:(?<![a-z])(?:nahi|nahin|nhi|nai|na|not|no|cant|can t|cannot|unable|didn t|didnt)"
        r"(?![a-z])|नहीं|नही)")
_APP_WORD = r"(install|instal|download|dwnload|daunlod|इंस्टॉल|इंस्टाल|इन्स्टॉल|डाउनलोड)"
#: "Not installed yet", checked before INSTALLED: "install nahi kiya", "I haven't installed".
NOT_YET = re.compile(
    r"\b(not yet|abhi nahi|abhi nhi|nahi kiya|nhi kiya|nahi kia|nahi lagaya|nhi lagaya|"
    r"haven t|havent|have not|didn t|didnt|did not|not installed)\b|"
    r"अभी नहीं|नहीं किया|नहीं लगाया|नहीं किये")
INSTALLED = re.compile(
    _APP_WORD + r"\w*\s*(ho gaya|ho gya|ho gayi|ho gai|ho chuka|kar liya|kr liya|kar lia|"
    r"kr lia|kar li|kar liye|kar chuka|kiya|kia|liya|हो गया|हो गई|हो चुका|कर लिया|कर ली|किया)|"
    r"\b(installed|downloaded|i have install|i ve install|already install)|"
    r"\b(laga liya|lga liya|laga li|dal liya|daal liya)\b|लगा लिया|डाल लिया")
#: Troubles in the consumer's words, most specific first ("login password bhool gaya" is
#: the password, "login me OTP nahi aaya" the OTP).
TROUBLE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("t_password", re.compile(
        r"(password|pasword|passward|paswd|pin|पासवर्ड|पिन).*(bhool|bhul|bhula|forgot|forget|"
        r"yaad nahi|yad nahi|reset|भूल|याद नहीं)|(forgot|forget|bhool|bhul|भूल)\w*.*"
        r"(password|pasword|पासवर्ड)")),
    ("t_otp", re.compile(r"(\botp\b|\bcode\b|ओटीपी).*" + _NEG + r"|\bno otp\b")),
    ("t_login", re.compile(
        r"(log ?in|sign ?in|लॉगिन|लॉग इन|लोगिन).*(" + _NEG + r"|fail|error|problem|"
        r"dikkat|issue|एरर|दिक्कत|दिक़्क़त)|" + _NEG + r".*(log ?in|sign ?in|लॉगिन)")),
    ("t_balance", re.compile(
        r"(balance|balanc|बैलेंस|बैलेन्स).*(galat|wrong|old|purana|purani|alag|different|"
        r"update|same|nahi badla|गलत|ग़लत|पुराना|अलग|अपडेट)|(galat|wrong|old|purana|"
        r"गलत|ग़लत|पुराना).*(balance|बैलेंस)")),
    ("t_mobile", re.compile(
        r"(mobile|number|nambar|मोबाइल|नंबर).*(galat|wrong|badal|change|purana|old|"
        r"invalid|गलत|ग़लत|बदल|पुराना)")),
    ("t_open", re.compile(
        r"(khul|open|crash|band ho|chal nahi|nahi chal|nhi chal|not working|stuck|atak|atka|"
        r"hang|loading|error|खुल|बंद हो|नहीं चल|चल नहीं|अटक|एरर)")),
)


def said(text: str) -> str | None:
    """What the consumer told about the app in words: "installed", "not_installed", a
    trouble ("t_login", ...), or None."""
    folded = normalise(text).replace("'", " ")
    if NOT_YET.search(folded):
        return "not_installed"
    for trouble, pattern in TROUBLE_WORDS:
        if pattern.search(folded):
            return trouble
    if INSTALLED.search(folded) and not re.search(_NEG, folded):
        return "installed"
    return None


#: After "is it installed?", a bare "kar liya" / "ho gaya" / "done" is a yes.
DONE = re.compile(r"^(haan |han |ha |ji |yes )?(kar liya|kr liya|kar li|kar diya|laga liya|"
                  r"lga liya|ho gaya|ho gya|done|हो गया|कर लिया|लगा लिया)")


class AppGuideFlow(Flow):
    name = "app"
    intents = ("app_install_help",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
        told = said(turn.text)
        if told is not None:
            return self.on_value(turn, told)
        text = normalise(turn.text)
        if IPHONE.search(text):
            return self.on_value(turn, "ios")
        if ANDROID.search(text):
            return self.on_value(turn, "android")
        turn.state.open(self.name, "platform")
        return [Reply(N_("app.start"), self._params(turn), (
            Option(N_("app.option.android"), "app:android"),
            Option(N_("app.option.ios"), "app:ios"),
            Option(N_("app.option.trouble"), "app:trouble")))]

    def on_value(self, turn: Turn, arg: str) -> list[Reply]:
        params = self._params(turn)
        if arg in ("android", "ios"):
            key = N_("app.steps.android") if arg == "android" else N_("app.steps.ios")
            return [Reply(key, params), self._ask_installed(turn)]
        if arg == "trouble":
            turn.state.open(self.name, "trouble")
            return [Reply(N_("app.trouble.choose"), options=TROUBLE_OPTIONS)]
        if arg in TROUBLE:
            return [Reply(TROUBLE[arg], params), self._ask_installed(turn)]
        if arg in ("installed", "not_installed"):
            return self._record(turn, arg == "installed")
        return self.start(turn, "")

    def answer(self, turn: Turn) -> list[Reply] | None:
        if turn.value is not None and turn.value not in ("yes", "no"):
            return None
        told = said(turn.text) if turn.value is None else None
        if told is not None:
            return self.on_value(turn, told)
        if turn.state.step == "installed":
            # "ok" / "achha" is not "installed": falls through, acknowledged, asked again
            if is_yes(turn, strict=True) or (
                    turn.value is None and DONE.search(normalise(turn.text))):
                return self._record(turn, True)
            if is_no(turn):
                return self._record(turn, False)
        if turn.state.step == "platform":
            text = normalise(turn.text)
            if IPHONE.search(text):
                return self.on_value(turn, "ios")
            if ANDROID.search(text):
                return self.on_value(turn, "android")
        return None

    def reminder(self, turn: Turn) -> Reply | None:
        if turn.state.step == "installed":
            return self._ask_installed(turn)
        return None

    def _ask_installed(self, turn: Turn) -> Reply:
        turn.state.open(self.name, "installed")
        return Reply(N_("app.ask_installed"), {"app": turn.config.app_name}, ASK_INSTALLED)

    def _record(self, turn: Turn, installed: bool) -> list[Reply]:
        turn.state.close()
        who = links.active_consumer(turn.session, turn.contact)
        adoption.record(turn.session, contact_id=turn.contact.id,
                        consumer_id=who.consumer_id if who else None, installed=installed,
                        now=turn.now)
        key = N_("app.recorded_yes") if installed else N_("app.recorded_no")
        return [Reply(key, self._params(turn), (
            Option(N_("menu.option.balance"), "intent:check_balance"),
            Option(N_("balance.option.menu"), "menu")))]

    @staticmethod
    def _params(turn: Turn) -> dict[str, str]:
        return fact_params(turn)  # the links of the consumer's discom, or of every discom
