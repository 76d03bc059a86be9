"""The OTP SMS and the link notice as the registered mobile reads them (the outbox
worker's renderer): the code SMS names the chat that asked and warns about callers, and no
longer claims "the department never asks for an OTP" while the bot is asking for it; both
stay short (one GSM-7 part in Latin script, two UCS-2 parts in Hindi)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.composition import Components, compose
from bot.formatting import from_outbox
from bot.i18n.sms import encoding, segments
from tests.servers import make_settings

CODE = {"code": "482913", "minutes": 10, "via": "Telegram"}
NOTICE = {"who": "WhatsApp ...3210", "ca": "100000123"}


@pytest.fixture(scope="module")
def components() -> Iterator[Components]:
    built = compose(make_settings("sqlite://"))
    yield built
    built.close()


def _text(components: Components, key: str, language: str, params: dict) -> str:
    return components.renderer.text(key, language, from_outbox(params))


@pytest.mark.parametrize(("language", "only_here", "callers"), [
    ("hi", "सिर्फ़ Telegram चैट में", "फ़ोन पर पूछने वाले किसी को न बताएँ"),
    ("hi-Latn", "sirf Telegram chat mein", "Phone karke poochhne wale kisi ko na"),
    ("en", "only in the Telegram chat", "anyone who calls you"),
])
def test_the_code_sms_names_the_chat_and_warns_about_callers(
        components: Components, language: str, only_here: str, callers: str) -> None:
    text = _text(components, "otp.code", language, CODE)
    assert "482913" in text and only_here in text and callers in text
    for claim in ("never asks", "कभी OTP नहीं पूछता", "kabhi OTP nahi"):
        assert claim not in text
    assert segments(text) <= (2 if language == "hi" else 1)
    assert language == "hi" or encoding(text) == "GSM-7"


@pytest.mark.parametrize("language", ["hi", "hi-Latn", "en"])
def test_the_link_notice_names_the_chat_the_connection_and_the_helpline(
        components: Components, language: str) -> None:
    plain = _text(components, "link.notice", language, NOTICE)
    reply = _text(components, "link.notice_reply", language, NOTICE)
    for text in (plain, reply):
        assert "WhatsApp ...3210" in text and "100000123" in text and "1912" in text
        assert segments(text) <= (2 if language == "hi" else 1)
    assert "NO" in reply and "NO" not in plain
