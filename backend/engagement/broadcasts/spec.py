"""What staff ask for, validated before anything is stored: the segment (who) and the
draft (what, when, which class). Every problem is an `InvalidInput` or `NotFound` with a
reason staff can act on; a segment is kept as a plain dict on the broadcast row."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.messaging.sms import is_gsm7, to_gsm_safe
from backend.models import BroadcastClass, Circle, Discom, Division, Subdivision
from backend.platform.errors import InvalidInput, NotFound

LANGUAGES = ("hi", "hi-Latn", "en")
BALANCE_BANDS = ("negative", "zero", "low", "above")
MAX_TITLE = 120
MAX_BODY = 1000  # ~15 UCS-2 SMS segments in Hindi: more is a leaflet, not a message
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")  # Twilio Content API template SID


def normalize_language(value: str) -> str:
    """"hi_Latn", "HI-latn", "en-IN" … -> one of LANGUAGES; anything else is refused."""
    tag = value.strip().replace("_", "-").lower()
    if tag in ("hi", "hi-in"):
        return "hi"
    if tag in ("hi-latn", "hinglish"):
        return "hi-Latn"
    if tag in ("en", "en-in"):
        return "en"
    raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)} (got {value!r})")


@dataclass(frozen=True)
class Segment:
    """Who gets a broadcast. Every filter is optional and they AND together; an empty
    segment is every consumer. `balance` "low" means at or below `balance_paise` (negative
    and zero balances included), "above" strictly above it. `language` is the language the
    consumer would get the message in (their contact's, else the connection's)."""

    discom: str | None = None  # code, e.g. SBPDCL
    circle: str | None = None  # code, e.g. PATNA
    division_id: int | None = None
    subdivision_id: int | None = None
    tariffs: tuple[str, ...] = ()
    language: str | None = None
    app_installed: bool | None = None  # latest app answer; False: said no or never asked
    balance: str | None = None
    balance_paise: int | None = None
    open_complaint: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()
                if v is not None and v != ()}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Segment:
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidInput(f"unknown segment filter(s): {', '.join(sorted(unknown))}")
        values = dict(raw)
        values["tariffs"] = tuple(values.get("tariffs") or ())
        return cls(**values)

    def describe(self) -> str:
        parts = [f"{k}={','.join(v) if isinstance(v, list) else v}"
                 for k, v in self.to_dict().items()]
        return " ".join(parts) or "all consumers"


def validate_segment(session: Session, segment: Segment) -> Segment:
    """The segment with codes checked against the organisation tables and values
    normalised; raises on the first problem."""
    if segment.discom is not None and session.scalar(
            select(Discom.id).where(Discom.code == segment.discom.upper())) is None:
        raise NotFound(f"no discom {segment.discom!r}")
    if segment.circle is not None and session.scalar(
            select(Circle.id).where(Circle.code == segment.circle.upper())) is None:
        raise NotFound(f"no circle {segment.circle!r} (see `sahayak report adoption`)")
    if segment.division_id is not None and session.get(Division, segment.division_id) is None:
        raise NotFound(f"no division {segment.division_id}")
    if (segment.subdivision_id is not None
            and session.get(Subdivision, segment.subdivision_id) is None):
        raise NotFound(f"no subdivision {segment.subdivision_id}")
    tariffs = tuple(dict.fromkeys(t.strip().upper() for t in segment.tariffs if t.strip()))
    if any(len(t) > 16 for t in tariffs):
        raise InvalidInput("a tariff category is at most 16 characters (e.g. DS-II)")
    language = normalize_language(segment.language) if segment.language else None
    if segment.balance is not None and segment.balance not in BALANCE_BANDS:
        raise InvalidInput(f"balance must be one of {', '.join(BALANCE_BANDS)}")
    if segment.balance in ("low", "above"):
        if segment.balance_paise is None:
            raise InvalidInput(f"balance {segment.balance} needs an amount "
                               "(e.g. --balance-rupees 100)")
        if segment.balance_paise < 0:
            raise InvalidInput("the balance amount must not be negative")
    elif segment.balance_paise is not None:
        raise InvalidInput("a balance amount only goes with balance low or above")
    return Segment(
        discom=segment.discom.upper() if segment.discom else None,
        circle=segment.circle.upper() if segment.circle else None,
        division_id=segment.division_id, subdivision_id=segment.subdivision_id,
        tariffs=tariffs, language=language, app_installed=segment.app_installed,
        balance=segment.balance, balance_paise=segment.balance_paise,
        open_complaint=segment.open_complaint)


@dataclass(frozen=True)
class Draft:
    """A free-text broadcast as staff write it. Hindi and English bodies are required (SMS
    and Telegram need text). Romanized-Hindi readers get `body_hi_latn` if given, else the
    English body: they read Latin script, and a Devanagari text may not show on their
    phone and costs 2-3x on SMS. A WhatsApp template (`content_sid` + variables) is used
    for WhatsApp recipients, the only way to reach them outside the 24-hour window."""

    title: str
    message_class: str
    body_hi: str
    body_en: str
    created_by: str
    body_hi_latn: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] = field(default_factory=dict)
    segment: Segment = Segment()
    scheduled_at: datetime | None = None


def _has_devanagari(text: str) -> bool:
    return any("DEVANAGARI" in unicodedata.name(c, "") for c in text)


def _latin_body(name: str, text: str) -> str:
    text = to_gsm_safe(text.strip())
    if not is_gsm7(text):
        bad = "".join(sorted({c for c in text if not is_gsm7(c)}))
        raise InvalidInput(f"the {name} body must be plain Latin text for SMS (GSM-7); "
                           f"these characters are not: {bad}")
    return text


def validate_draft(draft: Draft, now: datetime) -> Draft:
    title = draft.title.strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise InvalidInput(f"title must be 1-{MAX_TITLE} characters")
    if draft.message_class not in {c.value for c in BroadcastClass}:
        raise InvalidInput("class must be service or promotional")
    if not draft.created_by.strip() or len(draft.created_by) > 64:
        raise InvalidInput("staff name (created by) must be 1-64 characters")
    bodies = {"Hindi": draft.body_hi, "English": draft.body_en,
              "romanized Hindi": draft.body_hi_latn}
    for name, body in bodies.items():
        if body is None:
            continue
        if not body.strip():
            raise InvalidInput(f"the {name} body is empty")
        if len(body.strip()) > MAX_BODY:
            raise InvalidInput(f"the {name} body is {len(body.strip())} characters; "
                               f"at most {MAX_BODY}")
    if not _has_devanagari(draft.body_hi):
        raise InvalidInput("the Hindi body has no Devanagari text: write it in Hindi script "
                           "(romanized Hindi goes in the hi-Latn body)")
    body_en = _latin_body("English", draft.body_en)
    body_hi_latn = (_latin_body("romanized Hindi", draft.body_hi_latn)
                    if draft.body_hi_latn is not None else None)
    if draft.content_sid is not None and not CONTENT_SID.match(draft.content_sid):
        raise InvalidInput("a WhatsApp template content SID looks like HX followed by 32 "
                           "hex characters")
    if draft.content_variables and draft.content_sid is None:
        raise InvalidInput("template variables need a template content SID")
    for key, value in draft.content_variables.items():
        if not key.isdigit() or not isinstance(value, str) or not value.strip():
            raise InvalidInput("template variables are numbered, non-empty values: 1=..., 2=...")
    if draft.scheduled_at is not None:
        if draft.scheduled_at.tzinfo is None:
            raise InvalidInput("the schedule time needs a time zone")
        if draft.scheduled_at <= now:
            raise InvalidInput("the schedule time is in the past")
    return Draft(title=title, message_class=draft.message_class, body_hi=draft.body_hi.strip(),
                 body_en=body_en, created_by=draft.created_by.strip(),
                 body_hi_latn=body_hi_latn, content_sid=draft.content_sid,
                 content_variables=dict(draft.content_variables), segment=draft.segment,
                 scheduled_at=draft.scheduled_at)
