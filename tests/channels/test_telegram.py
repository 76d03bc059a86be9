"""Telegram over real HTTP: updates (real Bot API JSON) posted to our webhook, replies
sent by python-telegram-bot to a fake Bot API server on loopback."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from backend.models import Contact, ContactLink
from tests.channels.conftest import TG_SECRET, Stack
from tests.channels.fakes import BOT_USER
from tests.factories import make_consumer

PATH = "/webhooks/telegram"
_ids = itertools.count(10_000)
MOBILE = "+917000007777"


def user(uid: int = 5551, lang: str = "hi") -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "Ramesh", "last_name": "Kumar",
            "language_code": lang}


def message(chat: int = 5551, **content: Any) -> dict[str, Any]:  # noqa: ANN401
    return {"message_id": next(_ids), "date": 1_770_000_000, "from": user(chat),
            "chat": {"id": chat, "type": "private", "first_name": "Ramesh"}, **content}


def update(kind: str = "message", update_id: int | None = None, **body: Any) -> dict:  # noqa: ANN401
    return {"update_id": update_id or next(_ids), kind: body}


def post(stack: Stack, payload: dict | bytes, secret: str | None = TG_SECRET) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    if isinstance(payload, bytes):
        return stack.http.post(stack.url + PATH, content=payload, headers=headers).status_code
    return stack.http.post(stack.url + PATH, json=payload, headers=headers).status_code


def sent(stack: Stack) -> list[dict[str, Any]]:
    return [c.form for c in stack.telegram.calls("/sendMessage")]


@pytest.fixture
def consumer(stack: Stack) -> None:
    with stack.backend.sessions.begin() as session:
        make_consumer(session, ca="100200399", mobile=MOBILE, balance_paise=33_040)


def test_secret_token_is_required(stack: Stack) -> None:
    payload = update(**message(text="menu"))
    assert post(stack, payload, secret=None) == 403
    assert post(stack, payload, secret="wrong") == 403
    assert sent(stack) == []


def test_bad_payloads_are_dropped_with_200(stack: Stack) -> None:
    """Telegram resends anything not 2xx: a poison update is dropped, not refused
    (tests/channels/test_webhook_fuzz.py has the rest)."""
    assert post(stack, b"not json") == 200
    assert post(stack, {"message": {}}) == 200
    assert post(stack, [1, 2]) == 200  # type: ignore[arg-type]
    assert sent(stack) == []


def test_menu_comes_as_an_inline_keyboard(stack: Stack) -> None:
    assert post(stack, update(**message(text="/menu"))) == 200
    (reply,) = sent(stack)
    assert reply["chat_id"] == "5551"
    rows = reply["reply_markup"]["inline_keyboard"]
    assert len(rows) == 7 and rows[0][0]["callback_data"] == "intent:check_balance"


def test_start_in_a_new_chat_welcomes_and_offers_the_share_phone_button(stack: Stack) -> None:
    """Not "Welcome back! You'll get balance alerts" (START is the opt-in keyword)."""
    assert post(stack, update(**message(text="/start"))) == 200
    welcome, share = sent(stack)
    assert len(welcome["reply_markup"]["inline_keyboard"]) == 7
    assert "alert" not in welcome["text"].lower()
    assert share["reply_markup"]["keyboard"][0][0]["request_contact"] is True


def test_callback_query_is_answered_and_handled(stack: Stack) -> None:
    tap = {"id": "cq-1", "from": user(), "chat_instance": "42", "data": "intent:recharge_help",
           "message": {"message_id": 7, "date": 1_770_000_000, "from": BOT_USER,
                       "chat": {"id": 5551, "type": "private"}, "text": "menu"}}
    assert post(stack, update("callback_query", **tap)) == 200
    (answered,) = stack.telegram.calls("/answerCallbackQuery")
    assert answered.form["callback_query_id"] == "cq-1"
    assert sent(stack)


def test_edited_message_is_ignored(stack: Stack) -> None:
    edited = message(text="balance", edit_date=1_770_000_100)
    assert post(stack, update("edited_message", **edited)) == 200
    assert sent(stack) == []


def test_group_chats_are_ignored(stack: Stack) -> None:
    group = message(text="balance")
    group["chat"] = {"id": -100123, "type": "group", "title": "Mohalla"}
    assert post(stack, update(**group)) == 200
    assert sent(stack) == []


@pytest.mark.parametrize("media", [
    {"sticker": {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False, "type": "regular"}},
    {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3,
               "mime_type": "audio/ogg"}},
])
def test_stickers_and_voice_get_a_please_type(stack: Stack, media: dict) -> None:
    assert post(stack, update(**message(**media))) == 200
    (reply,) = sent(stack)
    assert reply["text"]


def test_redelivered_update_is_answered_once(stack: Stack) -> None:
    payload = update(**message(text="menu"))
    assert post(stack, payload) == 200
    assert post(stack, payload) == 200
    assert len(sent(stack)) == 1


def test_unverified_balance_offers_the_share_phone_button(stack: Stack) -> None:
    post(stack, update(**message(text="मेरा बैलेंस कितना है")))
    markups = [m.get("reply_markup") or {} for m in sent(stack)]
    buttons = [b for m in markups for row in m.get("keyboard", []) for b in row]
    assert buttons and buttons[0]["request_contact"] is True


def _share(stack: Stack, chat: int, owner: int, lang: str) -> None:
    shared = message(chat=chat, contact={"phone_number": MOBILE.lstrip("+"),
                                         "first_name": "Ramesh", "user_id": owner})
    shared["from"] = user(chat, lang)
    assert post(stack, update(**shared)) == 200


def test_someone_elses_contact_does_not_verify(stack: Stack, consumer: None) -> None:
    _share(stack, chat=6001, owner=9999, lang="hi")
    with stack.backend.sessions() as session:
        assert session.scalars(select(ContactLink)).all() == []


def test_hindi_end_to_end_share_phone_then_balance(stack: Stack, consumer: None) -> None:
    post(stack, update(**message(chat=5551, text="नमस्ते")))
    _share(stack, chat=5551, owner=5551, lang="hi")
    with stack.backend.sessions() as session:
        assert len(session.scalars(select(ContactLink)).all()) == 1
    post(stack, update(**message(chat=5551, text="मेरा बैलेंस कितना है")))
    texts = "\n".join(m["text"] for m in sent(stack))
    assert "बैलेंस ₹330.40" in texts


def test_english_end_to_end_share_phone_then_balance(stack: Stack, consumer: None) -> None:
    post(stack, update(**message(chat=5552, text="hello, what can you do")))
    _share(stack, chat=5552, owner=5552, lang="en")
    post(stack, update(**message(chat=5552, text="what is my balance please")))
    texts = "\n".join(m["text"] for m in sent(stack))
    assert "your balance is ₹330.40" in texts
    with stack.backend.sessions() as session:
        contact = session.scalars(select(Contact).where(Contact.address == "5552")).one()
        assert contact.language is None  # answered in English; stored only after 3 or a choice
