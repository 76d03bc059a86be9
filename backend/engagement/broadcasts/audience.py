"""Who a broadcast reaches, as one SELECT over consumers (set-based, no Python per row).

Per consumer in the segment, the first push channel (`PushChannels`; by default WhatsApp,
then Telegram) on which a verified (link's `verified_phone` still the registered mobile),
not opted-out contact is linked; else the fallback channel (SMS) to `consumers.mobile_e164`.
The consumer is skipped (`skip`) when any linked contact, or any phone-channel (WhatsApp/SMS)
contact for the registered number, has opted out: opting out anywhere means no broadcasts;
with no fallback channel, a consumer without a linked contact is left out. Language: the
chosen contact's, else the connection's, normalised to hi / hi-Latn / en.

The same rules as the alert scan's recipients (verified link, opt-out respected) but one
message per consumer on the best channel, where alerts go to every linked contact."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql import Select

from backend.engagement.broadcasts.spec import Segment
from backend.messaging.reach import BIHAR, PushChannels
from backend.models import (
    Account,
    AppAdoption,
    Circle,
    Complaint,
    ComplaintStatus,
    Consumer,
    Contact,
    ContactLink,
    Discom,
    Subdivision,
)

consumers = Consumer.__table__
contacts = Contact.__table__
links = ContactLink.__table__
accounts = Account.__table__
adoption = AppAdoption.__table__
complaints = Complaint.__table__
OPEN = (ComplaintStatus.OPEN.value, ComplaintStatus.IN_PROGRESS.value)


@dataclass(frozen=True)
class IdRange:
    """Consumers with lo < id <= hi: the fan-out goes chunk by chunk to report progress."""

    lo: int
    hi: int


def normalized_language(raw: ColumnElement) -> ColumnElement:
    tag = func.lower(raw)
    return case((tag.like("en%"), literal("en", String)),
                (tag.like("%latn%"), literal("hi-Latn", String)),
                else_=literal("hi", String))


def _first(whens: list[tuple[ColumnElement, ColumnElement]],
           else_: ColumnElement) -> ColumnElement:
    return case(*whens, else_=else_) if whens else else_


def _in_range(column: ColumnElement, ids: IdRange | None) -> list[ColumnElement]:
    return [] if ids is None else [column > ids.lo, column <= ids.hi]


def audience(segment: Segment, ids: IdRange | None = None, *,
             reach: PushChannels = BIHAR) -> Select:
    """consumer_id, channel, address, language, skip for every consumer in the segment."""
    c = consumers
    linked = contacts.alias("linked")
    tried = reach.linked_before_fallback()
    # One row per (consumer, verified phone) with links: the best contact id on each push
    # channel tried before the fallback, and whether any linked contact opted out. Grouping
    # by the phone (and matching it to the registered mobile in the join below) keeps
    # consumers out of this subquery, so PostgreSQL estimates it well and hash-joins it.
    per_link = (
        select(links.c.consumer_id, links.c.verified_phone,
               *[func.min(case((and_(linked.c.channel == name, linked.c.opted_out.is_(False)),
                                linked.c.id))).label(f"id_{i}") for i, name in enumerate(tried)],
               func.max(case((linked.c.opted_out.is_(True), 1), else_=0)).label("opted"))
        .select_from(links.join(linked, linked.c.id == links.c.contact_id))
        .where(*_in_range(links.c.consumer_id, ids))
        .group_by(links.c.consumer_id, links.c.verified_phone)
        .subquery("per_link"))
    opted_numbers = (select(contacts.c.address).distinct()
                     .where(contacts.c.opted_out.is_(True), contacts.c.channel.in_(reach.phone))
                     .subquery("opted_numbers"))
    best = [contacts.alias(f"best_{i}") for i in range(len(tried))]
    source = c.outerjoin(per_link, and_(per_link.c.consumer_id == c.c.id,
                                        per_link.c.verified_phone == c.c.mobile_e164))
    for i, alias in enumerate(best):
        source = source.outerjoin(alias, alias.c.id == per_link.c[f"id_{i}"])
    fallback = contacts.alias("fallback")
    source = (source.outerjoin(fallback, and_(fallback.c.channel == reach.fallback,
                                              fallback.c.address == c.c.mobile_e164))
              .outerjoin(opted_numbers, opted_numbers.c.address == c.c.mobile_e164))
    found = [(alias.c.id.is_not(None), alias, name) for alias, name in zip(best, tried,
                                                                            strict=True)]
    channel = _first([(on, literal(name, String)) for on, _, name in found],
                     literal(reach.fallback, String))
    address = _first([(on, alias.c.address) for on, alias, _ in found], c.c.mobile_e164)
    contact_language = _first([(on, alias.c.language) for on, alias, _ in found],
                              fallback.c.language)
    language = normalized_language(func.coalesce(contact_language, c.c.language, "hi"))
    skip = or_(func.coalesce(per_link.c.opted, 0) == 1, opted_numbers.c.address.is_not(None))
    where = [*_in_range(c.c.id, ids)]
    if reach.fallback is None:  # nobody to fall back on: only consumers with a contact
        where.append(or_(false(), *[on for on, _, _ in found]))
    if segment.discom is not None:
        where.append(c.c.circle_id.in_(
            select(Circle.id).join(Discom, Discom.id == Circle.discom_id)
            .where(Discom.code == segment.discom)))
    if segment.circle is not None:
        where.append(c.c.circle_id.in_(select(Circle.id).where(Circle.code == segment.circle)))
    if segment.division_id is not None:
        where.append(c.c.subdivision_id.in_(
            select(Subdivision.id).where(Subdivision.division_id == segment.division_id)))
    if segment.subdivision_id is not None:
        where.append(c.c.subdivision_id == segment.subdivision_id)
    if segment.tariffs:
        where.append(c.c.tariff_category.in_(segment.tariffs))
    if segment.language is not None:
        where.append(language == segment.language)
    if segment.balance is not None:
        source = source.join(accounts, accounts.c.consumer_id == c.c.id)
        bal = accounts.c.balance_paise
        where.append({"negative": bal < 0, "zero": bal == 0,
                      "low": bal <= (segment.balance_paise or 0),
                      "above": bal > (segment.balance_paise or 0)}[segment.balance])
    if segment.app_installed is not None:
        answer, later = adoption.alias("answer"), adoption.alias("later")
        # The consumer's latest answer is yes: a yes with no later answer after it.
        said_yes = exists().where(
            answer.c.consumer_id == c.c.id, answer.c.installed.is_(True),
            ~exists().where(later.c.consumer_id == answer.c.consumer_id,
                            later.c.id > answer.c.id))
        where.append(said_yes if segment.app_installed else ~said_yes)
    if segment.open_complaint is not None:
        has_open = exists().where(complaints.c.consumer_id == c.c.id,
                                  complaints.c.status.in_(OPEN))
        where.append(has_open if segment.open_complaint else ~has_open)
    return (select(c.c.id.label("consumer_id"), channel.label("channel"),
                   address.label("address"), language.label("language"), skip.label("skip"))
            .select_from(source).where(*where))
