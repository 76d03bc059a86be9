"""Conversation transcripts as data: a YAML file says who is talking (channel, phone,
clock) and which consumers exist, then what the user says and what the bot must answer.

    title: Registered WhatsApp number asks for its balance in Hindi
    setup:
      channel: whatsapp            # whatsapp | sms | telegram | web | console
      address: "+917000000001"     # sender; phone for whatsapp/sms, chat id otherwise
      clock: "2026-04-12T06:00:00Z"
      consumers:
        - {ca: "100000001", mobile: "+917000000001", balance: "330.40", days: 10}
    conversation:
      - user: "मेरा बैलेंस कितना है"
        bot:
          - key: balance.summary             # a key anywhere in the reply (nested lines too)
            has: ["₹330.40"]                 # regexes the rendered text must match
            lacks: ["बैलेंस माइनस"]           # regexes it must not match
      - user: "1"                            # strings are shorthand for {key: ...}
        bot: [usage.day]

A step may also set: `id` (provider message id; repeat one to test dedupe), `media`
(audio, image, …), `button` (an option's value, as if tapped), `shared_phone` +
`shared_own`, `address`/`channel` (another sender), `advance` ("11m", "2h", "3d": move the
clock first), `expect_none: true` (no reply at all), `contact` (assert stored fields:
language, opted_out), `outbox` (assert the number of OTP messages queued). In `user`,
"{otp}" is replaced by the last one-time code sent. `bot` must list every reply, in order.

Consumers: `ca`, `mobile`, `name`, `tariff`, `load_w`, `language`, `days` (days of
readings, `daily_units` each, charged by the real daily charge, ending yesterday or, with
`through_today: true`, today; `missing`: ISO days without a reading), `balance` (rupees, set
after the charges), `arrears`, `negative_hours` (negative since that many hours before the
clock), `disconnected: true`, `recharge` (rupees; a last recharge one day before).
`outages`: notices for the first consumer's circle: `reason`, `restore_hours` (from the
clock; omit for unknown). `discom` (NBPDCL | SBPDCL, default SBPDCL) puts the consumer in
that discom's circle."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Engine, func, select, table, update

from backend.care import complaints, outages
from backend.metering.charges import apply_day
from backend.metering.local import LocalMeteringService
from backend.metering.registry import ensure_circle
from backend.metering.rules import Rules
from backend.models import (
    Account,
    Complaint,
    Consumer,
    Contact,
    Meter,
    MeterStatus,
    OutboxMessage,
)
from backend.platform.clock import local_day
from backend.platform.settings import Settings
from backend.services import Backend
from bot.dialogue.compose import reply_keys
from bot.dialogue.factory import build_engine
from bot.dialogue.types import CONSOLE, SMS, TELEGRAM, WEB, WHATSAPP, Capabilities, InboundMessage
from bot.i18n import Renderer
from nlu import Parser
from tests.factories import add_reading, make_consumer

CAPABILITIES: dict[str, Capabilities] = {"whatsapp": WHATSAPP, "sms": SMS, "telegram": TELEGRAM,
                                         "web": WEB, "console": CONSOLE}
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class TranscriptError(AssertionError):
    pass


@dataclass
class Transcript:
    path: Path
    title: str
    setup: dict[str, Any]
    steps: list[dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> Transcript:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(path, raw.get("title", path.stem), raw.get("setup", {}),
                   raw.get("conversation", []))


def _paise(rupees: object) -> int:
    return int(Decimal(str(rupees)) * 100)


def duration(text: str) -> timedelta:
    match = _DURATION.match(str(text).strip())
    if not match:
        raise TranscriptError(f"bad duration {text!r}, e.g. 11m, 2h, 3d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


#: One circle per discom for transcripts that say `discom:` (a consumer's discom follows
#: from its circle).
DISCOM_CIRCLES = {
    "NBPDCL": ("North Bihar", "उत्तर बिहार", "MUZAFFARPUR", "Muzaffarpur", "मुजफ्फरपुर"),
    "SBPDCL": ("South Bihar", "दक्षिण बिहार", "PATNA", "Patna", "पटना"),
}


def discom_circle(session: Any, code: str) -> int:  # noqa: ANN401 - a Session
    name, name_hi, circle, circle_name, circle_hi = DISCOM_CIRCLES[code]
    return ensure_circle(session, discom_code=code, discom_name=name, discom_name_hi=name_hi,
                         circle_code=circle, circle_name=circle_name,
                         circle_name_hi=circle_hi).id


def seed_consumers(backend: Backend, specs: list[dict[str, Any]], now: datetime) -> None:
    """Consumers with real charged history, then the balance/status the transcript wants;
    `recharges: [{amount: "500", hours_ago: 20}]` credits recharges through the ledger
    (what "recharge not credited" looks up)."""
    from backend.metering.recharges import credit_recharge

    today = local_day(now, backend.tz)
    for spec in specs:
        with backend.sessions.begin() as s:
            consumer = make_consumer(
                s, tariff=spec.get("tariff", "DS-II"), load_w=int(spec.get("load_w", 2000)),
                ca=str(spec["ca"]) if "ca" in spec else None, mobile=spec.get("mobile"),
                language=spec.get("language", "hi"), balance_paise=100_000_00,
                arrears_paise=_paise(spec.get("arrears", 0)))
            if "name" in spec:
                consumer.name = spec["name"]
            if "discom" in spec:  # the factory's circle is Patna (SBPDCL)
                consumer.circle_id = discom_circle(s, str(spec["discom"]))
            cid = consumer.id
            days = int(spec.get("days", 0))
            # through_today: the latest reading is today's (a meter that reports early).
            first = today - timedelta(days=days - (1 if spec.get("through_today") else 0))
            missing = {date.fromisoformat(str(d)) for d in spec.get("missing", [])}
            for i in range(days):
                if first + timedelta(days=i) in missing:
                    continue  # the meter did not report that day
                add_reading(s, consumer, first + timedelta(days=i),
                            int(Decimal(str(spec.get("daily_units", 6))) * 1000 + i * 100))
        for i in range(days):
            day = first + timedelta(days=i)
            posted = datetime.combine(day + timedelta(days=1), datetime.min.time(), backend.tz)
            with backend.sessions.begin() as s:
                apply_day(s.connection(), backend.rules, day,
                          min(now, posted.astimezone(UTC) + timedelta(hours=6)))
        with backend.sessions.begin() as s:
            values: dict[str, Any] = {}
            if "balance" in spec:
                values["balance_paise"] = _paise(spec["balance"])
                values["negative_since"] = None
            if "negative_hours" in spec:
                values["negative_since"] = now - timedelta(hours=int(spec["negative_hours"]))
            if "recharge" in spec:
                values["last_recharge_paise"] = _paise(spec["recharge"])
                values["last_recharge_at"] = now - timedelta(days=1)
            if values:
                s.execute(update(Account).where(Account.consumer_id == cid).values(**values))
            if spec.get("disconnected"):
                s.execute(update(Meter).where(Meter.consumer_id == cid)
                          .values(status=MeterStatus.DISCONNECTED, status_since=now))
        for i, paid in enumerate(spec.get("recharges") or []):
            with backend.sessions.begin() as s:
                credit_recharge(s, backend.rules, ca_number=s.get(Consumer, cid).ca_number,
                                amount_paise=_paise(paid["amount"]), reference=f"UPI{cid}R{i}",
                                source="upi", tz=backend.tz,
                                at=now - timedelta(hours=float(paid.get("hours_ago", 1))))


def make_backend(engine: Engine, rules: Rules, clock: Callable[[], datetime],
                 tz: ZoneInfo | None = None) -> Backend:
    from backend.platform.db import make_session_factory

    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url)
    tz = tz or ZoneInfo(settings.timezone)
    sessions = make_session_factory(engine)
    local = LocalMeteringService(sessions, rules, clock=clock, tz=tz)
    return Backend(settings, engine, sessions, rules, tz, local, local)


@dataclass
class Runner:
    """Plays one transcript against a database and reports the first mismatch."""

    engine: Engine
    rules: Rules
    parser: Parser
    renderer: Renderer  # the composition root's (tests: the worker_renderer fixture)

    def run(self, transcript: Transcript) -> list[str]:
        setup = transcript.setup
        now = [_parse_clock(setup.get("clock", "2026-04-12T06:00:00Z"))]
        backend = make_backend(self.engine, self.rules, lambda: now[0])
        seed_consumers(backend, setup.get("consumers", []), now[0])
        seed_outages(backend, setup.get("outages", []), now[0])
        engine = build_engine(backend, self.parser, clock=lambda: now[0])
        ids = itertools.count(1)
        log: list[str] = []
        channel, address = setup.get("channel", "whatsapp"), str(setup.get("address", "chat-1"))
        for n, step in enumerate(transcript.steps, 1):
            if "advance" in step:
                now[0] += duration(step["advance"])
            if "staff" in step:
                staff_change(backend, step["staff"], now[0])
            if not {"user", "button", "media", "shared_phone"} & step.keys():
                self._check_contact(step, backend, channel, address, f"step {n}", log)
                continue
            ch = step.get("channel", channel)
            text = str(step.get("user", ""))
            if "{otp}" in text:
                text = text.replace("{otp}", last_otp(backend))
            message = InboundMessage(
                channel=ch, address=str(step.get("address", address)), text=text,
                message_id=str(step.get("id", f"m{next(ids)}")), received_at=now[0],
                media=step.get("media"), shared_phone=step.get("shared_phone"),
                shared_phone_is_own=bool(step.get("shared_own", False)),
                button_payload=step.get("button"))
            replies, language = engine.handle_with_language(message)
            rendered = [self.renderer.render(r, language, CAPABILITIES[ch], now=now[0])
                        for r in replies]
            shown = text or step.get("media") or step.get("button")
            log.append(f"[{n}] user ({language}): {shown}")
            for reply, out in zip(replies, rendered, strict=True):
                log.append(f"    bot {reply_keys(reply)}: {out.text}")
            where = f"{transcript.path.name} step {n} ({text!r})"
            self._check(step, replies, rendered, where, log)
            self._check_contact(step, backend, ch, message.address, where, log)
        return log

    def _check(self, step: dict[str, Any], replies: list, rendered: list, where: str,
               log: list[str]) -> None:
        expected = step.get("bot")
        if step.get("expect_none"):
            expected = []
        if expected is None:
            return
        if len(expected) != len(replies):
            raise TranscriptError(f"{where}: expected {len(expected)} replies, got "
                                  f"{len(replies)}\n" + "\n".join(log))
        for i, (want, reply, out) in enumerate(zip(expected, replies, rendered, strict=True)):
            want = {"key": want} if isinstance(want, str) else dict(want)
            keys = reply_keys(reply)
            if "key" in want and want["key"] not in keys:
                raise TranscriptError(f"{where}: reply {i + 1} has keys {keys}, expected "
                                      f"{want['key']}\n" + "\n".join(log))
            for pattern in _list(want.get("has")):
                if not re.search(pattern, out.text):
                    raise TranscriptError(f"{where}: reply {i + 1} lacks /{pattern}/:\n"
                                          f"{out.text}\n" + "\n".join(log))
            for pattern in _list(want.get("lacks")):
                if re.search(pattern, out.text):
                    raise TranscriptError(f"{where}: reply {i + 1} must not match "
                                          f"/{pattern}/:\n{out.text}\n" + "\n".join(log))
            if "options" in want and len(reply.options) != int(want["options"]):
                raise TranscriptError(f"{where}: reply {i + 1} has {len(reply.options)} "
                                      f"options, expected {want['options']}")

    @staticmethod
    def _check_contact(step: dict[str, Any], backend: Backend, channel: str, address: str,
                       where: str, log: list[str]) -> None:
        wanted = step.get("contact")
        count = step.get("outbox")
        if not wanted and count is None and "queued" not in step and "rows" not in step:
            return
        with backend.sessions() as s:
            for key, n in (step.get("queued") or {}).items():
                got = s.scalar(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.message_key == key))
                if got != int(n):
                    raise TranscriptError(f"{where}: {got} {key} messages queued, expected {n}")
            for name, n in (step.get("rows") or {}).items():
                got = s.scalar(select(func.count()).select_from(table(name)))
                if got != int(n):
                    raise TranscriptError(f"{where}: {got} rows in {name}, expected {n}")
            if not wanted and count is None:
                return
            contact = s.scalars(select(Contact).where(Contact.channel == channel,
                                                      Contact.address == address)).one()
            for name, value in (wanted or {}).items():
                if getattr(contact, name) != value:
                    raise TranscriptError(f"{where}: contact.{name} is "
                                          f"{getattr(contact, name)!r}, expected {value!r}")
            if count is not None:
                queued = len(s.scalars(select(OutboxMessage.id)
                                       .where(OutboxMessage.message_key == "otp.code")).all())
                if queued != int(count):
                    raise TranscriptError(f"{where}: {queued} OTP messages queued, expected "
                                          f"{count}\n" + "\n".join(log))


def seed_outages(backend: Backend, specs: list[dict[str, Any]], now: datetime) -> None:
    if not specs:
        return
    with backend.sessions.begin() as s:
        circle_id = s.scalars(select(Consumer.circle_id).order_by(Consumer.id)).first()
        for spec in specs:
            hours = spec.get("restore_hours")
            outages.add(s, now=now, circle_id=circle_id, reason=str(spec.get("reason", "")),
                        starts_at=now - timedelta(hours=1),
                        expected_restore_at=None if hours is None
                        else now + timedelta(hours=float(hours)))


def staff_change(backend: Backend, spec: dict[str, Any], now: datetime) -> None:
    with backend.sessions.begin() as s:
        newest = s.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
        complaints.change_status(s, newest, str(spec["status"]), str(spec.get("note", "")),
                                 str(spec.get("by", "staff")), now)


def last_otp(backend: Backend) -> str:
    with backend.sessions() as s:
        message = s.scalars(select(OutboxMessage).where(OutboxMessage.message_key == "otp.code")
                            .order_by(OutboxMessage.id.desc()).limit(1)).first()
    if message is None:
        raise TranscriptError("{otp} used but no code was sent")
    return str(message.params["code"])


def _list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _parse_clock(value: object) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
