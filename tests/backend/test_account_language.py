"""`links.account_language`: the language on the connection a contact is linked to, which
answers a contact that never chose one (bot/dialogue/language_choice.py). SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts, links
from tests.factories import T0, make_consumer

PHONE = "+919876500011"


def test_no_link_no_language(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        contact = contacts.get_or_create_contact(s, "telegram", "777001", T0)
        assert links.account_language(s, contact) is None


def test_the_linked_connections_language(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        make_consumer(s, ca="300000001", mobile=PHONE, language="en")
        contact = contacts.get_or_create_contact(s, "whatsapp", PHONE, T0)
        links.auto_link_by_phone(s, contact, T0)
        assert links.account_language(s, contact) == "en"
        contacts.set_language(s, contact, "hi")  # the contact's own choice is separate
        assert links.account_language(s, contact) == "en"


def test_the_selected_connection_wins(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        make_consumer(s, ca="300000002", mobile=PHONE, language="hi")
        second = make_consumer(s, ca="300000003", mobile=PHONE, language="hi-Latn")
        contact = contacts.get_or_create_contact(s, "sms", PHONE, T0)
        links.auto_link_by_phone(s, contact, T0)
        assert links.account_language(s, contact) == "hi"  # first by CA number
        links.select_consumer(s, contact, second.id)
        assert links.account_language(s, contact) == "hi-Latn"


def test_a_stale_link_does_not_count(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s, s.begin():
        consumer = make_consumer(s, ca="300000004", mobile=PHONE, language="en")
        contact = contacts.get_or_create_contact(s, "whatsapp", PHONE, T0)
        links.auto_link_by_phone(s, contact, T0)
        consumer.mobile_e164 = "+919876500099"  # the registered mobile changed
        s.flush()
        assert links.account_language(s, contact) is None
