"""After resolution: the "was it solved?" question recorded with the resolution notice,
its answer, reopening ("theek nahi hua") and its windows; the recharge a "not credited"
ticket is about; migration 0010 round trip. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from backend.care import complaints, follow_up
from backend.care.complaints import RechargeClaim
from backend.contacts import contacts, links
from backend.models import ComplaintStatus
from backend.platform import migrate
from tests.factories import T0, make_consumer

HOUR = timedelta(hours=1)


def _linked(s: Session, mobile: str) -> tuple[int, int]:
    consumer = make_consumer(s, mobile=mobile)
    contact = contacts.get_or_create_contact(s, "whatsapp", mobile, T0)
    links.auto_link_by_phone(s, contact, T0)
    return consumer.id, contact.id


def test_resolution_asks_and_the_answer_is_recorded_once(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer_id, contact_id = _linked(s, "+917000000701")
        c = complaints.file_complaint(s, category="meter_fault", description="display off",
                                      consumer_id=consumer_id, now=T0).complaint
        whose = {"consumer_ids": [consumer_id], "contact_id": contact_id}
        assert follow_up.pending_question(s, now=T0, **whose) is None  # not resolved yet
        assert complaints.change_status(s, c, "resolved", "meter replaced", "je", T0 + HOUR) == 1
        assert c.satisfaction_asked_at == T0 + HOUR and c.satisfied is None
        assert follow_up.pending_question(s, now=T0 + 2 * HOUR, **whose) is c
        assert follow_up.pending_question(s, consumer_ids=[consumer_id + 99], contact_id=None,
                                          now=T0 + 2 * HOUR) is None  # someone else's
        follow_up.record_satisfaction(s, c, True, T0 + 3 * HOUR)
        assert (c.satisfied, c.satisfaction_at) == (True, T0 + 3 * HOUR)
        assert follow_up.pending_question(s, now=T0 + 4 * HOUR, **whose) is None
        assert complaints.history(s, c)[-1].note == "consumer: solved"


def test_question_expires_and_is_not_asked_without_a_recipient(
        session_factory: sessionmaker[Session]) -> None:
    rules = complaints.default_rules()
    with session_factory.begin() as s:
        consumer_id, contact_id = _linked(s, "+917000000702")
        c = complaints.file_complaint(s, category="no_supply", description="",
                                      consumer_id=consumer_id, now=T0).complaint
        complaints.change_status(s, c, "resolved", "", "je", T0)
        whose = {"consumer_ids": [consumer_id], "contact_id": contact_id}
        late = T0 + timedelta(days=rules.ask_days, seconds=1)
        assert follow_up.pending_question(s, now=late - timedelta(seconds=2), **whose) is c
        assert follow_up.pending_question(s, now=late, **whose) is None
        # No verified contact to tell: nobody was asked.
        lonely = make_consumer(s, mobile="+917000000703")
        d = complaints.file_complaint(s, category="no_supply", description="",
                                      consumer_id=lonely.id, now=T0).complaint
        assert complaints.change_status(s, d, "resolved", "", "je", T0) == 0
        assert d.satisfaction_asked_at is None


def test_reopen_gives_a_fresh_due_time_and_keeps_the_words(
        session_factory: sessionmaker[Session]) -> None:
    rules = complaints.default_rules()
    with session_factory.begin() as s:
        consumer_id, contact_id = _linked(s, "+917000000704")
        c = complaints.file_complaint(s, category="no_supply", description="",
                                      consumer_id=consumer_id, now=T0).complaint
        complaints.change_status(s, c, "resolved", "line fixed", "je", T0 + HOUR)
        whose = {"consumer_ids": [consumer_id], "contact_id": contact_id}
        now = T0 + 5 * HOUR
        assert follow_up.recently_done(s, now=now, **whose) is c
        reopened = follow_up.reopen(s, c, "abhi bhi nahi aa rahi", now)
        assert reopened.complaint is c and not reopened.appended
        assert c.status == ComplaintStatus.OPEN and c.reopen_count == 1 and c.reports == 2
        assert c.due_at == now + timedelta(hours=rules.category("no_supply").sla_hours)
        assert c.satisfaction_asked_at is None
        assert complaints.history(s, c)[-1].note == "reopened by consumer: abhi bhi nahi aa rahi"
        assert follow_up.latest_open(s, **whose) is c
        assert follow_up.recently_done(s, now=now, **whose) is None
        # Resolved again, then too late to reopen.
        complaints.change_status(s, c, "resolved", "", "je", now)
        too_late = now + timedelta(days=rules.reopen_days, seconds=1)
        assert follow_up.recently_done(s, now=too_late, **whose) is None


def test_reopen_adds_to_a_newer_open_ticket_of_the_category(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer_id, _ = _linked(s, "+917000000705")
        old = complaints.file_complaint(s, category="no_supply", description="",
                                        consumer_id=consumer_id, now=T0).complaint
        complaints.change_status(s, old, "resolved", "", "je", T0 + HOUR)
        new = complaints.file_complaint(s, category="no_supply", description="again",
                                        consumer_id=consumer_id, now=T0 + 2 * HOUR).complaint
        assert new.id != old.id
        reopened = follow_up.reopen(s, old, "theek nahi hua", T0 + 3 * HOUR)
        assert reopened.appended and reopened.complaint.id == new.id
        assert old.status == ComplaintStatus.RESOLVED and old.reopen_count == 0
        assert new.reports == 2
        follow_up.add_note(s, new, "still not", T0 + 4 * HOUR)
        assert new.reports == 3
        assert complaints.history(s, new)[-1].note == "still not fixed: still not"


def test_recharge_claim_is_stored_and_a_repeat_fills_the_gaps(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000706")
        first = complaints.file_complaint(
            s, category="recharge_not_credited", description="", consumer_id=consumer.id,
            now=T0, recharge=RechargeClaim(50000, "kal shaam 6 baje", None)).complaint
        assert (first.recharge_amount_paise, first.recharge_when,
                first.recharge_reference) == (50000, "kal shaam 6 baje", None)
        again = complaints.file_complaint(
            s, category="recharge_not_credited", description="", consumer_id=consumer.id,
            now=T0 + HOUR, recharge=RechargeClaim(30000, "aaj", "412345678901"))
        assert again.duplicate and again.complaint is first
        assert (first.recharge_amount_paise, first.recharge_when,
                first.recharge_reference) == (50000, "kal shaam 6 baje", "412345678901")


def test_migration_0010_down_and_up(db_url: str, tmp_path) -> None:  # noqa: ANN001
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'm.db'}"
        migrate.upgrade(url)
        migrate.downgrade(url, "0008")
        assert migrate.current_revision(url) == "0008"
        migrate.upgrade(url)
        assert migrate.current_revision(url) == migrate.head_revision()  # 0010 or a later one


def test_staff_api_shows_the_claim_and_the_follow_up(
        session_factory: sessionmaker[Session]) -> None:
    from backend.api.staff import _complaint

    with session_factory.begin() as s:
        consumer_id, _ = _linked(s, "+917000000707")
        c = complaints.file_complaint(
            s, category="recharge_not_credited", description="", consumer_id=consumer_id,
            now=T0, recharge=RechargeClaim(50000, None, "412345678901")).complaint
        complaints.change_status(s, c, "resolved", "credited", "je", T0 + HOUR)
        follow_up.record_satisfaction(s, c, False, T0 + 2 * HOUR)
        follow_up.reopen(s, c, "nahi", T0 + 2 * HOUR)
        shown = _complaint(c, T0 + 2 * HOUR)
        assert shown["recharge"] == {"amount_paise": 50000, "when": None,
                                     "reference": "412345678901"}
        assert (shown["status"], shown["reopen_count"], shown["satisfied"]) == ("open", 1, False)


def test_a_report_without_a_connection_is_followed_up_by_its_contact(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        contact = contacts.get_or_create_contact(s, "whatsapp", "+917000000708", T0)
        other = contacts.get_or_create_contact(s, "whatsapp", "+917000000709", T0)
        c = complaints.file_complaint(s, category="no_supply", description="Kankarbagh",
                                      contact_id=contact.id, area="Kankarbagh", now=T0).complaint
        assert complaints.change_status(s, c, "resolved", "", "je", T0 + HOUR) == 1
        later = T0 + 2 * HOUR
        assert follow_up.pending_question(s, consumer_ids=[], contact_id=contact.id,
                                          now=later) is c
        assert follow_up.pending_question(s, consumer_ids=[], contact_id=other.id,
                                          now=later) is None
        assert follow_up.reopen(s, c, "abhi bhi nahi", later).complaint is c
        assert c.status == ComplaintStatus.OPEN
