"""Adding consumers one at a time (operators, tests). Bulk loads use `backend.demo.seed`."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.metering import counters
from backend.models import Account, Circle, Consumer, Discom, Meter, MeterStatus
from backend.platform.errors import Conflict, InvalidInput

CA_NUMBER = re.compile(r"^\d{9,12}$")
E164_INDIA = re.compile(r"^\+91[6-9]\d{9}$")


def normalise_mobile(raw: str) -> str:
    """Indian mobile to E.164: '98765 43210', '098765-43210', '+91 98765 43210' -> +919876543210."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("+"):
        candidate = digits
    elif digits.startswith("0") and len(digits) == 11:
        candidate = "+91" + digits[1:]
    elif digits.startswith("91") and len(digits) == 12:
        candidate = "+" + digits
    else:
        candidate = "+91" + digits
    if not E164_INDIA.match(candidate):
        raise InvalidInput(f"not an Indian mobile number: {raw!r}")
    return candidate


def ensure_circle(session: Session, *, discom_code: str, discom_name: str, discom_name_hi: str,
                  circle_code: str, circle_name: str, circle_name_hi: str) -> Circle:
    discom = session.scalar(select(Discom).where(Discom.code == discom_code))
    if discom is None:
        discom = Discom(code=discom_code, name=discom_name, name_hi=discom_name_hi)
        session.add(discom)
        session.flush()
    circle = session.scalar(select(Circle).where(Circle.code == circle_code))
    if circle is None:
        circle = Circle(discom_id=discom.id, code=circle_code, name=circle_name,
                        name_hi=circle_name_hi)
        session.add(circle)
        session.flush()
    return circle


def add_consumer(session: Session, *, circle: Circle, ca_number: str, name: str, mobile: str,
                 meter_number: str, tariff_category: str, sanctioned_load_w: int, at: datetime,
                 language: str = "hi", balance_paise: int = 0,
                 arrears_paise: int = 0) -> Consumer:
    if not CA_NUMBER.match(ca_number):
        raise InvalidInput("CA number must be 9-12 digits")
    if session.scalar(select(Consumer.id).where(Consumer.ca_number == ca_number)):
        raise Conflict(f"CA number {ca_number} already exists")
    consumer = Consumer(ca_number=ca_number, name=name, mobile_e164=normalise_mobile(mobile),
                        language=language, tariff_category=tariff_category,
                        sanctioned_load_w=sanctioned_load_w, circle_id=circle.id, created_at=at)
    session.add(consumer)
    session.flush()
    session.add(Meter(consumer_id=consumer.id, meter_number=meter_number,
                      status=MeterStatus.CONNECTED, status_since=at))
    session.add(Account(consumer_id=consumer.id, balance_paise=balance_paise, as_of=at,
                        mtd_units_wh=0, arrears_paise=arrears_paise,
                        negative_since=at if balance_paise < 0 else None,
                        change_seq=counters.next_change(session.connection())))
    session.flush()
    return consumer
