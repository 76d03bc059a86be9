"""OTP secrecy (hardening item 4), on real SQLite and PostgreSQL: once the code SMS is sent
the outbox row no longer holds the code (nor does its error text, nor the conversation
log); the stored hash is an HMAC under OTP_HASH_KEY, so the table alone gives up no code;
hashes from before keyed hashes are answered "expired"; production refuses to serve
without the key."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.contacts import contacts, otp
from backend.contacts.otp import DEMO_HASH_KEY, OtpPolicy, hash_key_problem
from backend.messaging.dispatch import process_batch
from backend.messaging.retry import RetryPolicy
from backend.messaging.senders import OutgoingMessage, RecordingSender, TransientSendError
from backend.models import Contact, ConversationLog, OtpChallenge, OutboxMessage, OutboxStatus
from bot.composition import compose
from bot.dialogue.config import ConfigError
from tests.factories import T0, make_consumer
from tests.servers import filled_assistant_file, make_settings

KEY = OtpPolicy(hash_key=b"k" * 32)


class EchoingFailure(RecordingSender):
    """A provider whose error echoes the message (as some gateways do), then succeeds."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def send(self, message: OutgoingMessage):  # noqa: ANN201
        if not self.failed:
            self.failed = True
            raise TransientSendError(f"rejected body='your OTP is {message.params['code']}'")
        return super().send(message)


def _ask(sf: sessionmaker[Session], policy: OtpPolicy = KEY) -> tuple[int, str]:
    with sf.begin() as s:
        consumer = make_consumer(s, mobile="9876500111")
        contact = contacts.get_or_create_contact(s, "telegram", "9911", T0)
        assert otp.request_otp(s, contact, consumer.ca_number, T0, rng=random.Random(3),
                               policy=policy).status == "sent"
        row = s.scalars(select(OutboxMessage)
                        .where(OutboxMessage.message_key == otp.OTP_MESSAGE_KEY)).one()
        return contact.id, str(row.params["code"])


def _process(sf: sessionmaker[Session], sender: RecordingSender, minutes: int) -> None:
    process_batch(sf, sender, worker_id="w", policy=RetryPolicy(backoff_base_s=1),
                  now=T0 + timedelta(minutes=minutes), rng=random.Random(7))


def test_a_sent_code_leaves_the_outbox_row_and_its_error(
        session_factory: sessionmaker[Session]) -> None:
    _, code = _ask(session_factory)
    sender = EchoingFailure()
    _process(session_factory, sender, 0)  # fails: the error echoed the code
    with session_factory() as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.status == OutboxStatus.PENDING and row.params["code"] == code  # to retry
        assert row.last_error and code not in row.last_error
    _process(session_factory, sender, 5)
    assert [m.params["code"] for m in sender.sent] == [code]  # the SMS had it
    with session_factory() as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.status == OutboxStatus.SENT
        assert row.params["code"] == "******" and row.params["via"] == "Telegram"
        assert row.params["minutes"] == 10
        assert code not in str(row.params) and code not in (row.last_error or "")
        logged = s.scalars(select(ConversationLog.text)).all()
        assert all(code not in (text or "") for text in logged)


def test_other_messages_keep_their_params(session_factory: sessionmaker[Session]) -> None:
    from backend.messaging.enqueue import enqueue

    with session_factory.begin() as s:
        enqueue(s, channel="sms", address="+919876500112", message_key="alert.low_balance",
                params={"balance": "₹42.50"}, language="hi", idempotency_key="a1", now=T0)
    _process(session_factory, RecordingSender(), 0)
    with session_factory() as s:
        assert s.scalars(select(OutboxMessage.params)).one() == {"balance": "₹42.50"}


def test_the_stored_hash_needs_the_key(session_factory: sessionmaker[Session]) -> None:
    contact_id, code = _ask(session_factory)
    with session_factory.begin() as s:
        challenge = s.scalars(select(OtpChallenge)).one()
        # not the old plain hash: a copied table cannot be tried code by code without the key
        assert challenge.code_hash != hashlib.sha256(
            f"{challenge.salt}:{code}".encode()).hexdigest()
        assert len(challenge.salt) == 32 and challenge.salt.startswith(otp.KEYED)
        contact = s.get(Contact, contact_id)
        assert otp.verify_otp(s, contact, code, T0, policy=OtpPolicy()).status == "wrong"
        assert otp.verify_otp(s, contact, code, T0, policy=KEY).status == "verified"


def test_a_hash_from_before_keys_is_answered_expired(
        session_factory: sessionmaker[Session]) -> None:
    contact_id, code = _ask(session_factory)
    salt = "ab" * 16  # as stored before: a plain SHA-256 of salt:code
    with session_factory.begin() as s:
        s.execute(update(OtpChallenge).values(
            salt=salt, code_hash=hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()))
    with session_factory.begin() as s:
        contact = s.get(Contact, contact_id)
        assert otp.verify_otp(s, contact, code, T0, policy=KEY).status == "expired"


def test_the_key_comes_from_settings_and_production_needs_it(db_url: str,
                                                              tmp_path: Path) -> None:
    with_key = make_settings(db_url, otp_hash_key="s3cret-otp-key")
    assert OtpPolicy.from_settings(with_key).hash_key == b"s3cret-otp-key"
    assert "s3cret" not in repr(OtpPolicy.from_settings(with_key))
    assert hash_key_problem(with_key) is None
    demo = make_settings(db_url, otp_hash_key=None, app_env="demo")
    assert hash_key_problem(demo) is None
    assert OtpPolicy.from_settings(demo).hash_key == DEMO_HASH_KEY
    production = make_settings(db_url, otp_hash_key=" ",
                               assistant_file=filled_assistant_file(tmp_path))
    problem = hash_key_problem(production)
    assert problem and "OTP_HASH_KEY" in problem and "APP_ENV=production" in problem
    with pytest.raises(ConfigError, match="OTP_HASH_KEY"):
        compose(production).refuse_demo_placeholders()
    compose(make_settings(db_url, assistant_file=filled_assistant_file(tmp_path))
            ).refuse_demo_placeholders()  # with the key: fine
