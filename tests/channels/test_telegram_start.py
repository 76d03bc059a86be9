"""Telegram's /start from a new chat: a Hindi-first welcome with the menu, the offer of
English and the share-phone (request_contact) button; never "welcome back", never an
opt-in (issue point 4). Real Bot API JSON over loopback, as in test_telegram.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.models import Contact
from tests.channels.conftest import Stack
from tests.channels.test_telegram import MOBILE, _share, message, post, sent, update
from tests.factories import make_consumer

DEVANAGARI_WELCOME = "मैं बिजली सहायक हूँ"


@pytest.fixture
def consumer(stack: Stack) -> None:
    with stack.backend.sessions.begin() as session:
        make_consumer(session, ca="100200499", mobile=MOBILE, balance_paise=33_040)


def _keyboards(messages: list[dict]) -> list[dict]:
    return [b for m in messages for row in (m.get("reply_markup") or {}).get("keyboard", [])
            for b in row]


def test_start_from_a_new_chat_is_a_hindi_welcome_with_the_share_phone_button(
        stack: Stack) -> None:
    assert post(stack, update(**message(chat=7001, text="/start"))) == 200
    messages = sent(stack)
    texts = "\n".join(m["text"] for m in messages)
    assert DEVANAGARI_WELCOME in texts and "For English, type EN" in texts
    assert "welcome back" not in texts.lower() and "alert" not in texts.lower()
    assert messages[0]["reply_markup"]["inline_keyboard"]  # the menu
    (button,) = _keyboards(messages)
    assert button["request_contact"] is True
    with stack.backend.sessions() as session:
        contact = session.scalars(select(Contact).where(Contact.address == "7001")).one()
        assert contact.language is None and contact.opted_out is False


def test_start_with_a_deep_link_payload_is_the_same_welcome(stack: Stack) -> None:
    assert post(stack, update(**message(chat=7002, text="/start campaign42"))) == 200
    assert DEVANAGARI_WELCOME in "\n".join(m["text"] for m in sent(stack))


def test_start_from_a_linked_chat_greets_by_name_without_the_button(
        stack: Stack, consumer: None) -> None:
    _share(stack, chat=7003, owner=7003, lang="hi")
    before = len(sent(stack))
    assert post(stack, update(**message(chat=7003, text="/start"))) == 200
    after = sent(stack)[before:]
    texts = "\n".join(m["text"] for m in after)
    assert "नमस्ते" in texts and "welcome back" not in texts.lower()
    assert "For English" not in texts and _keyboards(after) == []
