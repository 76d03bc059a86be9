"""The consumer app, step by step: where to get the official app (links from the assistant
file), registering with the CA number and the OTP on the registered mobile, balance, usage
and recharge; troubleshooting; and at the end "is it installed?", recorded with its time
so adoption can be counted per circle."""

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

IPHONE = re.compile(r"\b(iphone|ios|apple|आईफोन|आइफोन)\b")
ANDROID = re.compile(r"\b(android|एंड्रॉयड|एंड्रॉइड|एंड्रायड)\b")
TROUBLE = {
    "t_otp": N_("app.trouble.otp"),
    "t_open": N_("app.trouble.open"),
    "t_balance": N_("app.trouble.balance"),
    "t_mobile": N_("app.trouble.mobile"),
}
ASK_INSTALLED = (Option(N_("app.option.installed"), "app:installed"),
                 Option(N_("app.option.not_yet"), "app:not_installed"),
                 Option(N_("app.option.trouble"), "app:trouble"))


class AppGuideFlow(Flow):
    name = "app"
    intents = ("app_install_help",)

    def start(self, turn: Turn, intent: str) -> list[Reply]:
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
            return [Reply(N_("app.trouble.choose"), options=(
                Option(N_("app.option.t_otp"), "app:t_otp"),
                Option(N_("app.option.t_open"), "app:t_open"),
                Option(N_("app.option.t_balance"), "app:t_balance"),
                Option(N_("app.option.t_mobile"), "app:t_mobile")))]
        if arg in TROUBLE:
            return [Reply(TROUBLE[arg], params), self._ask_installed(turn)]
        if arg in ("installed", "not_installed"):
            return self._record(turn, arg == "installed")
        return self.start(turn, "")

    def answer(self, turn: Turn) -> list[Reply] | None:
        if turn.value is not None and turn.value not in ("yes", "no"):
            return None
        if turn.state.step == "installed":
            if is_yes(turn):
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
