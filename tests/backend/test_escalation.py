"""Complaint SLA escalation: overdue tickets flagged once, history, consumer notice in the
consumer's language, one digest per circle manager, circles without a manager counted;
circle managers; migration 0007 round trip. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from backend.care import circle_managers, complaints, escalation
from backend.contacts import contacts, links
from backend.metering.registry import add_consumer, ensure_circle
from backend.models import Complaint, ComplaintEvent, OutboxMessage
from backend.platform import migrate
from backend.platform.errors import InvalidInput, NotFound
from bot.i18n import Renderer
from tests.factories import T0, make_consumer

LATER = T0 + timedelta(hours=5)  # no_supply (4 h) is overdue, meter_fault (24 h) is not


def _contact(s: Session, consumer, channel: str = "whatsapp", language: str | None = None):  # noqa: ANN001, ANN202
    contact = contacts.get_or_create_contact(s, channel, consumer.mobile_e164, T0)
    if language:
        contacts.set_language(s, contact, language)
    links.auto_link_by_phone(s, contact, T0)
    return contact


def _file(s: Session, consumer, category: str, at=T0) -> Complaint:  # noqa: ANN001
    return complaints.file_complaint(s, category=category, description="",
                                     consumer_id=consumer.id, now=at).complaint


def _gaya_consumer(s: Session, mobile: str):  # noqa: ANN202
    circle = ensure_circle(s, discom_code="SBPDCL", discom_name="South Bihar",
                           discom_name_hi="दक्षिण बिहार", circle_code="GAYA",
                           circle_name="Gaya", circle_name_hi="गया")
    return add_consumer(s, circle=circle, ca_number=f"2{mobile[-8:]}", name="गया उपभोक्ता",
                        mobile=mobile, meter_number=f"SMG{mobile[-8:]}", tariff_category="DS-II",
                        sanctioned_load_w=1000, at=T0, language="hi", balance_paise=0,
                        arrears_paise=0)


def _escalate(engine: Engine, now=LATER, **kw) -> escalation.EscalationResult:  # noqa: ANN001
    with engine.begin() as conn:
        return escalation.escalate(conn, now, **kw)


def test_overdue_escalated_once_with_history_and_consumer_notice(
        engine: Engine, session_factory: sessionmaker[Session],
        worker_renderer: Renderer) -> None:
    with session_factory.begin() as s:
        hindi = make_consumer(s, mobile="+917000000701", language="hi")
        english = make_consumer(s, mobile="+917000000702", language="hi")
        _contact(s, hindi)
        _contact(s, english, language="en")
        late1 = _file(s, hindi, "no_supply").ticket
        late2 = _file(s, english, "no_supply").ticket
        in_time = _file(s, hindi, "meter_fault").ticket
        resolved = _file(s, english, "cut_despite_balance")
        complaints.change_status(s, resolved, "resolved", "", "je", T0 + timedelta(hours=1))
        circle_managers.set_manager(s, circle_code="PATNA", name="Sri R. Kumar",
                                    mobile="9876543210", channel="sms", language="en", now=T0)
    result = _escalate(engine)
    assert (result.escalated, result.consumer_messages, result.digests) == (2, 2, 1)
    assert result.unreported == 0
    with session_factory() as s:
        flagged = dict(s.execute(select(Complaint.ticket, Complaint.escalated_at)).all())
        assert flagged[late1] == flagged[late2] == LATER
        assert flagged[in_time] is None and flagged[resolved.ticket] is None
        notes = [e.note for e in complaints.history(s, complaints.get(s, late1))]
        assert notes[-1] == escalation.HISTORY_NOTE
        rows = s.scalars(select(OutboxMessage).where(
            OutboxMessage.message_key == escalation.CONSUMER_KEY)
            .order_by(OutboxMessage.address)).all()
        assert [(r.address, r.language, r.params) for r in rows] == [
            ("+917000000701", "hi", {"ticket": late1}),
            ("+917000000702", "en", {"ticket": late2})]
        assert "वरीय प्रबंधक" in worker_renderer.text(rows[0].message_key, "hi", rows[0].params)
        assert "revenue manager" in worker_renderer.text(rows[1].message_key, "en", rows[1].params)
    # A second pass, even much later, finds nothing new and queues nothing.
    again = _escalate(engine, LATER + timedelta(hours=1))
    assert (again.escalated, again.consumer_messages, again.digests) == (0, 0, 0)
    with session_factory() as s:
        # The resolved ticket's status push, two consumer notices, one digest.
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 4
        assert s.scalar(select(func.count()).select_from(ComplaintEvent)
                        .where(ComplaintEvent.note == escalation.HISTORY_NOTE)) == 2
    # A ticket falling overdue later makes a new, separate digest (its own key).
    with session_factory.begin() as s:
        late3 = _file(s, english, "meter_fault", at=T0 + timedelta(hours=1)).ticket
    third = _escalate(engine, T0 + timedelta(hours=26))
    assert (third.escalated, third.consumer_messages, third.digests) == (2, 2, 1)
    with session_factory() as s:
        digests = s.scalars(select(OutboxMessage).where(
            OutboxMessage.message_key == escalation.DIGEST_KEY).order_by(OutboxMessage.id)).all()
    assert len({d.idempotency_key for d in digests}) == 2
    assert set(digests[1].params["tickets"].split(", ")) == {in_time, late3}


def test_manager_digest_is_bounded_and_masked_in_logs(
        engine: Engine, session_factory: sessionmaker[Session],
        caplog: pytest.LogCaptureFixture, worker_renderer: Renderer) -> None:
    with session_factory.begin() as s:
        tickets = [_file(s, make_consumer(s, mobile=f"+9170000008{i:02d}"), "no_supply").ticket
                   for i in range(9)]
        circle_managers.set_manager(s, circle_code="PATNA", name="Smt. A. Devi",
                                    mobile="+919876500001", channel="whatsapp",
                                    language="hi", now=T0)
    with caplog.at_level(logging.DEBUG, logger="backend.care.escalation"):
        result = _escalate(engine, max_tickets=4)
    assert (result.escalated, result.digests) == (9, 1)
    with session_factory() as s:
        [digest] = s.scalars(select(OutboxMessage).where(
            OutboxMessage.message_key == escalation.DIGEST_MORE_KEY)).all()
    assert (digest.channel, digest.address, digest.language) == ("whatsapp", "+919876500001",
                                                                "hi")
    assert digest.params["count"] == 9 and digest.params["more"] == 5
    assert digest.params["circle"] == "पटना"
    shown = digest.params["tickets"].split(", ")
    assert len(shown) == 4 and set(shown) <= set(tickets)
    text = worker_renderer.text(digest.message_key, "hi", digest.params)
    assert "पटना" in text and "5 अन्य" in text and len(text) < 250
    assert "9876500001" not in caplog.text and "+91******0001" in caplog.text


def test_circle_without_manager_is_counted_and_warned(
        engine: Engine, session_factory: sessionmaker[Session],
        caplog: pytest.LogCaptureFixture, worker_renderer: Renderer) -> None:
    with session_factory.begin() as s:
        _file(s, make_consumer(s, mobile="+917000000901"), "no_supply")
        _file(s, _gaya_consumer(s, "+917000000902"), "no_supply")
        _file(s, _gaya_consumer(s, "+917000000903"), "cut_despite_balance")
        complaints.file_complaint(s, category="no_supply", description="mohalla", now=T0,
                                  area="Kankarbagh")
        circle_managers.set_manager(s, circle_code="patna", name="Sri R. Kumar",
                                    mobile="+919876543210", channel="sms", language="en",
                                    now=T0)
    with caplog.at_level(logging.WARNING, logger="backend.care.escalation"):
        result = _escalate(engine)
    assert result.escalated == 4 and result.digests == 1
    assert result.circles_without_manager == {"GAYA": 2} and result.without_circle == 1
    assert result.unreported == 3
    assert "GAYA" in caplog.text and "no revenue manager" in caplog.text
    with session_factory() as s:
        [digest] = s.scalars(select(OutboxMessage).where(
            OutboxMessage.message_key == escalation.DIGEST_KEY)).all()
    assert digest.params["count"] == 1 and digest.params["circle"] == "Patna"
    assert "more" not in digest.params


def test_dry_run_counts_and_writes_nothing(engine: Engine,
                                           session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        _contact(s, consumer := make_consumer(s, mobile="+917000000951"))
        _file(s, consumer, "no_supply")
    dry = _escalate(engine, dry_run=True)
    assert dry.dry_run and (dry.escalated, dry.consumer_messages) == (1, 1)
    assert dry.circles_without_manager == {"PATNA": 1}
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert s.scalar(select(Complaint.escalated_at)) is None
    assert _escalate(engine).escalated == 1


def test_opted_out_and_unverified_contacts_are_not_notified(
        engine: Engine, session_factory: sessionmaker[Session],
        worker_renderer: Renderer) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000000961")
        contact = _contact(s, consumer)
        contacts.opt_out(s, contact, T0)
        stranger = contacts.get_or_create_contact(s, "telegram", "4242", T0)
        _file(s, consumer, "no_supply")
        complaints.file_complaint(s, category="fraud", description="call", now=T0 - timedelta(
            days=4), contact_id=stranger.id)
    result = _escalate(engine)
    assert result.escalated == 2 and result.consumer_messages == 1
    with session_factory() as s:
        [row] = s.scalars(select(OutboxMessage)).all()
    assert (row.channel, row.address, row.language) == ("telegram", "4242", "hi")


def test_managers_set_list_remove(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        make_consumer(s)
        view = circle_managers.set_manager(s, circle_code="PATNA", name="A", mobile="98765 43210",
                                           channel="sms", language="hi-Latn", now=T0)
        assert view.mobile_e164 == "+919876543210"
        circle_managers.set_manager(s, circle_code="PATNA", name="B", mobile="9876543211",
                                    channel="whatsapp", language="en", now=T0)
        assert [(m.circle, m.name, m.channel) for m in circle_managers.list_managers(s)] == [
            ("PATNA", "B", "whatsapp")]
        for bad in (dict(channel="fax"), dict(language="fr"), dict(mobile="12"),
                    dict(name="")):
            args = dict(circle_code="PATNA", name="C", mobile="9876543212", channel="sms",
                        language="hi") | bad
            with pytest.raises(InvalidInput):
                circle_managers.set_manager(s, now=T0, **args)
        with pytest.raises(NotFound):
            circle_managers.set_manager(s, circle_code="NOWHERE", name="C",
                                        mobile="9876543212", channel="sms", language="hi",
                                        now=T0)
        circle_managers.remove_manager(s, "PATNA")
        assert circle_managers.list_managers(s) == []
        with pytest.raises(NotFound):
            circle_managers.remove_manager(s, "PATNA")


def test_naive_time_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError), engine.begin() as conn:
        escalation.escalate(conn, LATER.replace(tzinfo=None))


def test_migration_0007_down_and_up(engine: Engine, tmp_path) -> None:  # noqa: ANN001
    if engine.dialect.name != "sqlite":
        pytest.skip("the round trip is the same DDL on PostgreSQL (tests/backend/"
                    "test_conversations.py checks models against migrations on both)")
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "0004")
    from backend.platform.db import make_engine

    probe = make_engine(url)
    with probe.connect() as conn:
        assert "circle_managers" not in inspect(conn).get_table_names()
        assert "escalated_at" not in {c["name"] for c in inspect(conn).get_columns("complaints")}
    probe.dispose()
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision()
