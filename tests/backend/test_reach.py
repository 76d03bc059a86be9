"""Push channels as data (backend/messaging/reach.py): the alert scan and the broadcast
audience follow the `PushChannels` they are given, not channel names of their own."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.engagement.alerts import scan
from backend.engagement.broadcasts.audience import audience
from backend.engagement.broadcasts.spec import Segment
from backend.messaging.reach import BIHAR, PushChannels
from backend.metering.rules import Rules
from backend.models import OutboxMessage
from tests.factories import link_contact, make_consumer

NOW = datetime(2026, 4, 1, 6, 30, tzinfo=UTC)  # 12:00 IST: outside quiet hours
#: SMS first, WhatsApp only as its twin, no Telegram pushes.
SMS_FIRST = PushChannels(preference=("sms", "whatsapp"), phone=("sms", "whatsapp"),
                         fallback="sms")
#: Linked contacts only: Telegram before WhatsApp, no SMS to the registered mobile.
LINKED_ONLY = PushChannels(preference=("telegram", "whatsapp"), phone=("whatsapp",),
                           fallback=None)


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="phone"):
        PushChannels(preference=("whatsapp",), phone=("whatsapp", "sms"), fallback=None)
    with pytest.raises(ValueError, match="fallback"):
        PushChannels(preference=("telegram", "sms"), phone=("sms",), fallback="telegram")
    assert BIHAR.linked_before_fallback() == ("whatsapp", "telegram")
    assert BIHAR.phone_twins() == (("sms", ("whatsapp",)),)


IST = ZoneInfo("Asia/Kolkata")  # the default TIMEZONE


def _alerted(sessions: sessionmaker[Session], rules: Rules,
             reach: PushChannels) -> set[tuple[str, str]]:
    with sessions.begin() as session:
        scan(session.connection(), rules, NOW, tz=IST, reach=reach)
    with sessions() as session:
        return {(m.channel, m.address) for m in session.scalars(select(OutboxMessage))}


@pytest.mark.parametrize(("reach", "expected"), [
    (BIHAR, {"whatsapp", "telegram"}),  # SMS left out: WhatsApp reaches the same number
    (SMS_FIRST, {"sms"}),  # WhatsApp left out for SMS; Telegram is not pushed to
])
def test_alert_recipients_follow_the_push_channels(session_factory: sessionmaker[Session],
                                                   rules: Rules, reach: PushChannels,
                                                   expected: set[str]) -> None:
    with session_factory.begin() as session:
        consumer = make_consumer(session, balance_paise=4000)  # at or below ₹50: "amount"
        for channel in ("whatsapp", "sms"):
            link_contact(session, consumer, channel)
        link_contact(session, consumer, "telegram", "4242")
    assert {channel for channel, _ in _alerted(session_factory, rules, reach)} == expected


def test_broadcast_audience_follows_the_push_channels(session_factory: sessionmaker[Session]
                                                      ) -> None:
    with session_factory.begin() as session:
        both = make_consumer(session)
        link_contact(session, both, "whatsapp")
        link_contact(session, both, "telegram", "777")
        plain = make_consumer(session)  # nothing linked
        ids = (both.id, plain.id)

    def chosen(reach: PushChannels) -> dict[int, str]:
        with session_factory() as session:
            a = audience(Segment(), reach=reach).subquery()
            rows = session.execute(select(a.c.consumer_id, a.c.channel)
                                   .where(a.c.consumer_id.in_(ids))).all()
        return dict(rows)  # type: ignore[arg-type]

    assert chosen(BIHAR) == {ids[0]: "whatsapp", ids[1]: "sms"}
    assert chosen(LINKED_ONLY) == {ids[0]: "telegram"}  # no fallback: plain is left out
