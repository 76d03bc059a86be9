"""Real `sahayak worker` processes against the rate-limited fake provider on loopback
(benchmarks/fake_provider.py): two workers send every message once; a worker killed with
SIGKILL mid-run loses nothing, and only its unrecorded batch is sent again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.messaging.enqueue import enqueue
from backend.models import OutboxMessage, OutboxStatus
from benchmarks.fake_provider import FakeProvider

SAHAYAK = str(Path(sys.executable).with_name("sahayak"))
BATCH = 40

pytestmark = pytest.mark.slow  # real worker processes: 5-14 s a test


def _enqueue(sf: sessionmaker[Session], n: int) -> None:
    with sf.begin() as session:
        for i in range(n):
            enqueue(session, channel="sms", address=f"+9170{i:08d}", message_key="otp.code",
                    params={"code": f"{i:06d}", "minutes": 10}, language="en",
                    idempotency_key=f"p-{i}")


@contextmanager
def workers(db_url: str, fake: FakeProvider, tmp_path: Path) -> Iterator[list]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TWILIO_", "TELEGRAM_", "OUTBOX_", "DATABASE_URL"))}
    env.update(DATABASE_URL=db_url, OUTBOX_HTTP_URL=fake.url + "/send",
               OUTBOX_RATE_LIMITS="sms=300", LOG_LEVEL="WARNING")
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [SAHAYAK, "worker", "--batch-size", str(BATCH), "--concurrency", "4", "--lease",
             "3", "--poll-interval", "0.1"], env=env, cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        return process

    try:
        yield [start]
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
        for process in started:
            process.wait(timeout=30)


def _wait_all_sent(sf: sessionmaker[Session], fake: FakeProvider, n: int) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if len(fake.counts()) >= n:
            with sf() as session:
                statuses = list(session.scalars(select(OutboxMessage.status)))
            if statuses.count(OutboxStatus.SENT) == n:
                return
        time.sleep(0.1)
    raise AssertionError(f"not all sent: {len(fake.counts())} of {n} accepted")


def test_two_worker_processes_send_each_message_once(
        db_url: str, session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    n = 400
    _enqueue(session_factory, n)
    with FakeProvider(rate=300, burst=100) as fake, \
            workers(db_url, fake, tmp_path) as (start,):
        start(), start()
        _wait_all_sent(session_factory, fake, n)
        time.sleep(0.3)  # time for a duplicate to show up, if there were one
        counts = fake.counts()
    assert len(counts) == n and set(counts.values()) == {1}
    with session_factory() as session:
        assert set(session.scalars(select(OutboxMessage.attempts))) == {1}


def test_kill_9_loses_nothing_and_resends_only_the_unrecorded_batch(
        db_url: str, session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    n = 400
    _enqueue(session_factory, n)
    with FakeProvider(rate=300, burst=100) as fake, \
            workers(db_url, fake, tmp_path) as (start,):
        victim = start()
        deadline = time.monotonic() + 60
        while len(fake.counts()) < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=10) == -signal.SIGKILL
        start()  # the survivor re-claims the dead worker's batch once its lease expires
        _wait_all_sent(session_factory, fake, n)
        counts = fake.counts()
    assert len(counts) == n  # nothing lost
    twice = {to for to, c in counts.items() if c > 1}
    assert set(counts.values()) <= {1, 2} and len(twice) <= BATCH  # at most one batch
    with session_factory() as session:
        resent = {r.address for r in session.scalars(select(OutboxMessage))
                  if r.attempts == 2}
    assert twice <= resent  # a duplicate is always a re-claimed row
