"""The alert scan's fan-out: who hears of an account's band or meter event (its verified,
not opted-out contacts on the push channels), and the one INSERT…SELECT into the outbox per
band (per distinct `negative_since` for bands that say when a cut may come) or event kind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)

from backend.engagement.alert_bands import BandSql
from backend.messaging.bulk import idempotency_key, insert_from_select, json_object, pending
from backend.messaging.reach import PushChannels
from backend.metering.alert_rules import DISCONNECTED_MESSAGE, AlertBand
from backend.metering.disconnection import earliest_cut
from backend.models import (
    Account,
    AlertState,
    Consumer,
    Contact,
    ContactLink,
    EventKind,
    Meter,
    MeterEvent,
    MeterStatus,
)

accounts = Account.__table__
states = AlertState.__table__
consumers = Consumer.__table__
contacts = Contact.__table__
links = ContactLink.__table__
events = MeterEvent.__table__
meters = Meter.__table__

EVENT_KEYS = {EventKind.RECHARGE_CREDITED.value: "alert.recharge_credited",
              EventKind.RECONNECTED.value: "alert.reconnected"}


def recipients_of(consumer_id: ColumnElement,
                reach: PushChannels) -> tuple[list, ColumnElement]:
    """(joins, condition) for the verified, not opted-out contacts of `consumer_id` on a
    push channel; a contact on a later phone channel (SMS) is left out when one on an
    earlier phone channel (WhatsApp) with the same number gets the message."""
    twin = contacts.alias("twin")
    twin_link = links.alias("twin_link")
    left_out = [or_(contacts.c.channel != name, ~exists().where(
        twin_link.c.consumer_id == consumer_id, twin_link.c.contact_id == twin.c.id,
        twin_link.c.verified_phone == consumers.c.mobile_e164,
        twin.c.channel.in_(before), twin.c.address == contacts.c.address,
        twin.c.opted_out.is_(False))) for name, before in reach.phone_twins()]
    condition = and_(
        links.c.consumer_id == consumer_id, links.c.contact_id == contacts.c.id,
        consumers.c.id == consumer_id, links.c.verified_phone == consumers.c.mobile_e164,
        contacts.c.opted_out.is_(False), contacts.c.channel.in_(reach.preference),
        *left_out,
    )
    return [links, contacts, consumers], condition


def outbox_select(key: ColumnElement, message_key: ColumnElement | str, params: ColumnElement,
                   not_before: datetime | ColumnElement, now: datetime) -> list[ColumnElement]:
    mk = literal(message_key, String) if isinstance(message_key, str) else message_key
    per_row = not isinstance(not_before, datetime)  # an urgency condition decides
    columns = pending(now if per_row else not_before, now)
    if per_row:
        columns[2] = not_before.label("next_attempt_at")
    return [key.label("idempotency_key"), contacts.c.channel, contacts.c.address,
            mk.label("message_key"), params.label("params"),
            func.coalesce(contacts.c.language, consumers.c.language, "hi").label("language"),
            *columns]


def band_fanout(conn: Connection, bands: BandSql, band: AlertBand,
                 quiet_end: datetime, reach: PushChannels) -> int:
    """Queue the alerts of the accounts this scan moved into `band`: one INSERT…SELECT, or
    one per distinct `negative_since` for bands whose message says when a cut may come."""
    now = bands.now
    crossed = and_(states.c.crossed_at == literal(now, AlertState.crossed_at.type),
                   states.c.band == band.severity,
                   accounts.c.consumer_id == states.c.consumer_id)
    joins, recipients = recipients_of(states.c.consumer_id, reach)
    key = idempotency_key("alert", states.c.consumer_id, states.c.epoch, str(band.severity),
                          contacts.c.id)

    # A meter already cut is told how to get the supply back, never that it "may be cut".
    message = case((and_(meters.c.status == MeterStatus.DISCONNECTED.value,
                         bands.needs_recharge()), literal(DISCONNECTED_MESSAGE, String)),
                   else_=literal(band.message, String))

    def queue(params: ColumnElement, due: datetime | ColumnElement,
              *where: ColumnElement) -> int:
        query = (select(*outbox_select(key, message, params, due, now))
                 .select_from(states).join(accounts, true()))
        for table in (*joins, meters):
            query = query.join(table, true())
        return insert_from_select(conn, query.where(
            crossed, recipients, meters.c.consumer_id == states.c.consumer_id, *where))

    if not band.with_cut_time:
        return queue(json_object(conn, **bands.params(band)), bands.due(band, quiet_end))
    queued = 0
    groups = conn.execute(select(accounts.c.negative_since).distinct()
                          .select_from(states.join(accounts, true())).where(crossed)).scalars()
    for since in list(groups):
        cut = earliest_cut(bands.rules.disconnection, since or now, now, bands.tz)
        since_is = (accounts.c.negative_since.is_(None) if since is None else
                    accounts.c.negative_since == literal(since, Account.negative_since.type))
        queued += queue(json_object(conn, **bands.params(band, cut)),
                        bands.due(band, quiet_end, grouped=True, cut=cut), since_is)
    return queued


def event_fanout(conn: Connection, start: int, end: int, now: datetime,
                  reach: PushChannels) -> dict[str, int]:
    """Recharge and reconnection notices for events (start, end]: sent at once, they
    answer something the consumer just did or waited for."""
    joins, recipients = recipients_of(events.c.consumer_id, reach)
    counts: dict[str, int] = {}
    for kind, message_key in EVENT_KEYS.items():
        params = json_object(conn, amount_paise=cast(events.c.amount_paise, BigInteger),
                       balance_paise=cast(events.c.balance_paise, BigInteger))
        query = select(*outbox_select(idempotency_key("event", events.c.id, contacts.c.id),
                                       message_key, params, now, now)).select_from(events)
        for table in joins:
            query = query.join(table, true())
        counts[kind] = insert_from_select(conn, query.where(
            events.c.id > start, events.c.id <= end, events.c.kind == kind, recipients))
    return counts
