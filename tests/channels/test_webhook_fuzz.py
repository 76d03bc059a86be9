"""Bad input on the webhooks never makes a 500: NUL and control characters in signed
Twilio fields, malformed and deeply nested Telegram updates, and a Hypothesis fuzz of
both with valid signatures (twilio's RequestValidator) and the right secret token."""

from __future__ import annotations

import itertools
import json
import logging

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backend.models import Contact
from tests.channels.conftest import TG_SECRET, Stack

WA = "/webhooks/twilio/whatsapp"
SMS = "/webhooks/twilio/sms"
STATUS = "/webhooks/twilio/status"
TG = "/webhooks/telegram"
FUZZ = settings(max_examples=20, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
_sids = itertools.count(1)


def _tg(stack: Stack, body: bytes) -> int:
    return stack.http.post(stack.url + TG, content=body, headers={
        "X-Telegram-Bot-Api-Secret-Token": TG_SECRET}).status_code


def test_nul_in_signed_twilio_fields_is_cleaned_not_a_500(stack: Stack) -> None:
    form = {"From": "whatsapp:+917000001234", "To": "whatsapp:+14155238886",
            "Body": "bal\x00ance", "MessageSid": "SM\x00nul1", "ProfileName": "Ra\x00mesh",
            "NumMedia": "0"}
    answer = stack.twilio_post(WA, form)
    assert answer.status_code == 200, answer.text
    sms = {"From": "+917000001235", "To": "+15005550006", "Body": "\x00\x01\x7f",
           "MessageSid": "SMnul2"}
    assert stack.twilio_post(SMS, sms).status_code == 200
    status = {"MessageSid": "SM\x00x", "MessageStatus": "deliv\x00ered", "ErrorCode": "\x00"}
    assert stack.twilio_post(STATUS, status).status_code == 204
    with stack.backend.sessions() as s:
        names = set(s.scalars(select(Contact.address)))
    assert names == {"+917000001234", "+917000001235"}


@pytest.mark.parametrize("body", [
    b"not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "7"}',
    b'{"update_id": 18446744073709551616}',
    b'{"update_id": 1, "message": {"chat": "x", "date": "soon", "message_id": []}}',
    b'{"update_id": 2, "message": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    b'{"update_id": 3, "callback_query": {"id": 5, "from": null}}',
    b"\xff\xfe",
], ids=["text", "list", "no-id", "str-id", "huge-id", "wrong-types", "nested", "no-from",
        "bytes"])
def test_malformed_updates_are_dropped_with_200_and_one_warning(
        stack: Stack, body: bytes, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.channels.telegram_guard"):
        assert _tg(stack, body) == 200
    warnings = [r for r in caplog.records if r.name == "bot.channels.telegram_guard"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    shown = body.decode("utf-8", "ignore")[:12]
    assert not shown or shown not in warnings[0].getMessage()  # the body is never logged
    assert stack.telegram.calls("/sendMessage") == []


def test_nul_in_a_telegram_message_is_cleaned(stack: Stack) -> None:
    update = {"update_id": 77, "message": {
        "message_id": 1, "date": 1_770_000_000, "text": "bal\x00ance",
        "from": {"id": 9001, "is_bot": False, "first_name": "Ra\x00m"},
        "chat": {"id": 9001, "type": "private"}}}
    assert _tg(stack, json.dumps(update).encode()) == 200
    assert stack.telegram.calls("/sendMessage")


# Any UTF-8 text, with the control characters that broke PostgreSQL drawn often.
_text = st.text(st.one_of(st.sampled_from("\x00\x01\r\n\x7f\x85"),
                          st.characters(codec="utf-8")), max_size=40)
_sender = st.one_of(st.just("+917000001234"), st.from_regex(r"\+91[6-9]\d{9}", fullmatch=True),
                    _text)


@FUZZ
@example(body="bal\x00ance", sender="+917000001234", profile="Ra\x00m", extra={}, path=WA)
@example(body="\x00", sender="+917000001234", profile="", extra={"X\x00": "\x00"}, path=STATUS)
@given(body=_text, sender=_sender, profile=_text, extra=st.dictionaries(_text, _text,
                                                                          max_size=3),
       path=st.sampled_from([WA, SMS, STATUS]))
def test_fuzzed_signed_twilio_webhooks_never_500(stack: Stack, body: str, sender: str,
                                                 profile: str, extra: dict[str, str],
                                                 path: str) -> None:
    sid = f"SMfuzz{next(_sids)}"
    form = {**extra, "From": f"whatsapp:{sender}" if path == WA else sender,
            "To": "+15005550006", "Body": body, "MessageSid": sid, "ProfileName": profile,
            "MessageStatus": body, "ErrorCode": profile}
    answer = stack.twilio_post(path, form)
    assert answer.status_code < 500, answer.text
    assert answer.status_code != 403  # the signature was valid: the fuzz got past it


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=12)
_chat = st.fixed_dictionaries({"id": st.one_of(st.integers(), _json),
                               "type": st.one_of(st.just("private"), _json)})
_message = st.fixed_dictionaries(
    {"message_id": st.one_of(st.integers(min_value=1), _json),
     "date": st.one_of(st.just(1_770_000_000), _json), "chat": st.one_of(_chat, _json)},
    optional={"text": st.one_of(_text, _json), "from": _json, "contact": _json,
              "caption": _json})
_update = st.fixed_dictionaries(
    {"update_id": st.one_of(st.integers(min_value=-1, max_value=2**64), _json)},
    optional={"message": st.one_of(_message, _json), "callback_query": _json,
              "edited_message": _json})


@FUZZ
@example(update={"update_id": 5, "message": {"message_id": 1, "date": 1, "text": 7,
                                              "chat": {"id": 5, "type": "private"}}})
@given(update=st.one_of(_update, _json))
def test_fuzzed_telegram_updates_never_500(stack: Stack, update: object) -> None:
    assert _tg(stack, json.dumps(update).encode()) < 500
