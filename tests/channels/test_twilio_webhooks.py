"""Twilio inbound webhooks over real HTTP, signed with twilio's own RequestValidator."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from backend.models import Contact, ProcessedMessage
from tests.channels.conftest import AUTH_TOKEN, PUBLIC, Stack
from tests.factories import make_consumer

WA = "/webhooks/twilio/whatsapp"
SMS = "/webhooks/twilio/sms"
MOBILE = "+917000001234"


def wa(body: str, sid: str, sender: str = MOBILE, **extra: str) -> dict[str, str]:
    return {"From": f"whatsapp:{sender}", "To": "whatsapp:+14155238886", "Body": body,
            "MessageSid": sid, "AccountSid": "AC" + "0" * 32, "NumMedia": "0",
            "WaId": sender.lstrip("+"), "ProfileName": "Ramesh", **extra}


def sms(body: str, sid: str, sender: str = MOBILE) -> dict[str, str]:
    return {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid,
            "NumSegments": "1"}


def messages(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return [m.text or "" for m in ET.fromstring(response.text).iter("Message")]


@pytest.fixture
def consumer(stack: Stack) -> None:
    with stack.backend.sessions.begin() as session:
        make_consumer(session, ca="100200300", mobile=MOBILE, balance_paise=33_040,
                      language="hi")


def test_whatsapp_hindi_balance_end_to_end(stack: Stack, consumer: None) -> None:
    texts = messages(stack.twilio_post(WA, wa("मेरा बैलेंस कितना है", "SM" + "a" * 32)))
    joined = "\n".join(texts)
    assert "बैलेंस" in joined and "₹330.40" in joined


def test_whatsapp_english_balance_end_to_end(stack: Stack, consumer: None) -> None:
    texts = messages(stack.twilio_post(WA, wa("what is my balance please", "SM" + "b" * 32)))
    joined = "\n".join(texts)
    assert "your balance is ₹330.40" in joined


def test_sms_hindi_and_english_end_to_end(stack: Stack, consumer: None) -> None:
    hindi = "\n".join(messages(stack.twilio_post(SMS, sms("मेरा बैलेंस कितना है", "SM1"))))
    assert "बैलेंस" in hindi
    other = "+917000004321"
    with stack.backend.sessions.begin() as session:
        make_consumer(session, ca="100200301", mobile=other, balance_paise=12_345,
                      language="en").name = "Ramesh Kumar"
    english = "\n".join(messages(stack.twilio_post(
        SMS, sms("what is my balance please", "SM2", sender=other))))
    assert "Rs.123.45" in english and "₹" not in english  # SMS keeps to GSM-7


def test_menu_options_are_a_numbered_list_on_whatsapp(stack: Stack) -> None:
    texts = messages(stack.twilio_post(WA, wa("menu", "SMmenu")))
    assert any("1. " in t and "2. " in t for t in texts)
    picked = messages(stack.twilio_post(WA, wa("1", "SMpick")))  # pick "balance" by number
    assert picked


def test_forged_signature_is_refused_and_not_processed(stack: Stack) -> None:
    params = wa("hello", "SMforged")
    forged = stack.twilio_post(WA, params, token="not-the-token")
    assert forged.status_code == 403
    missing = stack.twilio_post(WA, params, signature=None)
    assert missing.status_code == 403
    garbage = stack.twilio_post(WA, params, signature="abc")
    assert garbage.status_code == 403
    with stack.backend.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_signature_must_cover_the_public_url(stack: Stack) -> None:
    params = wa("hello", "SMurl")
    assert stack.twilio_post(WA, params, sign_url=stack.url + WA).status_code == 403
    http_scheme = PUBLIC.replace("https://", "http://") + WA
    assert stack.twilio_post(WA, params, sign_url=http_scheme).status_code == 403
    assert stack.twilio_post(WA, params, sign_url=PUBLIC + SMS).status_code == 403
    assert stack.twilio_post(WA, params).status_code == 200


def test_tampered_params_are_refused(stack: Stack) -> None:
    params = wa("balance", "SMtamper")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + WA, params)
    added = stack.twilio_post(WA, {**params, "Extra": "1"}, signature=signature)
    assert added.status_code == 403
    removed = dict(params)
    del removed["ProfileName"]
    assert stack.twilio_post(WA, removed, signature=signature).status_code == 403
    changed = {**params, "Body": "something else"}
    assert stack.twilio_post(WA, changed, signature=signature).status_code == 403


def test_unknown_extra_fields_signed_are_accepted(stack: Stack) -> None:
    params = wa("namaste", "SMextra", ReferralNumMedia="0", SmsMessageSid="SMextra",
                ApiVersion="2010-04-01", MessagingServiceSid="MG" + "0" * 32)
    assert messages(stack.twilio_post(WA, params))


def test_signed_but_unusable_payload_is_400(stack: Stack) -> None:
    no_sid = wa("hello", "")
    del no_sid["MessageSid"]
    assert stack.twilio_post(WA, no_sid).status_code == 400
    no_from = wa("hello", "SMnofrom")
    del no_from["From"]
    assert stack.twilio_post(WA, no_from).status_code == 400
    sms_on_wa = sms("hello", "SMwrongchannel")
    assert stack.twilio_post(WA, sms_on_wa).status_code == 400
    bad_number = wa("hello", "SMbadnum", sender="+12")
    assert stack.twilio_post(WA, bad_number).status_code == 400
    assert stack.twilio_post(WA, {}).status_code == 400  # signed, empty


def test_replayed_message_sid_is_answered_once(stack: Stack) -> None:
    params = wa("menu", "SMreplay")
    first = messages(stack.twilio_post(WA, params))
    again = messages(stack.twilio_post(WA, params))
    assert first and again == []
    with stack.backend.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == 1


def test_media_only_message(stack: Stack) -> None:
    params = wa("", "SMmedia", NumMedia="1", MediaContentType0="audio/ogg",
                MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME")
    texts = messages(stack.twilio_post(WA, params))
    assert texts  # "please type" rather than silence


def test_empty_body_is_answered(stack: Stack) -> None:
    assert messages(stack.twilio_post(WA, wa("", "SMempty")))


def test_ten_kilobyte_body(stack: Stack) -> None:
    texts = messages(stack.twilio_post(WA, wa("bijli nahi " * 1000, "SMbig")))
    assert texts


def test_oversized_body_is_413(stack: Stack) -> None:
    response = stack.twilio_post(WA, wa("x" * 40_000, "SMhuge"))
    assert response.status_code == 413


def test_devanagari_and_emoji_round_trip(stack: Stack, consumer: None) -> None:
    texts = messages(stack.twilio_post(WA, wa("🙏 नमस्ते, बैलेंस बताइए ⚡", "SMemoji")))
    assert texts and all(t.strip() for t in texts), texts
    assert any(ch in "".join(texts) for ch in "अआइईउएओकखगचजतदनपबमयरलवसह"), texts


def test_not_form_encoded_is_refused(stack: Stack) -> None:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + WA, {"Body": "hi"})
    response = stack.twilio_post(WA, {}, content=b'{"Body": "hi"}', signature=signature)
    assert response.status_code == 403  # a JSON body is not what Twilio signed
