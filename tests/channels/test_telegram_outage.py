"""No Telegram update lost (issue item 1): a stream of updates through a database outage
and an unreachable Bot API, then recovery; every update is answered exactly once.

Real app on loopback, real database (SQLite and PostgreSQL), the fake Bot API on loopback.
The outage is made at the edge, in the database driver's path: while it lasts, every
statement (or only the outbox insert, i.e. mid-turn) raises the driver's OperationalError,
as a dropped server does. Telegram redelivers what was not answered 200; the outbox
worker runs at a time taken from the rows (no wall clock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from backend.messaging.clock import FrozenClock
from backend.messaging.dispatch import process_batch
from backend.models import Contact, ConversationLog, OutboxMessage, OutboxStatus
from bot.channels.telegram_replies import REPLY_KEY
from bot.channels.telegram_sender import TelegramSender
from tests.channels.conftest import Stack
from tests.channels.test_telegram import message, post, update

BAD_GATEWAY = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})


@contextmanager
def database_down(engine: Engine, only: str | None = None) -> Iterator[None]:
    """Every statement fails (or only those containing `only`) until the block ends."""

    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:  # noqa: ANN401
        if only is None or only in statement:
            raise OperationalError(statement, None, ConnectionError("server closed the "
                                                                    "connection"))

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


@contextmanager
def telegram_down(stack: Stack) -> Iterator[None]:
    """The Bot API answers 502 to everything until the block ends."""
    with stack.telegram.lock:
        stack.telegram.failures[:] = [BAD_GATEWAY] * 1000
    try:
        yield
    finally:
        with stack.telegram.lock:
            stack.telegram.failures.clear()


def successful_sends(stack: Stack, down: range) -> Counter[str]:
    """Chat ids of the sendMessage calls that got through (not those in `down`)."""
    with stack.telegram.lock:
        calls = [(i, r) for i, r in enumerate(stack.telegram.requests)]
    return Counter(str(r.form["chat_id"]) for i, r in calls
                   if r.path.endswith("/sendMessage") and i not in down)


def run_worker_until_done(stack: Stack) -> None:
    """The outbox worker, at the time the last retry is due (taken from the rows)."""
    sender = TelegramSender.from_settings(stack.settings, stack.assistant.renderer,
                                          stack.backend.sessions)
    try:
        for _ in range(5):
            with stack.backend.sessions() as session:
                due = session.scalar(select(func.max(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.status == OutboxStatus.PENDING))
            if due is None:
                return
            process_batch(stack.backend.sessions, sender, worker_id="test-worker",
                          clock=FrozenClock(due + timedelta(seconds=1)))
    finally:
        sender.close()


def test_updates_survive_a_database_outage_and_an_unreachable_bot_api(stack: Stack) -> None:
    chats = list(range(8101, 8113))  # one chat per update: "/menu" is answered with one reply
    updates = [update(**message(chat=chat, text="/menu")) for chat in chats]
    statuses: dict[int, int] = {}

    for payload in updates[:3]:  # normal service
        statuses[payload["update_id"]] = post(stack, payload)
    with database_down(stack.backend.engine):  # database down: nothing recorded, 500
        for payload in updates[3:6]:
            statuses[payload["update_id"]] = post(stack, payload)
    with database_down(stack.backend.engine, only="INSERT INTO outbox"):  # fails mid-turn
        for payload in updates[6:8]:
            statuses[payload["update_id"]] = post(stack, payload)
    first_down = len(stack.telegram.requests)
    with telegram_down(stack):  # Bot API unreachable: recorded, replies wait in the outbox
        for payload in updates[8:12]:
            statuses[payload["update_id"]] = post(stack, payload)
    down = range(first_down, len(stack.telegram.requests))

    assert [statuses[p["update_id"]] for p in updates] == [200] * 3 + [500] * 5 + [200] * 4
    assert successful_sends(stack, down) == Counter(str(c) for c in chats[:3])

    # Recovery: Telegram redelivers every update it did not get a 200 for (and, to be
    # sure, we post all of them again); the worker retries the replies that failed.
    for payload in updates[3:8]:
        assert post(stack, payload) == 200
    for payload in updates:
        assert post(stack, payload) == 200
    run_worker_until_done(stack)

    assert successful_sends(stack, down) == Counter(str(c) for c in chats)
    with stack.backend.sessions() as session:
        rows = session.execute(select(OutboxMessage.address, OutboxMessage.status)
                               .where(OutboxMessage.message_key == REPLY_KEY)).all()
    assert sorted(rows) == sorted((str(c), OutboxStatus.SENT) for c in chats)
    with stack.backend.sessions() as session:  # each turn logged once, its reply too
        logged = session.execute(
            select(Contact.address, ConversationLog.direction).join(
                Contact, Contact.id == ConversationLog.contact_id)).all()
    assert Counter(logged) == Counter({(str(c), d): 1 for c in chats for d in ("in", "out")})


def test_a_failed_turn_is_answered_on_telegrams_retry(stack: Stack) -> None:
    payload = update(**message(chat=8201, text="/menu"))
    with database_down(stack.backend.engine, only="INSERT INTO outbox"):
        assert post(stack, payload) == 500
    assert successful_sends(stack, range(0)) == Counter()
    assert post(stack, payload) == 200
    assert post(stack, payload) == 200
    assert successful_sends(stack, range(0)) == Counter({"8201": 1})


def test_polling_handles_an_update_again_after_a_database_outage(stack: Stack) -> None:
    """`sahayak telegram poll`: the offset moves past an update only once it was handled,
    so updates that met a database outage are fetched again and answered, once each."""
    import asyncio

    from bot.channels.telegram import telegram_bot
    from bot.channels.telegram_adapter import TelegramAdapter

    chats = [8301, 8302, 8303]
    with stack.telegram.lock:
        stack.telegram.updates = [update(**message(chat=c, text="/menu")) for c in chats]
    channel = TelegramAdapter(stack.settings).channel(stack.assistant, stack.backend.sessions)
    outage = database_down(stack.backend.engine)
    outage.__enter__()
    backoffs: list[float] = []

    async def sleep(seconds: float) -> None:  # the backoff: the outage ends meanwhile
        backoffs.append(seconds)
        if len(backoffs) == 2:
            outage.__exit__(None, None, None)

    def answered() -> bool:
        with stack.telegram.lock:
            return not stack.telegram.updates and len(backoffs) >= 2

    try:
        asyncio.run(channel.poll(telegram_bot(stack.settings), timeout_s=0, stop=answered,
                                 sleep=sleep))
    finally:
        if len(backoffs) < 2:
            outage.__exit__(None, None, None)
    assert backoffs == [2.0, 4.0]
    assert successful_sends(stack, range(0)) == Counter(str(c) for c in chats)


def test_a_malformed_update_is_dropped_not_retried(stack: Stack) -> None:
    """400, never 500: a 500 would have Telegram redeliver an update that can never work."""
    chat = {"id": 8401, "type": "private"}
    bad = [update(**{**message(), "chat": {**chat, "id": "abc"}, "text": "hi"}),
           update(**{**message(), "chat": chat, "text": {"a": 1}})]
    assert [post(stack, payload) for payload in bad] == [200, 200]
    with stack.backend.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
