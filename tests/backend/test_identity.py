"""Contacts, phone links and one-time codes, on real SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts, links, otp
from backend.contacts.links import NotLinked
from backend.contacts.otp import OtpPolicy
from backend.messaging.senders import mask_address
from backend.models import Contact, ContactLink, OtpChallenge, OutboxMessage
from backend.platform.errors import InvalidInput
from tests.factories import T0, make_consumer

PHONE = "+919876543210"


def _code_sent(session: Session, consumer_mobile: str) -> str:
    """The code in the newest OTP SMS to that mobile, as the outbox would send it."""
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.address == consumer_mobile)
                          .order_by(OutboxMessage.id.desc())).first()
    assert row is not None
    return row.params["code"]


# ---------------------------------------------------------------------------- contacts


def test_contact_address_is_normalised_and_unique(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = contacts.get_or_create_contact(s, "whatsapp", "whatsapp:+91 98765 43210", T0)
        b = contacts.get_or_create_contact(s, "whatsapp", "09876543210", T0)
        c = contacts.get_or_create_contact(s, "sms", "9876543210", T0)
        t = contacts.get_or_create_contact(s, "telegram", " 5551234 ", T0)
        assert a.id == b.id and a.address == PHONE
        assert c.id != a.id and c.address == PHONE
        assert t.address == "5551234" and t.language is None and not t.opted_out
        foreign = contacts.get_or_create_contact(s, "whatsapp", "whatsapp:+971501234567", T0)
        assert foreign.address == "+971501234567"
        with pytest.raises(InvalidInput):
            contacts.get_or_create_contact(s, "sms", "hello", T0)
        with pytest.raises(ValueError):
            contacts.get_or_create_contact(s, "pigeon", "1", T0)


def test_two_sessions_creating_the_same_contact_get_one_row(
        session_factory: sessionmaker[Session]):
    """The first transaction holds its new row uncommitted while the second tries to
    create it: the second waits, then reads the first's row instead of failing."""
    inserted, results, errors = threading.Event(), {}, []

    def first() -> None:
        with session_factory() as s, s.begin():
            results["first"] = contacts.get_or_create_contact(s, "sms", PHONE, T0).id
            inserted.set()
            threading.Event().wait(0.3)  # commit late: the second must wait for us

    def second() -> None:
        inserted.wait(5)
        try:
            with session_factory() as s, s.begin():
                results["second"] = contacts.get_or_create_contact(s, "sms", PHONE, T0).id
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert results["first"] == results["second"]
    with session_factory() as s:
        assert len(s.scalars(select(Contact)).all()) == 1


def test_inbound_contact_creates_touches_and_reports_the_previous_message(
        session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        contact, previous = contacts.inbound_contact(s, "whatsapp", "whatsapp:+91 70000 00901",
                                                     T0)
        assert previous is None and contact.last_inbound_at == T0
        contact_id = contact.id
    later = T0 + timedelta(minutes=5)
    with session_factory.begin() as s:
        contact, previous = contacts.inbound_contact(s, "whatsapp", "+917000000901", later)
        assert (contact.id, previous, contact.last_inbound_at) == (contact_id, T0, later)
        contacts.set_language(s, contact, "en")  # a persistent object: changes are saved
    with session_factory.begin() as s:  # a late, out-of-order message never moves it back
        contact, previous = contacts.inbound_contact(s, "whatsapp", "+917000000901", T0)
        assert (previous, contact.last_inbound_at, contact.language) == (later, later, "en")
    with session_factory.begin() as s:  # already loaded in this session: same object, fresh
        loaded = s.get(Contact, contact_id)
        contact, previous = contacts.inbound_contact(s, "whatsapp", "+917000000901",
                                                     later + timedelta(minutes=1))
        assert contact is loaded and previous == later
        assert contact.last_inbound_at == later + timedelta(minutes=1)
    with session_factory() as s:
        assert len(s.scalars(select(Contact)).all()) == 1


def test_language_is_sticky_and_opt_out_toggles(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        c = contacts.get_or_create_contact(s, "sms", PHONE, T0)
        assert contacts.set_language(s, c, "hi-Latn", only_if_unset=True) == "hi-Latn"
        assert contacts.set_language(s, c, "en", only_if_unset=True) == "hi-Latn"
        assert contacts.set_language(s, c, "en") == "en"
        with pytest.raises(ValueError):
            contacts.set_language(s, c, "fr")
        assert contacts.opt_out(s, c, T0) and c.opted_out and c.opted_out_at == T0
        assert not contacts.opt_out(s, c, T0 + timedelta(hours=1))
        assert c.opted_out_at == T0
        assert contacts.opt_in(s, c, T0) and not c.opted_out and c.opted_out_at is None
        assert not contacts.opt_in(s, c, T0)
        contacts.touch_inbound(s, c, T0 + timedelta(minutes=5))
        contacts.touch_inbound(s, c, T0)  # an older message never moves it back
        cid = c.id
    with session_factory() as s:
        c = s.get(Contact, cid)
        assert c.language == "en" and c.last_inbound_at == T0 + timedelta(minutes=5)


# ---------------------------------------------------------------------------- phone links


def test_phone_with_two_connections_links_both(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile="98765 43210", ca="200000002")
        b = make_consumer(s, mobile=PHONE, ca="200000001")
        make_consumer(s, mobile="+919999999999")
        c = contacts.get_or_create_contact(s, "whatsapp", f"whatsapp:{PHONE}", T0)
        linked = links.auto_link_by_phone(s, c, T0)
        assert [lc.consumer_id for lc in linked] == [b.id, a.id]  # by CA number
        assert {lc.method for lc in linked} == {"phone_match"}
        assert links.auto_link_by_phone(s, c, T0 + timedelta(hours=1)) == linked
        assert len(s.scalars(select(ContactLink)).all()) == 2
        # several connections and none chosen: the user must pick
        assert links.active_consumer(s, c) is None
        assert links.select_consumer(s, c, a.id).consumer_id == a.id
        assert links.active_consumer(s, c).consumer_id == a.id


def test_phone_with_no_connection_links_none(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        other = make_consumer(s, mobile=PHONE)
        c = contacts.get_or_create_contact(s, "sms", "+919000000001", T0)
        assert links.auto_link_by_phone(s, c, T0) == []
        assert links.linked_consumers(s, c) == []
        assert links.active_consumer(s, c) is None
        with pytest.raises(NotLinked):
            links.select_consumer(s, c, other.id)
        tg = contacts.get_or_create_contact(s, "telegram", "42", T0)
        assert links.auto_link_by_phone(s, tg, T0) == []  # a chat id is no phone


def test_single_link_is_active_without_choosing(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile=PHONE)
        c = contacts.get_or_create_contact(s, "sms", PHONE, T0)
        links.auto_link_by_phone(s, c, T0)
        active = links.active_consumer(s, c)
        assert active is not None and active.consumer_id == a.id
        assert active.ca_number == a.ca_number and active.name == a.name


def test_changed_registered_mobile_revokes_links(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile=PHONE)
        c = contacts.get_or_create_contact(s, "whatsapp", PHONE, T0)
        links.auto_link_by_phone(s, c, T0)
        links.select_consumer(s, c, a.id)
        a.mobile_e164 = "+919111111111"
        s.flush()
        assert links.linked_consumers(s, c) == []
        assert links.active_consumer(s, c) is None
        a.mobile_e164 = PHONE  # back again: the old proof is valid again
        s.flush()
        assert [lc.consumer_id for lc in links.linked_consumers(s, c)] == [a.id]


def test_telegram_shared_phone_links_only_own_contact(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile=PHONE)
        tg = contacts.get_or_create_contact(s, "telegram", "777", T0)
        assert links.link_shared_phone(s, tg, "919876543210", False, T0) == []
        assert links.linked_consumers(s, tg) == []
        linked = links.link_shared_phone(s, tg, "919876543210", True, T0)
        assert [(lc.consumer_id, lc.method) for lc in linked] == [(a.id, "telegram_contact")]
        assert links.link_shared_phone(s, tg, "not a phone", True, T0) == []
        sms = contacts.get_or_create_contact(s, "sms", "+919000000001", T0)
        assert links.link_shared_phone(s, sms, PHONE, True, T0) == []  # Telegram only


def test_unlink(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile=PHONE)
        tg = contacts.get_or_create_contact(s, "telegram", "777", T0)
        links.link_shared_phone(s, tg, PHONE, True, T0)
        links.select_consumer(s, tg, a.id)
        assert links.unlink(s, tg, a.id)
        assert not links.unlink(s, tg, a.id)
        assert tg.active_consumer_id is None and links.linked_consumers(s, tg) == []


# ---------------------------------------------------------------------------- OTP


def test_otp_goes_through_the_outbox_and_verifies(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile="9876543210", ca="123456789", language="en")
        tg = contacts.get_or_create_contact(s, "telegram", "777", T0)
        req = otp.request_otp(s, tg, " 1234-56789 ", T0)
        assert req.status == "sent"
        assert req.masked_mobile == "+91******3210"
        assert req.expires_at == T0 + timedelta(minutes=10)
        msg = s.scalars(select(OutboxMessage)).one()
        challenge = s.scalars(select(OtpChallenge)).one()
        assert (msg.channel, msg.address, msg.message_key, msg.language) == (
            "sms", PHONE, "otp.code", "en")
        assert msg.idempotency_key == f"otp:{challenge.id}"
        code = msg.params["code"]
        assert len(code) == 6 and code.isdigit() and msg.params["minutes"] == 10
        # only a salted hash is stored
        stored = [str(v) for v in (challenge.salt, challenge.code_hash, challenge.sent_to)]
        assert all(code not in v for v in stored[:2]) and challenge.sent_to == PHONE
        assert otp.has_pending_otp(s, tg, T0)

        result = otp.verify_otp(s, tg, f" {code[:3]} {code[3:]}", T0 + timedelta(minutes=1))
        assert result.status == "verified"
        assert result.linked is not None and result.linked.consumer_id == a.id
        assert result.linked.method == "otp"
        assert links.active_consumer(s, tg).consumer_id == a.id
        assert not otp.has_pending_otp(s, tg, T0)
        # a used code cannot be used again
        assert otp.verify_otp(s, tg, code, T0).status == "none_pending"


def test_wrong_codes_use_up_attempts(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s)
        tg = contacts.get_or_create_contact(s, "telegram", "777", T0)
        assert otp.request_otp(s, tg, a.ca_number, T0).status == "sent"
        code = _code_sent(s, a.mobile_e164)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        lefts = [otp.verify_otp(s, tg, wrong, T0) for _ in range(4)]
        assert [(r.status, r.attempts_left) for r in lefts] == [
            ("wrong", 4), ("wrong", 3), ("wrong", 2), ("wrong", 1)]
        assert otp.verify_otp(s, tg, wrong, T0).status == "too_many"
        # the right code no longer helps
        assert otp.verify_otp(s, tg, code, T0).status == "too_many"
        assert links.linked_consumers(s, tg) == []


def test_expired_code(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s)
        tg = contacts.get_or_create_contact(s, "telegram", "777", T0)
        otp.request_otp(s, tg, a.ca_number, T0)
        code = _code_sent(s, a.mobile_e164)
        late = T0 + timedelta(minutes=10)
        assert otp.verify_otp(s, tg, code, late).status == "expired"
        assert not otp.has_pending_otp(s, tg, late)
        assert links.linked_consumers(s, tg) == []


def test_code_dies_when_the_registered_mobile_changes(
        session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s)
        tg = contacts.get_or_create_contact(s, "telegram", "777", T0)
        otp.request_otp(s, tg, a.ca_number, T0)
        code = _code_sent(s, a.mobile_e164)
        a.mobile_e164 = "+919111111111"
        s.flush()
        assert otp.verify_otp(s, tg, code, T0).status == "expired"
        assert links.linked_consumers(s, tg) == []


def test_new_code_supersedes_the_old_one(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s)
        tg = contacts.get_or_create_contact(s, "telegram", "777", T0)
        rng = random.Random(7)
        otp.request_otp(s, tg, a.ca_number, T0, rng=rng)
        first = _code_sent(s, a.mobile_e164)
        otp.request_otp(s, tg, a.ca_number, T0 + timedelta(minutes=1), rng=rng)
        second = _code_sent(s, a.mobile_e164)
        assert first != second
        assert otp.verify_otp(s, tg, first, T0 + timedelta(minutes=2)).status == "wrong"
        assert otp.verify_otp(s, tg, second, T0 + timedelta(minutes=2)).status == "verified"


def test_otp_rate_limits(session_factory: sessionmaker[Session]):
    policy = OtpPolicy(max_per_contact_per_hour=3, max_per_consumer_per_day=5)
    with session_factory() as s, s.begin():
        a = make_consumer(s)
        tg = contacts.get_or_create_contact(s, "telegram", "1", T0)
        statuses = [otp.request_otp(s, tg, a.ca_number, T0 + timedelta(minutes=i),
                                         policy=policy).status for i in range(4)]
        assert statuses == ["sent", "sent", "sent", "rate_limited"]
        limited = otp.request_otp(s, tg, a.ca_number, T0 + timedelta(minutes=10),
                                       policy=policy)
        assert limited.status == "rate_limited"
        assert limited.retry_after == timedelta(minutes=50)  # the first ages out at T0+1h
        assert limited.masked_mobile is None
        # unknown CAs are limited too once the contact is (no free CA probing)
        assert otp.request_otp(s, tg, "999999999", T0 + timedelta(minutes=10),
                                    policy=policy).status == "rate_limited"
        assert otp.request_otp(s, tg, a.ca_number, T0 + timedelta(hours=1),
                                    policy=policy).status == "sent"
        # per consumer per day, across contacts: 4 sent so far, 1 more allowed
        other = contacts.get_or_create_contact(s, "telegram", "2", T0)
        assert otp.request_otp(s, other, a.ca_number, T0 + timedelta(hours=2),
                                    policy=policy).status == "sent"
        third = contacts.get_or_create_contact(s, "telegram", "3", T0)
        day = otp.request_otp(s, third, a.ca_number, T0 + timedelta(hours=3),
                                   policy=policy)
        assert day.status == "rate_limited"
        assert day.retry_after == timedelta(hours=21)
        assert len(s.scalars(select(OutboxMessage)).all()) == 5


def test_unknown_invalid_and_already_linked_ca(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s, mobile=PHONE)
        b = make_consumer(s, mobile=PHONE)
        c = contacts.get_or_create_contact(s, "sms", PHONE, T0)
        assert otp.request_otp(s, c, "12345", T0).status == "invalid_ca"
        assert otp.request_otp(s, c, "CA12345678", T0).status == "invalid_ca"
        assert otp.request_otp(s, c, "999999999", T0).status == "unknown_ca"
        links.auto_link_by_phone(s, c, T0)
        req = otp.request_otp(s, c, b.ca_number, T0)
        assert req.status == "already_linked" and req.linked.consumer_id == b.id
        assert links.active_consumer(s, c).consumer_id == b.id  # and switched to it
        assert a.id != b.id
        assert s.scalars(select(OutboxMessage)).all() == []
        assert otp.verify_otp(s, c, "123456", T0).status == "none_pending"


def test_settings_drive_the_policy():
    from backend.platform.settings import Settings

    policy = OtpPolicy.from_settings(Settings(otp_ttl_minutes=5, otp_max_attempts=3,
                                              otp_max_per_contact_per_hour=2,
                                              otp_max_per_consumer_per_day=4))
    assert policy == OtpPolicy(ttl=timedelta(minutes=5), max_attempts=3,
                               max_per_contact_per_hour=2, max_per_consumer_per_day=4)
    assert OtpPolicy.from_settings(Settings()) == OtpPolicy()


def test_mask_and_ca_helpers():
    assert mask_address(PHONE) == "+91******3210"
    assert links.normalise_ca("1234 5678 90") == "1234567890"
    assert links.normalise_ca("12-34") is None


def test_purge_otp_challenges(session_factory: sessionmaker[Session]):
    with session_factory() as s, s.begin():
        a = make_consumer(s)
        tg = contacts.get_or_create_contact(s, "telegram", "1", T0)
        otp.request_otp(s, tg, a.ca_number, T0)
        otp.request_otp(s, tg, a.ca_number, T0 + timedelta(days=2))
        assert otp.purge_otp_challenges(s, T0 + timedelta(days=1)) == 1
        assert len(s.scalars(select(OtpChallenge)).all()) == 1
