"""Small builders for test data, and what a test database holds."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from backend.contacts import contacts
from backend.metering.registry import add_consumer, ensure_circle
from backend.models import Base, Consumer, ContactLink, DailyReading, LinkMethod
from backend.platform.db import make_engine

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
_seq = itertools.count(1)


def make_consumer(session: Session, *, tariff: str = "DS-II", load_w: int = 2000,
                  balance_paise: int = 0, arrears_paise: int = 0, ca: str | None = None,
                  mobile: str | None = None, language: str = "hi") -> Consumer:
    circle = ensure_circle(session, discom_code="SBPDCL", discom_name="South Bihar",
                           discom_name_hi="दक्षिण बिहार", circle_code="PATNA",
                           circle_name="Patna", circle_name_hi="पटना")
    n = next(_seq)
    return add_consumer(
        session, circle=circle, ca_number=ca or f"{100000000 + n}", name=f"उपभोक्ता {n}",
        mobile=mobile or f"+91700000{n:04d}", meter_number=f"SM{n:08d}",
        tariff_category=tariff, sanctioned_load_w=load_w, at=T0, language=language,
        balance_paise=balance_paise, arrears_paise=arrears_paise)


def add_reading(session: Session, consumer: Consumer, day: date, units_wh: int,
                register_wh: int = 0) -> None:
    session.execute(insert(DailyReading), [dict(consumer_id=consumer.id, day=day,
                                                units_wh=units_wh, register_wh=register_wh,
                                                received_at=T0)])


def table_names(url: str) -> set[str]:
    """The tables in the database at `url` (migration tests)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def link_contact(session: Session, consumer: Consumer, channel: str, address: str | None = None,
                 *, at: datetime = T0, language: str | None = None, verified: bool = True,
                 opted_out: bool = False) -> int:
    """A contact linked to `consumer` by phone match (`verified=False`: linked with a phone
    that is not the registered mobile, so it does not count); returns the contact id."""
    contact = contacts.get_or_create_contact(session, channel, address or consumer.mobile_e164,
                                             at)
    contact.language = language
    contact.opted_out = opted_out
    session.add(ContactLink(contact_id=contact.id, consumer_id=consumer.id,
                            method=LinkMethod.PHONE_MATCH, verified_at=at,
                            verified_phone=consumer.mobile_e164 if verified else "+919999999999"))
    session.flush()
    return contact.id


def schema_diff(url: str) -> list:
    """What differs between the database at `url` and the models (migration tests: [])."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
