"""The OTP SMS and the link notice (point 11), on real SQLite and PostgreSQL: the code goes
by SMS to the registered mobile naming the chat that asked; a link made with a code tells
the registered mobile; its NO (within the window) or staff undo that link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts, links, otp
from backend.contacts.otp import OtpPolicy
from backend.models import OutboxMessage
from tests.factories import T0, make_consumer

WEEK = timedelta(days=7)


def _rows(session: Session, key: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.message_key == key)
                                .order_by(OutboxMessage.id)))


def _link_by_code(session: Session, contact, consumer, when, policy=None) -> None:  # noqa: ANN001
    assert otp.request_otp(session, contact, consumer.ca_number, when,
                           policy=policy).status == "sent"
    code = _rows(session, "otp.code")[-1].params["code"]
    assert otp.verify_otp(session, contact, code, when, policy=policy).status == "verified"


def test_the_code_goes_by_sms_to_the_registered_mobile_naming_the_chat(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile="9876500001")
        for channel, address, via in (("telegram", "881", "Telegram"),
                                      ("whatsapp", "+919000000001", "WhatsApp"),
                                      ("web", "web-1", "Web")):
            contact = contacts.get_or_create_contact(s, channel, address, T0)
            assert otp.request_otp(s, contact, a.ca_number, T0).status == "sent"
            row = _rows(s, "otp.code")[-1]
            assert (row.channel, row.address) == ("sms", a.mobile_e164)
            assert row.params["via"] == via


def test_a_code_link_tells_the_registered_mobile(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile="9876500002", language="en")
        wa = contacts.get_or_create_contact(s, "whatsapp", "+919000000002", T0)
        assert _rows(s, "link.notice") == []
        _link_by_code(s, wa, a, T0)
        (notice,) = _rows(s, "link.notice")
        assert (notice.channel, notice.address, notice.language) == ("sms", a.mobile_e164, "en")
        assert notice.params == {"who": "WhatsApp ...0002", "ca": a.ca_number}
        assert _rows(s, "link.notice_reply") == []
        # Telegram: a chat id means nothing to people, so only the channel is named
        tg = contacts.get_or_create_contact(s, "telegram", "882", T0)
        _link_by_code(s, tg, a, T0, OtpPolicy(notice_reply_no=True))
        (reply_notice,) = _rows(s, "link.notice_reply")
        assert reply_notice.params["who"] == "Telegram"


def test_no_notice_when_the_chat_is_the_registered_mobile(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile="9876500003")
        b = make_consumer(s, mobile="9876500033")
        own = contacts.get_or_create_contact(s, "sms", a.mobile_e164, T0)
        _link_by_code(s, own, a, T0)
        assert _rows(s, "link.notice") == []
        _link_by_code(s, own, b, T0)  # someone else's connection: its owner is told
        (notice,) = _rows(s, "link.notice")
        assert notice.address == b.mobile_e164


def test_the_owners_no_removes_recent_code_links_only(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile="9876500004")
        other = make_consumer(s, mobile="9876500044")
        owner = contacts.get_or_create_contact(s, "sms", a.mobile_e164, T0)
        links.auto_link_by_phone(s, owner, T0)
        tg = contacts.get_or_create_contact(s, "telegram", "884", T0)
        old = contacts.get_or_create_contact(s, "telegram", "885", T0)
        stranger = contacts.get_or_create_contact(s, "telegram", "886", T0)
        _link_by_code(s, old, a, T0 - timedelta(days=8))  # outside the window
        _link_by_code(s, tg, a, T0)
        _link_by_code(s, stranger, other, T0)  # another phone's connection
        assert links.active_consumer(s, tg).consumer_id == a.id

        # only the registered mobile's own phone contact may say NO
        assert links.unlink_recent_for_owner(s, tg, T0, WEEK) == []
        assert links.unlink_recent_for_owner(s, owner, T0 + timedelta(hours=1),
                                             WEEK) == [a.ca_number]
        s.refresh(tg)
        assert links.linked_consumers(s, tg) == [] and tg.active_consumer_id is None
        assert [lc.consumer_id for lc in links.linked_consumers(s, old)] == [a.id]
        assert [lc.consumer_id for lc in links.linked_consumers(s, stranger)] == [other.id]
        assert [lc.consumer_id for lc in links.linked_consumers(s, owner)] == [a.id]
        # said twice: nothing left to undo
        assert links.unlink_recent_for_owner(s, owner, T0, WEEK) == []


def test_staff_list_and_remove_links(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile="9876500005")
        owner = contacts.get_or_create_contact(s, "whatsapp", a.mobile_e164, T0)
        links.auto_link_by_phone(s, owner, T0)
        tg = contacts.get_or_create_contact(s, "telegram", "887", T0)
        _link_by_code(s, tg, a, T0 + timedelta(minutes=5))
        rows = links.links_for_consumer(s, a.id)
        assert [(r.channel, r.method) for r in rows] == [("whatsapp", "phone_match"),
                                                         ("telegram", "otp")]
        assert links.remove_links(s, a.id, [tg.id]) == 1
        assert links.remove_links(s, a.id, [tg.id]) == 0
        assert [r.contact_id for r in links.links_for_consumer(s, a.id)] == [owner.id]


def test_latest_request_ca_for_a_resend_after_a_pause(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile="9876500006")
        tg = contacts.get_or_create_contact(s, "telegram", "888", T0)
        assert otp.latest_request_ca(s, tg, T0 - timedelta(days=1)) is None
        otp.request_otp(s, tg, a.ca_number, T0)
        assert otp.latest_request_ca(s, tg, T0 - timedelta(days=1)) == a.ca_number
        assert otp.latest_request_ca(s, tg, T0 + timedelta(minutes=1)) is None  # too old
        code = _rows(s, "otp.code")[-1].params["code"]
        otp.verify_otp(s, tg, code, T0)
        assert otp.latest_request_ca(s, tg, T0 - timedelta(days=1)) is None  # linked now
