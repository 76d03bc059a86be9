"""The scheduler: jobs registered under fixed ids with deliberate options, one row per id
across restarts (next run kept), a real job runs and commits, schedules from settings, and
one runner among several schedulers (threads, and processes of which the holder is
killed). On SQLite (flock) and PostgreSQL (advisory lock). No timing asserts: polling with
generous timeouts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from backend.care import complaints
from backend.models import Complaint
from backend.platform.clock import utcnow
from backend.platform.leader_lock import (
    FileLock,
    PostgresAdvisoryLock,
    ProcessLock,
    leader_lock_for,
)
from backend.scheduler import JOBS, SchedulerService, parse_trigger, use_backend
from backend.services import Backend, build_backend
from bot.app import create_app
from bot.composition import compose
from tests.backend import scheduler_probe as probe
from tests.factories import make_consumer
from tests.servers import make_settings

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0


def wait_for(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def backend(engine: Engine, db_url: str) -> Iterator[Backend]:
    probe.reset(engine)
    built = build_backend(make_settings(db_url, scheduler_lock_retry_s=0.2))
    yield built
    use_backend(None)
    built.close()
    probe.drop(engine)


def _stored(engine: Engine) -> dict[str, float]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all())


def test_jobs_registered_with_ids_and_options_and_kept_on_restart(
        backend: Backend, engine: Engine) -> None:
    first = SchedulerService(backend)
    first.start()
    try:
        wait_for(lambda: first.is_leader, "leadership")
        jobs = {job.id: job for job in first.scheduler.get_jobs()}
        assert set(jobs) == {"alerts.scan", "complaints.escalate", "metering.disconnect",
                             "broadcasts.send_due"}
        for spec in JOBS:
            job = jobs[spec.id]
            assert job.func_ref == spec.func and job.max_instances == 1
            assert (job.coalesce, job.misfire_grace_time) == (spec.coalesce,
                                                             spec.misfire_grace_time)
        assert jobs["metering.disconnect"].misfire_grace_time == 300
        assert jobs["alerts.scan"].misfire_grace_time is None
        assert jobs["alerts.scan"].trigger.interval == timedelta(minutes=15)
        assert jobs["complaints.escalate"].trigger.interval == timedelta(minutes=10)
        assert jobs["broadcasts.send_due"].trigger.interval == timedelta(minutes=1)
    finally:
        first.stop()
    assert not first.is_leader
    before = _stored(engine)
    assert len(before) == 4
    second = SchedulerService(backend)  # a restart: same ids replaced, not added
    second.start()
    try:
        wait_for(lambda: second.is_leader, "leadership after restart")
        assert _stored(engine) == before  # one row per id, next runs kept
    finally:
        second.stop()
    changed = build_backend(make_settings(backend.settings.database_url,
                                          scheduler_escalation="5", scheduler_disconnect="off"))
    third = SchedulerService(changed)
    third.start()
    try:
        wait_for(lambda: third.is_leader, "leadership with new schedules")
        jobs = {job.id: job for job in third.scheduler.get_jobs()}
        assert set(jobs) == {"alerts.scan", "complaints.escalate", "broadcasts.send_due"}
        assert jobs["complaints.escalate"].trigger.interval == timedelta(minutes=5)
        after = _stored(engine)
        assert after["alerts.scan"] == before["alerts.scan"]
        assert after["complaints.escalate"] != before["complaints.escalate"]
    finally:
        third.stop()
        changed.close()


def test_escalation_job_runs_and_commits(backend: Backend,
                                         session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s, mobile="+917000001001")
        complaints.file_complaint(s, category="no_supply", description="", now=utcnow()
                                  - timedelta(hours=5), consumer_id=consumer.id)
        complaints.file_complaint(s, category="other", description="", now=utcnow(),
                                  consumer_id=consumer.id)
    service = SchedulerService(backend, triggers={
        "complaints.escalate": IntervalTrigger(seconds=1), "alerts.scan": None,
        "metering.disconnect": None, "broadcasts.send_due": None})
    service.start()

    def escalated() -> int:
        with session_factory() as s:
            return s.scalar(select(func.count()).select_from(Complaint)
                            .where(Complaint.escalated_at.is_not(None)))

    try:
        wait_for(escalated, "the escalation job to commit")
        wait_for(lambda: len(service.scheduler.get_jobs()) == 1, "one job only")
    finally:
        service.stop()
    assert escalated() == 1  # the fresh ticket is not overdue


@pytest.mark.slow
def test_two_schedulers_in_one_process_one_runs_then_the_other_takes_over(
        backend: Backend, engine: Engine) -> None:
    a = probe.probe_service(backend, 0.3)
    b = probe.probe_service(backend, 0.3)
    a.start()
    try:
        wait_for(lambda: a.is_leader, "a to lead")
        b.start()
        wait_for(b.first_attempt.is_set, "b to try the lock")
        wait_for(lambda: len(probe.runs(engine)) >= 4, "runs under a")
        assert a.is_leader and not b.is_leader and b.scheduler is None
    finally:
        a.stop()
    try:
        stopped_at = len(probe.runs(engine))
        wait_for(lambda: b.is_leader, "b to take over")
        wait_for(lambda: len(probe.runs(engine)) >= stopped_at + 3, "runs under b")
    finally:
        b.stop()


def _spawn(url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tests.backend.scheduler_probe", url, "0.3"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


@pytest.mark.slow
def test_two_scheduler_processes_job_runs_once_and_standby_takes_over_from_a_dead_holder(
        backend: Backend, engine: Engine, db_url: str) -> None:
    holder = _spawn(db_url)
    standby = None
    try:
        assert holder.stdout.readline().strip() == "leader"
        standby = _spawn(db_url)
        assert standby.stdout.readline().strip() == "standby"
        wait_for(lambda: len(probe.runs(engine)) >= 8, "runs under the holder")
        assert set(probe.runs(engine)) == {holder.pid}  # the standby never ran it
        holder.send_signal(signal.SIGKILL)  # dies without releasing anything
        holder.wait(TIMEOUT)
        assert standby.stdout.readline().strip() == "leader"
        wait_for(lambda: probe.runs(engine).count(standby.pid) >= 3, "runs after takeover")
        seen = probe.runs(engine)
        assert set(seen) == {holder.pid, standby.pid}
        first_standby_run = seen.index(standby.pid)
        assert holder.pid not in seen[first_standby_run:]  # no overlap after the takeover
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(TIMEOUT) == 0
        assert standby.stdout.read().strip().endswith("stopped")
    finally:
        for proc in (holder, standby):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


def test_embedded_scheduler_starts_and_stops_with_the_app(db_url: str, engine: Engine,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    probe.reset(engine)
    monkeypatch.chdir(tmp_path)
    app = create_app(compose(make_settings(db_url, scheduler_lock_retry_s=0.2)),
                     scheduler=True)
    service = app.state.scheduler
    with TestClient(app):
        wait_for(lambda: service.is_leader, "the embedded scheduler to lead")
        assert {job.id for job in service.scheduler.get_jobs()} == {spec.id for spec in JOBS}
    assert not service.is_leader
    use_backend(None)
    probe.drop(engine)
    plain = create_app(compose(make_settings(db_url)))
    assert plain.state.scheduler is None  # off unless asked (tests, `serve` decides)
    plain.state.backend.close()


def test_parse_trigger() -> None:
    tz = ZoneInfo("Asia/Kolkata")
    assert parse_trigger("15", tz).interval == timedelta(minutes=15)
    assert parse_trigger("0.5", tz).interval == timedelta(seconds=30)
    cron = parse_trigger("*/15 10-13 * * mon-sat", tz)
    assert isinstance(cron, CronTrigger) and cron.timezone == tz
    assert parse_trigger("off", tz) is None
    for bad in ("bogus", "-1", "99999", "* * *"):
        with pytest.raises(ValueError, match="SCHEDULER_X"):
            parse_trigger(bad, tz, name="SCHEDULER_X")


def test_locks_exclude_each_other(engine: Engine, db_url: str, tmp_path: Path) -> None:
    if engine.dialect.name == "postgresql":
        first, second = PostgresAdvisoryLock(db_url), PostgresAdvisoryLock(db_url)
    else:
        first, second = FileLock(tmp_path / "x.lock"), FileLock(tmp_path / "x.lock")
    assert type(leader_lock_for(db_url)) is type(first)
    try:
        assert first.try_acquire() and first.still_held()
        assert not second.try_acquire() and not second.still_held()
        first.release()
        assert not first.still_held() and second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()
    assert isinstance(leader_lock_for("sqlite://"), ProcessLock)


def test_cli_scheduler_refuses_bad_schedule_and_unmigrated_db(tmp_path: Path,
                                                              db_url: str) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    bad = CliRunner().invoke(main, ["scheduler"], env={"DATABASE_URL": db_url,
                                                       "SCHEDULER_ESCALATION": "bogus"})
    assert bad.exit_code == 1 and "SCHEDULER_ESCALATION" in bad.output
    empty = CliRunner().invoke(main, ["scheduler"],
                               env={"DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}"})
    assert empty.exit_code == 1 and "sahayak db upgrade" in empty.output


def test_broadcast_job_sends_a_due_broadcast(backend: Backend,
                                             session_factory: sessionmaker[Session]) -> None:
    from backend.engagement.broadcasts import service as broadcasts
    from backend.engagement.broadcasts.spec import Draft
    from backend.models import BroadcastStatus
    from backend.scheduler import run_broadcasts_due

    now = utcnow()
    with session_factory.begin() as s:
        make_consumer(s, mobile="+917000001002")
        due = broadcasts.create(s, Draft(title="Save power", message_class="service",
                                         body_hi="बिजली बचाइए।", body_en="Save power.",
                                         created_by="asha",
                                         scheduled_at=now + timedelta(minutes=1)), now).id
    use_backend(backend)
    run_broadcasts_due()  # not due yet
    with session_factory() as s:
        assert {b.id: b.status for b in broadcasts.list_broadcasts(s)} == {
            due: BroadcastStatus.SCHEDULED}
        s.execute(text("UPDATE broadcasts SET scheduled_at = :t"),
                  {"t": now - timedelta(minutes=1)})
        s.commit()
    run_broadcasts_due()
    with session_factory() as s:
        assert {b.id: b.status for b in broadcasts.list_broadcasts(s)} == {
            due: BroadcastStatus.QUEUED}
