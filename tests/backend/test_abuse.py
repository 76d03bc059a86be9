"""Abuse limits on real SQLite and PostgreSQL: unverified reports are limited per chat and
per area per day and merged; a report for an unknown CA is kept, flagged and never
escalated; CA lookups count whether the CA exists or not."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from backend.care import complaints, escalation
from backend.contacts import abuse, contacts, otp
from backend.contacts.otp import OtpPolicy
from backend.models import AbuseEvent, Complaint, OtpChallenge, OutboxMessage
from backend.platform import migrate
from tests.factories import T0, make_consumer

RULES = complaints.ComplaintRules(
    complaints.default_rules().categories, complaints.default_rules().unverified,
    unverified_per_contact_per_day=3, unverified_per_area_per_day=4)


def _chat(s: Session, chat_id: str):  # noqa: ANN202
    return contacts.get_or_create_contact(s, "telegram", chat_id, T0)


def _report(s: Session, chat, at=T0, **where) -> complaints.Filed | None:  # noqa: ANN001
    return complaints.file_unverified(s, contact_id=chat.id, category=where.pop(
        "category", "no_supply"), description="bijli nahi", now=at, rules=RULES, **where)


def test_flood_from_two_chats_is_merged_and_limited(session_factory: sessionmaker[Session]):
    """The issue's flood: two chats file report after report. Per area they merge into one
    ticket; each chat stops at its daily limit; the area stops at its own."""
    with session_factory.begin() as s:
        a, b = _chat(s, "tg-1"), _chat(s, "tg-2")
        results = [_report(s, chat, T0 + timedelta(seconds=i), area=area)
                   for i, (chat, area) in enumerate(
                       [(a, "Ramnagar, Gaya"), (b, "ramnagar gaya"), (a, "RAMNAGAR  GAYA!"),
                        (b, "Ramnagar Gaya"), (a, "Ramnagar Gaya"), (b, "Shivpuri"),
                        (b, "Shivpuri")] * 4)]
        filed = [r for r in results if r is not None]
        # Ramnagar takes 4 reports (its limit: a, b, a, b); b's Shivpuri report is its
        # third and last today; everything after that is refused.
        assert len(filed) == 5 and sum(not r.duplicate for r in filed) == 2
        tickets = s.scalars(select(Complaint).order_by(Complaint.id)).all()
        assert [(t.area, t.reports) for t in tickets] == [("ramnagar gaya", 4), ("shivpuri", 1)]
        assert s.scalar(select(func.count()).select_from(AbuseEvent)) == 5
        assert _report(s, b, T0 + timedelta(hours=1), area="Kankarbagh") is None  # b: 3
        assert _report(s, a, T0 + timedelta(hours=1), area="Kankarbagh") is not None  # a: 2
    with session_factory.begin() as s:  # a day later the chat may report again
        assert _report(s, _chat(s, "tg-1"), T0 + timedelta(days=1, seconds=1),
                       area="Shivpuri") is not None


def test_reports_without_an_area_merge_per_chat(session_factory: sessionmaker[Session]):
    """The urgent offer after safety advice files without an area: one ticket per chat."""
    with session_factory.begin() as s:
        a, b = _chat(s, "tg-3"), _chat(s, "tg-4")
        first = _report(s, a, category="meter_fault", urgent=True)
        again = _report(s, a, category="meter_fault", urgent=True)
        other = _report(s, b, category="meter_fault", urgent=True)
        assert first and again and other
        assert again.duplicate and again.complaint.id == first.complaint.id
        assert not other.duplicate and other.complaint.id != first.complaint.id


def test_unknown_ca_report_is_flagged_not_urgent_and_never_escalated(
        engine: Engine, session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000951")
        known = _report(s, _chat(s, "tg-5"), ca_number=consumer.ca_number)
        unknown = _report(s, _chat(s, "tg-6"), ca_number="999000951")
        assert known and unknown
        # The reporter is told the same (urgent) thing either way ...
        assert known.urgent and unknown.urgent
        # ... but the unknown CA's ticket is flagged for staff and not urgent.
        assert (known.complaint.flag, known.complaint.urgent) == (None, True)
        assert (unknown.complaint.flag, unknown.complaint.urgent) == (complaints.UNKNOWN_CA,
                                                                      False)
        again = _report(s, _chat(s, "tg-7"), ca_number="999000951")
        assert again and again.duplicate and again.urgent
        ids = {known.complaint.ticket: "known", unknown.complaint.ticket: "unknown"}
        from backend.api.staff import _complaint
        assert _complaint(unknown.complaint, T0)["flag"] == "unknown_ca"  # staff see it
    with engine.begin() as conn:
        escalation.escalate(conn, T0 + timedelta(hours=5))
    with session_factory() as s:
        escalated = {ids[t] for t, at in s.execute(
            select(Complaint.ticket, Complaint.escalated_at)) if at is not None}
    assert escalated == {"known"}


def _policy(per_hour: int = 100, per_day: int = 4) -> OtpPolicy:
    return OtpPolicy(max_per_contact_per_hour=per_hour, max_lookups_per_contact_per_day=per_day)


def test_ca_lookups_count_whether_the_ca_exists_or_not(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000952")
        chat = _chat(s, "tg-8")
        got = [otp.request_otp(s, chat, ca, T0 + timedelta(minutes=i), policy=_policy()).status
               for i, ca in enumerate(["999000001", consumer.ca_number, "999000002",
                                       "999000003", "999000004", consumer.ca_number])]
        assert got == ["unknown_ca", "sent", "unknown_ca", "unknown_ca", "rate_limited",
                       "rate_limited"]
        assert abuse.count(s, abuse.CA_LOOKUP, T0 + timedelta(hours=1), contact_id=chat.id) == 4
        # Only the known CA got a code; nothing was sent for the unknown ones.
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        # The last lookup (unknown) superseded the code for the known one.
        assert otp.has_pending_otp(s, chat, T0 + timedelta(minutes=5)) is False
        assert s.scalar(select(func.count()).select_from(OtpChallenge)
                        .where(OtpChallenge.consumed_at.is_(None))) == 0
        later = otp.request_otp(s, chat, consumer.ca_number, T0 + timedelta(days=1, minutes=1),
                                policy=_policy())
        assert later.status == "sent"


def test_hourly_limit_counts_unknown_cas_too(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000953")
        chat = _chat(s, "tg-9")
        policy = _policy(per_hour=3, per_day=10)
        for i in range(3):
            assert otp.request_otp(s, chat, f"99900010{i}", T0, policy=policy).status == \
                "unknown_ca"
        limited = otp.request_otp(s, chat, consumer.ca_number, T0 + timedelta(minutes=1),
                                  policy=policy)
        assert limited.status == "rate_limited"
        assert limited.retry_after == timedelta(minutes=59)


def test_area_key() -> None:
    assert abuse.area_key(" Kankarbagh,  PATNA! ") == "kankarbagh patna"
    assert abuse.area_key("रामनगर, गया") == "रामनगर गया"
    assert abuse.area_key("!!") is None and abuse.area_key(None) is None


def test_migration_0011_down_and_up(db_url: str, tmp_path) -> None:  # noqa: ANN001
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'm.db'}"
        migrate.upgrade(url)
        migrate.downgrade(url, "0010")
        assert migrate.current_revision(url) == "0010"
        migrate.upgrade(url)
        assert migrate.current_revision(url) == migrate.head_revision()


def test_consumer_limit_leaves_the_pending_code_alive(session_factory: sessionmaker[Session]):
    """A lookup refused by the registered mobile's daily limit is counted, but the code
    already sent to that mobile still works (the flow says "wait, it may still arrive")."""
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000954")
        chat = _chat(s, "tg-10")
        policy = OtpPolicy(max_per_contact_per_hour=100, max_lookups_per_contact_per_day=100,
                           max_per_consumer_per_day=1)
        assert otp.request_otp(s, chat, consumer.ca_number, T0, policy=policy).status == "sent"
        again = otp.request_otp(s, chat, consumer.ca_number, T0 + timedelta(minutes=1),
                                policy=policy)
        assert again.status == "rate_limited"
        assert otp.has_pending_otp(s, chat, T0 + timedelta(minutes=2))
        assert abuse.count(s, abuse.CA_LOOKUP, T0 + timedelta(minutes=2), contact_id=chat.id) == 2


def test_area_limit_holds_when_two_chats_report_at_once(
        engine: Engine, session_factory: sessionmaker[Session]):
    """The second chat's report waits for the first one's transaction, then sees its count
    (limit 1 per area): one ticket, one refusal, however the two interleave."""
    rules = complaints.ComplaintRules(RULES.categories, RULES.unverified,
                                      unverified_per_area_per_day=1)
    with session_factory.begin() as s:
        ids = [_chat(s, "tg-11").id, _chat(s, "tg-12").id]
    filed_first, go_on, results = threading.Event(), threading.Event(), {}

    def report(n: int) -> None:
        with session_factory.begin() as s:
            results[n] = complaints.file_unverified(
                s, contact_id=ids[n], category="no_supply", description="", now=T0,
                area="Kankarbagh", rules=rules)
            if n == 0:
                filed_first.set()
                go_on.wait(30)

    first = threading.Thread(target=report, args=(0,))
    first.start()
    assert filed_first.wait(30)
    second = threading.Thread(target=report, args=(1,))
    second.start()
    _wait_until_blocked(engine)
    go_on.set()
    first.join(30)
    second.join(30)
    assert results[0] is not None and results[1] is None


def _wait_until_blocked(engine: Engine) -> None:
    """Until the second transaction waits for a lock (PostgreSQL), or at once on SQLite,
    where the database write lock orders them anyway."""
    if engine.dialect.name != "postgresql":
        return
    for _ in range(3000):
        with engine.connect() as conn:
            if conn.scalar(text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())")):
                return
        threading.Event().wait(0.01)
    raise AssertionError("the second report never waited for the first")
