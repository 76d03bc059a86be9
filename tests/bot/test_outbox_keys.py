"""Every message key the backend can put in the outbox, rendered in every language with the
renderer the outbox worker uses (the composition root's) and the params the backend
enqueues: no placeholder may be left unfilled. A missing renderer default once sent outage
notices reading "…तब तक न आए तो  पर कॉल करें।" (no helpline); this fails on that.

The keys are found in the backend's source (string constants that are catalog keys, plus
the complaint push keys built per status), so a new outbox message is checked as soon as
it exists; its params must then be added to PARAMS below (the test says so)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.care.complaints import PUSH_KEYS
from backend.messaging.senders import OutgoingMessage
from bot.composition import Components, compose
from bot.formatting import from_outbox
from bot.i18n import LANGUAGES
from bot.i18n.rendering import placeholders
from tests.channels.test_http_gateway import answering
from tests.servers import make_settings

BACKEND = Path(__file__).resolve().parents[2] / "backend"
NOW = datetime(2026, 7, 4, 6, 30, tzinfo=UTC)

# The params each key is enqueued with, as the outbox row holds them (JSON: `*_paise`
# ints, `*_at` ISO strings), copied from the enqueuing code named on each line.
_PUSH = {"ticket": "CMP-2026-000123", "note": "Lineman has been sent"}
PARAMS: dict[str, dict[str, object]] = {
    # backend/contacts/otp.py request_otp
    "otp.code": {"code": "482913", "minutes": 10, "via": "Telegram"},
    # backend/contacts/otp.py verify_otp (_notify_owner)
    "link.notice": {"who": "WhatsApp ...3210", "ca": "100000123"},
    "link.notice_reply": {"who": "Telegram", "ca": "100000123"},
    # backend/care/complaints.py change_status (PUSH_KEYS)
    **{key: _PUSH for key in PUSH_KEYS.values()},
    # backend/care/escalation.py
    "complaint.escalated": {"ticket": "CMP-2026-000123"},
    "complaint.escalation_digest": {"count": 3, "circle": "Patna",
                                    "tickets": "CMP-2026-000123, CMP-2026-000124"},
    "complaint.escalation_digest_more": {"count": 12, "circle": "Patna",
                                         "tickets": "CMP-2026-000123", "more": 11},
    # backend/care/handoff.py reply
    "handoff.staff_reply": {"text": "Your meter will be checked tomorrow.",
                            "staff": "Ravi (helpdesk)"},
    # backend/engagement/alerts.py (set-based scan)
    "alert.low_balance_days": {"days": 2, "balance_paise": 8_450},
    "alert.low_balance_amount": {"balance_paise": 4_500},
    "alert.zero_balance": {"balance_paise": 0},
    # rules.yml: a band ready to switch on (backend/engagement/alert_bands.py)
    "alert.low_balance_percent": {"percent": 20, "balance_paise": 9_000},
    "alert.negative_balance": {"balance_paise": -2_350, "cut_at": "2026-07-06T04:30:00+00:00",
                               "need_paise": 2_400},
    "alert.negative_disconnected": {"balance_paise": -2_350, "need_paise": 2_400,
                                    "cut_at": "2026-07-06T04:30:00+00:00"},
    "alert.low_balance_one_day": {"days": 1, "balance_paise": 3_450},
    "alert.recharge_credited": {"amount_paise": 50_000, "balance_paise": 52_345},
    "alert.reconnected": {"amount_paise": None, "balance_paise": 12_000},
    # backend/engagement/broadcasts/fanout.py and notices.py
    "broadcast.body": {"body": "Kal subah 10 baje se 12 baje tak maintenance hai."},
    "outage.notice": {"reason": "transformer repair", "start_at": "2026-07-04T05:00:00+00:00",
                      "restore_at": "2026-07-04T09:30:00+00:00"},
    "outage.notice_no_time": {"reason": "transformer repair",
                              "start_at": "2026-07-04T05:00:00+00:00"},
    "outage.restored": {"reason": "transformer repair"},
    # backend/engagement/broadcasts/notices.py extended_broadcast
    "outage.extended": {"reason": "transformer repair", "start_at": "2026-07-04T05:00:00+00:00",
                        "restore_at": "2026-07-04T11:00:00+00:00"},
}
# Keys that must be among those found, so a broken search cannot pass by finding none.
KNOWN = {"otp.code", "link.notice", "link.notice_reply", "outage.notice",
         "outage.notice_no_time", "outage.restored", "broadcast.body",
         "alert.low_balance_days", "complaint.escalated", "handoff.staff_reply",
         "complaint.push.resolved"}
_KEYLIKE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


@pytest.fixture(scope="module")
def components() -> Iterator[Components]:
    built = compose(make_settings("sqlite://"))
    yield built
    built.close()


def outbox_keys(catalog: set[str], components: Components) -> set[str]:
    """Catalog keys named in the backend's code (the backend names catalog keys only to
    send them; it renders nothing itself), and the alert bands' keys from the rules file."""
    found = {value for value in PUSH_KEYS.values()}
    found |= {band.message for band in components.backend.rules.alerts.bands}
    for path in BACKEND.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and _KEYLIKE.match(node.value) and node.value in catalog):
                found.add(node.value)
    return found


def test_every_outbox_key_renders_fully_in_every_language(components: Components) -> None:
    renderer = components.renderer
    catalog = set(renderer.catalogs.messages("en"))
    keys = outbox_keys(catalog, components)
    assert keys >= KNOWN, KNOWN - keys
    assert not keys - PARAMS.keys(), f"give PARAMS for the new outbox keys {keys - PARAMS.keys()}"
    problems = []
    for key in sorted(keys):
        params = from_outbox(PARAMS[key])
        for language in LANGUAGES:
            template = renderer.catalogs.lookup(key, language)
            if template is None:
                problems.append(f"{key} [{language}]: not in the catalog")
                continue
            for name in sorted(placeholders(template)):
                value = params.get(name, renderer.defaults.get(name))
                if value is None or renderer.value(value, language, now=NOW) == "":
                    problems.append(f"{key} [{language}]: {{{name}}} would be empty")
            text = renderer.text(key, language, params, now=NOW)
            if "{" in text or "}" in text or "  " in text:
                problems.append(f"{key} [{language}]: {text!r}")
    assert problems == []


def test_the_worker_renders_the_helpline_in_outage_notices(components: Components) -> None:
    assert components.renderer.defaults["helpline"] == components.config.helpline == "1912"
    for key in ("outage.notice", "outage.notice_no_time", "outage.restored"):
        for language in LANGUAGES:
            text = components.renderer.text(key, language, from_outbox(PARAMS[key]), now=NOW)
            assert "1912" in text, (key, language, text)


def test_the_worker_sender_sends_outage_notices_with_the_helpline() -> None:
    """`sahayak worker`'s sender with no provider configured but OUTBOX_HTTP_URL: the
    gateway gets the text rendered with the composition root's renderer (the console
    fallback only logs the key, so the gateway is where the text shows)."""
    with answering(200, b'{"id": "gw-1"}') as (url, seen):
        components = compose(make_settings("sqlite://", outbox_http_url=url))
        try:
            for language in LANGUAGES:
                components.sender.send(OutgoingMessage(
                    id=1, channel="sms", address="+917000000001",
                    message_key="outage.notice_no_time", language=language, attempt=1,
                    params=PARAMS["outage.notice_no_time"]))
        finally:
            components.close()
    texts = [call["body"]["text"] for call in seen]
    assert len(texts) == 3 and all("1912" in text for text in texts), texts
    assert "1912 पर कॉल करें" in texts[0]
