"""Broadcasts: segments and counts, channel and language per consumer, opted-out skipped,
idempotent fan-out, the promotional window in the claim query, pause/resume/cancel,
status totals, scheduled sends, outage notices; migration 0006 down and up."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.care import outages
from backend.care.complaints import file_complaint
from backend.contacts import contacts
from backend.engagement import adoption
from backend.engagement.broadcasts import delivery_report, notices, service
from backend.engagement.broadcasts.spec import Draft, Segment
from backend.engagement.broadcasts.window import (
    BROADCAST_HOLD,
    in_promotional_window,
    next_promotional_start,
)
from backend.messaging import claim, dispatch
from backend.messaging.senders import RecordingSender
from backend.messaging.status import record_status
from backend.metering.registry import ensure_circle
from backend.models import (
    Account,
    BroadcastStatus,
    Consumer,
    Division,
    OutboxMessage,
    OutboxStatus,
    Subdivision,
)
from backend.platform import migrate
from backend.platform.db import make_engine
from backend.platform.errors import Conflict, InvalidInput, NotFound
from tests.factories import link_contact, make_consumer

IST = ZoneInfo("Asia/Kolkata")  # the default TIMEZONE
# The outbox as `sahayak worker` runs it: with the broadcast window's hold.
claim_batch = partial(claim.claim_batch, hold=BROADCAST_HOLD)
process_batch = partial(dispatch.process_batch, hold=BROADCAST_HOLD)
DAY = datetime(2026, 11, 27, 11, 30, tzinfo=IST).astimezone(UTC)  # inside 10-21 IST
NIGHT = datetime(2026, 11, 27, 22, 30, tzinfo=IST).astimezone(UTC)  # outside
HI = "नमस्ते! बिजली बचाइए, पैसे बचाइए।"
EN = "Hello! Save power, save money."
SID = "HX" + "0" * 32


def _draft(**overrides) -> Draft:  # noqa: ANN003
    values = dict(title="Save power", message_class="service", body_hi=HI, body_en=EN,
                  created_by="asha")
    values.update(overrides)
    return Draft(**values)


def _link(session: Session, consumer: Consumer, channel: str, address: str | None = None,
          **options: Any) -> int:  # noqa: ANN401
    return link_contact(session, consumer, channel, address, at=DAY, **options)


def _create(sessions: sessionmaker[Session], now: datetime = DAY, **overrides) -> int:  # noqa: ANN003
    with sessions.begin() as s:
        return service.create(s, _draft(**overrides), now).id


def _rows(sessions: sessionmaker[Session], broadcast_id: int) -> list[OutboxMessage]:
    with sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.broadcast_id
                                                          == broadcast_id)
                              .order_by(OutboxMessage.id)))


# ----------------------------------------------------------------------------- audience


def test_channel_language_and_opt_out_per_consumer(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        wa = make_consumer(s, language="hi")
        _link(s, wa, "whatsapp", language="en")
        _link(s, wa, "sms")  # WhatsApp wins over SMS
        tg = make_consumer(s, language="hi")
        _link(s, tg, "telegram", "123456789", language="hi-Latn")
        plain = make_consumer(s, language="en")
        stale = make_consumer(s, language="hi")  # WhatsApp linked to an old number
        _link(s, stale, "whatsapp", "+919811111111", verified=False)
        opted = make_consumer(s)
        contacts.opt_out(s, contacts.get_or_create_contact(s, "sms", opted.mobile_e164, DAY),
                         DAY)
        opted_tg = make_consumer(s)
        _link(s, opted_tg, "telegram", "55555555", opted_out=True)
        ids = {c: c.id for c in (wa, tg, plain, stale)}
        expected = {ids[wa]: ("whatsapp", wa.mobile_e164, "en"),
                    ids[tg]: ("telegram", "123456789", "hi-Latn"),
                    ids[plain]: ("sms", plain.mobile_e164, "en"),
                    ids[stale]: ("sms", stale.mobile_e164, "hi")}
    bid = _create(session_factory)
    with session_factory() as s:
        preview = service.preview(s, bid)
    assert preview.skipped_opted_out == 2
    assert preview.recipients == {("whatsapp", "en"): 1, ("telegram", "hi-Latn"): 1,
                                  ("sms", "en"): 1, ("sms", "hi"): 1}
    report = service.send(session_factory, bid, DAY)
    assert (report.queued, report.recipients, report.skipped_opted_out) == (4, 4, 2)
    rows = _rows(session_factory, bid)
    got = {(r.channel, r.address, r.language) for r in rows}
    assert got == set(expected.values())
    bodies = {r.language: r.params["body"] for r in rows}
    # Romanized Hindi falls back to the English body when none is given.
    assert bodies == {"en": EN, "hi-Latn": EN, "hi": HI}
    assert {r.message_key for r in rows} == {"broadcast.body"}
    assert all(r.status == OutboxStatus.PENDING and r.next_attempt_at == DAY for r in rows)


def test_segment_filters(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        a = make_consumer(s, tariff="DS-II", balance_paise=-500, language="hi")
        b = make_consumer(s, tariff="DS-II", balance_paise=0, language="en")
        c = make_consumer(s, tariff="NDS-II", balance_paise=5_000)
        d = make_consumer(s, tariff="DS-I", balance_paise=50_000)
        other = ensure_circle(s, discom_code="NBPDCL", discom_name="North Bihar",
                              discom_name_hi="उत्तर बिहार", circle_code="DARBHANGA",
                              circle_name="Darbhanga", circle_name_hi="दरभंगा")
        div = Division(circle_id=other.id, name="Darbhanga Urban", name_hi="दरभंगा शहरी")
        s.add(div)
        s.flush()
        sub = Subdivision(division_id=div.id, name="Laheriasarai", name_hi="लहेरियासराय")
        s.add(sub)
        s.flush()
        d.circle_id, d.subdivision_id = other.id, sub.id
        adoption.record(s, contact_id=None, consumer_id=c.id, installed=True, now=DAY)
        adoption.record(s, contact_id=None, consumer_id=b.id, installed=True, now=DAY)
        adoption.record(s, contact_id=None, consumer_id=b.id, installed=False, now=DAY)
        file_complaint(s, category="meter_fault", description="x", now=DAY, consumer_id=a.id)
        div_id, sub_id = div.id, sub.id
        ids = {"a": a.id, "b": b.id, "c": c.id, "d": d.id}

    def who(**segment) -> set[str]:  # noqa: ANN003
        bid = _create(session_factory, segment=Segment(**segment))
        with session_factory() as s:
            total = service.preview(s, bid).total
        service.send(session_factory, bid, DAY)
        rows = _rows(session_factory, bid)
        assert len(rows) == total  # the preview counts what the fan-out queues
        with session_factory() as s:
            consumers = {s.scalar(select(Consumer.id).where(Consumer.mobile_e164 == r.address))
                         for r in rows}
        return {name for name, cid in ids.items() if cid in consumers}

    assert who() == {"a", "b", "c", "d"}
    assert who(tariffs=("ds-ii",)) == {"a", "b"}
    assert who(tariffs=("DS-I", "NDS-II")) == {"c", "d"}
    assert who(balance="negative") == {"a"}
    assert who(balance="zero") == {"b"}
    assert who(balance="low", balance_paise=5_000) == {"a", "b", "c"}
    assert who(balance="above", balance_paise=5_000) == {"d"}
    assert who(circle="patna") == {"a", "b", "c"}
    assert who(discom="NBPDCL") == {"d"}
    assert who(division_id=div_id) == who(subdivision_id=sub_id) == {"d"}
    assert who(language="en") == {"b"}
    assert who(app_installed=True) == {"c"}  # b's latest answer is no
    assert who(app_installed=False) == {"a", "b", "d"}
    assert who(open_complaint=True) == {"a"}
    assert who(open_complaint=False, balance="low", balance_paise=0) == {"b"}


def test_one_message_per_number_and_rerun_queues_nothing(
        session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        shop = make_consumer(s, mobile="+917011111111")
        make_consumer(s, mobile="+917011111111")  # home connection, same mobile
        make_consumer(s)
    bid = _create(session_factory)
    with session_factory() as s:
        assert service.preview(s, bid).total == 2
    progress: list[tuple[int, int, int]] = []
    first = service.send(session_factory, bid, DAY, chunk=1,
                         progress=lambda *p: progress.append(p))
    assert first.queued == 2 and progress[-1][0] == progress[-1][1] == len(progress) == 3
    again = service.send(session_factory, bid, DAY)
    assert (again.queued, again.recipients) == (0, 2)
    with session_factory.begin() as s:
        make_consumer(s)  # joined the segment since: a rerun tops up
    assert service.send(session_factory, bid, DAY).queued == 1
    assert len(_rows(session_factory, bid)) == 3
    assert shop.mobile_e164 in {r.address for r in _rows(session_factory, bid)}


# ----------------------------------------------------------------------------- sending


def test_promotional_rows_wait_for_the_window_service_rows_do_not(
        session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s)
    promo = _create(session_factory, message_class="promotional")
    notice = _create(session_factory, message_class="service")
    service.send(session_factory, promo, NIGHT)
    service.send(session_factory, notice, NIGHT)
    next_ten = datetime(2026, 11, 28, 10, 0, tzinfo=IST)
    assert _rows(session_factory, promo)[0].next_attempt_at == next_ten
    # Even with next_attempt_at forced into the past, the claim skips promotional rows at night.
    with session_factory.begin() as s:
        s.execute(update(OutboxMessage).values(next_attempt_at=NIGHT - timedelta(hours=1)))
    night = claim_batch(session_factory, "w", 10, NIGHT, 86_400)
    assert [m.id for m in night] == [_rows(session_factory, notice)[0].id]
    day = claim_batch(session_factory, "w", 10, NIGHT + timedelta(hours=12), 60)
    assert [m.id for m in day] == [_rows(session_factory, promo)[0].id]


def test_window_edges():
    assert in_promotional_window(datetime(2026, 11, 27, 10, 0, tzinfo=IST))
    assert not in_promotional_window(datetime(2026, 11, 27, 9, 59, tzinfo=IST))
    assert in_promotional_window(datetime(2026, 11, 27, 20, 59, tzinfo=IST))
    assert not in_promotional_window(datetime(2026, 11, 27, 21, 0, tzinfo=IST))
    early = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 08:30 IST
    assert next_promotional_start(early) == datetime(2026, 11, 27, 10, 0, tzinfo=IST)
    assert next_promotional_start(DAY) == DAY


def test_pause_resume_cancel(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        for _ in range(3):
            make_consumer(s)
    bid = _create(session_factory)
    service.send(session_factory, bid, DAY)
    with session_factory.begin() as s:
        service.pause(s, bid, DAY)
    assert claim_batch(session_factory, "w", 10, DAY, 60) == []
    with pytest.raises(Conflict, match="resume it first"):
        service.send(session_factory, bid, DAY)
    with session_factory.begin() as s:
        assert service.resume(s, bid, DAY).status == BroadcastStatus.QUEUED
    sender = RecordingSender()
    assert process_batch(session_factory, sender, worker_id="w", limit=1, now=DAY).sent == 1
    with session_factory.begin() as s:
        assert service.cancel(s, bid, DAY) == 2
    assert claim_batch(session_factory, "w", 10, DAY, 60) == []
    with session_factory() as s:
        totals = delivery_report.totals(s, bid)
    assert (totals.sent, totals.cancelled, totals.queued, totals.recipients) == (1, 2, 0, 3)
    with session_factory.begin() as s, pytest.raises(Conflict):
        service.cancel(s, bid, DAY)
    with session_factory.begin() as s, pytest.raises(Conflict):
        service.resume(s, bid, DAY)


def test_a_row_in_flight_at_cancel_is_cancelled_when_its_send_fails(
        session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        for _ in range(3):
            make_consumer(s)
    bid = _create(session_factory)
    service.send(session_factory, bid, DAY)

    class CancelWhileSending(RecordingSender):
        """Staff cancel while the first message is with the provider, which then fails."""

        def send(self, message):  # noqa: ANN001, ANN202
            if not self.calls:
                with session_factory.begin() as s:
                    assert service.cancel(s, bid, DAY) == 1  # the one not claimed
                self.fail_next(2)
            return super().send(message)

    result = process_batch(session_factory, CancelWhileSending(), worker_id="w", limit=2,
                           now=DAY)
    assert result.retried == 2
    with session_factory() as s:
        assert delivery_report.totals(s, bid).cancelled == 3  # none left waiting as "queued"
    assert claim_batch(session_factory, "w", 10, DAY + timedelta(days=1), 60) == []


def test_status_totals_and_masked_recipients(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        for _ in range(5):
            make_consumer(s)
        opted = make_consumer(s)
        contacts.opt_out(s, contacts.get_or_create_contact(s, "whatsapp", opted.mobile_e164,
                                                           DAY), DAY)
    bid = _create(session_factory)
    service.send(session_factory, bid, DAY)
    sender = RecordingSender()
    sender.fail_next(1, permanent=True)
    result = process_batch(session_factory, sender, worker_id="w", limit=4, now=DAY)
    assert (result.sent, result.dead) == (3, 1)
    with session_factory.begin() as s:
        assert record_status(s, "rec-1", "delivered")
        assert record_status(s, "rec-2", "read")
        assert record_status(s, "rec-3", "undelivered", "30003")
    with session_factory() as s:
        totals = delivery_report.totals(s, bid)
        failed = delivery_report.recipients(s, bid, outcome="failed")
        page = delivery_report.recipients(s, bid, limit=10)
    assert totals == delivery_report.Totals(queued=1, delivered=1, read=1, failed=1, dead=1,
                                    skipped_opted_out=1)
    assert len(failed) == 1 and failed[0].outcome == "failed"
    assert len(page) == 5 and all("*" in r.address for r in page)
    assert {r.outcome for r in page} == {"queued", "delivered", "read", "failed", "dead"}


def test_send_due_sends_only_what_is_due(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s)
    due = _create(session_factory, scheduled_at=DAY + timedelta(minutes=5))
    later = _create(session_factory, scheduled_at=DAY + timedelta(hours=5))
    paused = _create(session_factory, scheduled_at=DAY + timedelta(minutes=1))
    draft = _create(session_factory)
    with session_factory.begin() as s:
        service.pause(s, paused, DAY)
    reports = service.send_due(session_factory, DAY + timedelta(minutes=10))
    assert [r.broadcast_id for r in reports] == [due]
    assert service.send_due(session_factory, DAY + timedelta(minutes=11)) == []
    with session_factory() as s:
        status = {b.id: b.status for b in service.list_broadcasts(s)}
    assert status == {due: BroadcastStatus.QUEUED, later: BroadcastStatus.SCHEDULED,
                      paused: BroadcastStatus.PAUSED, draft: BroadcastStatus.DRAFT}


def test_template_broadcast_carries_its_content_sid(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        c = make_consumer(s)
        _link(s, c, "whatsapp")
    bid = _create(session_factory, content_sid=SID, content_variables={"1": "Patna"})
    service.send(session_factory, bid, DAY)
    (row,) = _rows(session_factory, bid)
    assert row.params["_content_sid"] == SID
    assert json.loads(row.params["_content_variables"]) == {"1": "Patna"}


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": " "}, "title"),
    ({"message_class": "marketing"}, "service or promotional"),
    ({"body_hi": "Namaste"}, "Devanagari"),
    ({"body_en": "Save power ✓"}, "GSM-7"),
    ({"body_hi_latn": "Bijli bachaiye ✓"}, "GSM-7"),
    ({"body_en": "x" * 1001}, "at most 1000"),
    ({"content_sid": "HX123"}, "HX followed by 32"),
    ({"content_variables": {"1": "a"}}, "need a template"),
    ({"scheduled_at": DAY - timedelta(minutes=1)}, "in the past"),
    ({"segment": Segment(balance="low")}, "needs an amount"),
    ({"segment": Segment(balance="zero", balance_paise=5)}, "only goes with"),
    ({"segment": Segment(balance="rich")}, "balance must be one of"),
    ({"segment": Segment(language="fr")}, "language must be one of"),
])
def test_bad_input_is_refused_with_a_reason(session_factory: sessionmaker[Session],
                                            overrides: dict, message: str):
    with session_factory.begin() as s, pytest.raises(InvalidInput, match=message):
        service.create(s, _draft(**overrides), DAY)


def test_unknown_places_and_broadcasts_are_not_found(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        with pytest.raises(NotFound, match="no circle"):
            service.create(s, _draft(segment=Segment(circle="NOWHERE")), DAY)
        with pytest.raises(NotFound, match="no division"):
            service.create(s, _draft(segment=Segment(division_id=999)), DAY)
        with pytest.raises(NotFound, match="no broadcast 42"):
            service.pause(s, 42, DAY)
    with pytest.raises(InvalidInput, match="unknown segment"):
        Segment.from_dict({"town": "Gaya"})


def test_preview_counts_sms_segments_per_language(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s)
    bid = _create(session_factory, body_hi="बिजली " * 20, body_en="Save power. " * 15)
    with session_factory() as s:
        sms = service.preview(s, bid).sms
        rendered = service.preview(s, bid, render=lambda key, lang, p: "X: " + p["body"]).sms
    assert (sms["hi"].encoding, sms["hi"].segments) == ("UCS-2", 2)  # 120 chars > 70
    assert (sms["en"].encoding, sms["en"].segments) == ("GSM-7", 2)  # 179 > 160
    assert sms["hi-Latn"] == sms["en"]
    assert rendered["hi"].segments == 2 and rendered["en"].segments == 2


# ----------------------------------------------------------------------------- outages


def test_outage_notice_and_restored_notice_reach_the_area(
        session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        inside = make_consumer(s, language="en")
        outside = make_consumer(s)
        other = ensure_circle(s, discom_code="NBPDCL", discom_name="North Bihar",
                              discom_name_hi="उत्तर बिहार", circle_code="GAYA",
                              circle_name="Gaya", circle_name_hi="गया")
        outside.circle_id = other.id
        circle_id = inside.circle_id
        notice = outages.add(s, now=DAY, circle_id=circle_id, reason="transformer repair",
                             expected_restore_at=DAY + timedelta(hours=3))
        with pytest.raises(InvalidInput, match="still active"):
            notices.restored_broadcast(s, notice, created_by="ops", now=DAY)
        bid = notices.outage_broadcast(s, notice, created_by="ops", now=DAY).id
        notice_id = notice.id
        silent = outages.add(s, now=DAY, circle_id=circle_id)
        with pytest.raises(InvalidInput, match="needs a reason"):
            notices.outage_broadcast(s, silent, created_by="ops", now=DAY)
    service.send(session_factory, bid, NIGHT)  # service class: goes at night too
    (row,) = _rows(session_factory, bid)
    assert (row.address, row.language, row.message_key) == (inside.mobile_e164, "en",
                                                            "outage.notice")
    assert row.params["reason"] == "transformer repair"
    assert datetime.fromisoformat(row.params["restore_at"]) == DAY + timedelta(hours=3)
    assert row.next_attempt_at == NIGHT
    with session_factory.begin() as s:
        closed = outages.close(s, notice_id)
        restored = notices.restored_broadcast(s, closed, created_by="ops", now=NIGHT).id
    service.send(session_factory, restored, NIGHT)
    assert [r.message_key for r in _rows(session_factory, restored)] == ["outage.restored"]


# ----------------------------------------------------------------------------- migration



def test_migration_0006_down_and_up(fresh_url: str):
    migrate.upgrade(fresh_url)
    migrate.downgrade(fresh_url, "0004")
    engine = make_engine(fresh_url)
    try:
        with engine.connect() as conn:
            assert "broadcasts" not in inspect(conn).get_table_names()
            assert "broadcast_id" not in {c["name"] for c in inspect(conn).get_columns("outbox")}
    finally:
        engine.dispose()
    migrate.upgrade(fresh_url)
    assert migrate.current_revision(fresh_url) == migrate.head_revision()


def test_preview_queues_nothing(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s, balance_paise=100)
    bid = _create(session_factory)
    with session_factory() as s:
        service.preview(s, bid)
        assert s.scalar(select(Account.balance_paise)) == 100
        assert _rows(session_factory, bid) == []


def test_a_fan_out_stops_at_a_cancel(session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        for _ in range(3):
            make_consumer(s)
    bid = _create(session_factory)

    def cancel_after_first_chunk(done: int, chunks: int, queued: int) -> None:
        if done == 1:
            with session_factory.begin() as s:
                service.cancel(s, bid, DAY)

    report = service.send(session_factory, bid, DAY, chunk=1, progress=cancel_after_first_chunk)
    assert report.queued == 1 and len(_rows(session_factory, bid)) == 1
    with session_factory() as s:
        assert delivery_report.totals(s, bid).cancelled == 1


def test_send_due_in_the_caller_s_transaction(engine: Engine,
                                              session_factory: sessionmaker[Session]):
    with session_factory.begin() as s:
        make_consumer(s)
        make_consumer(s)
    bid = _create(session_factory, scheduled_at=DAY + timedelta(minutes=1))
    with engine.connect() as conn, conn.begin() as tx:
        assert [r.queued for r in service.send_due(conn, DAY + timedelta(minutes=2))] == [2]
        tx.rollback()  # the caller's transaction decides
    assert _rows(session_factory, bid) == []
    with engine.begin() as conn:
        service.send_due(conn, DAY + timedelta(minutes=2))
    assert len(_rows(session_factory, bid)) == 2
