"""Periodic jobs (alert scan, complaint SLA escalation, disconnection sweep) on APScheduler 3
with a SQLAlchemy job store in the app's database, run by exactly one process at a time.

Every process that may schedule (`sahayak scheduler`, each `sahayak serve` with the
embedded scheduler) runs a `SchedulerService`: a small thread that tries the leader lock
(backend.leader_lock) every `SCHEDULER_LOCK_RETRY_S`. Only the holder starts an APScheduler
`BackgroundScheduler`, so a standby never touches the job store; if the holder loses its
lock (its database session died) it stops its scheduler and becomes a standby again.

Jobs are stored as textual references to the module-level functions below, with no
arguments (so no URL or password is pickled into the database); each takes what it needs
from the process's backend (the one given to `SchedulerService`, set by `use_backend`:
the composition root's; nothing here reads settings) and runs in its own transaction.
Adding a job is one line in `JOBS` (plus its setting).

The job table `apscheduler_jobs` is created by APScheduler on the leader's first start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined

from backend.platform.clock import utcnow
from backend.platform.leader_lock import LeaderLock, leader_lock_for
from backend.platform.settings import Settings
from backend.services import Backend

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", stored as text in the job store
    setting: str  # Settings field with the schedule: minutes, crontab line, or "off"
    # Several missed runs (scheduler down, machine asleep) run once, not in a burst.
    coalesce: bool = True
    # How late a run may still start; None = however late (a catch-up run is wanted).
    misfire_grace_time: int | None = None


JOBS: tuple[JobSpec, ...] = (
    # A scan covers everything up to now and is idempotent: run it once however late,
    # since an alert delayed beats an alert lost.
    JobSpec("alerts.scan", "backend.scheduler:run_alert_scan", "scheduler_alert_scan"),
    # Same reasoning: an overdue ticket must reach its manager even after downtime.
    JobSpec("complaints.escalate", "backend.scheduler:run_complaint_escalation",
            "scheduler_escalation"),
    # Cutting supply is not something to catch up on at startup: skip a run more than
    # 5 minutes late and wait for the next (the window check uses the real time anyway).
    JobSpec("metering.disconnect", "backend.scheduler:run_disconnection_sweep",
            "scheduler_disconnect", misfire_grace_time=300),
    # A scheduled broadcast that is late still goes out (send_due sends anything due);
    # promotional ones then wait for their window in the outbox claim.
    JobSpec("broadcasts.send_due", "backend.scheduler:run_broadcasts_due",
            "scheduler_broadcasts"),
)


def parse_trigger(value: str, tz: ZoneInfo, *, name: str = "schedule") -> BaseTrigger | None:
    """"15" (minutes), "0.5", a five-field crontab line in local time, or "off" (None)."""
    value = (value or "").strip()
    if value.lower() in ("off", "0", "none", ""):
        return None
    try:
        minutes = float(value)
    except ValueError:
        try:
            return CronTrigger.from_crontab(value, timezone=tz)
        except ValueError as exc:
            raise ValueError(f"{name}: {value!r} is neither minutes, a crontab line "
                             f"('*/15 10-13 * * mon-sat') nor 'off' ({exc})") from None
    if not 0 < minutes <= 7 * 24 * 60:
        raise ValueError(f"{name}: minutes must be between 0 and 10080, not {value!r}")
    return IntervalTrigger(seconds=round(minutes * 60), timezone=tz)


def triggers_from_settings(settings: Settings,
                           jobs: Sequence[JobSpec] = JOBS) -> dict[str, BaseTrigger | None]:
    tz = ZoneInfo(settings.timezone)
    return {spec.id: parse_trigger(str(getattr(settings, spec.setting)), tz,
                                   name=spec.setting.upper()) for spec in jobs}


# ------------------------------------------------------------------------ job context

_context_lock = threading.Lock()
_backend: Backend | None = None


def use_backend(backend: Backend | None) -> None:
    """The backend this process's jobs use (the app's, in `serve`)."""
    global _backend
    with _context_lock:
        _backend = backend


def job_backend() -> Backend:
    with _context_lock:
        if _backend is None:
            raise RuntimeError("no backend for the scheduled jobs: a SchedulerService "
                               "(or use_backend) sets the composition root's")
        return _backend


# ------------------------------------------------------------------------ the jobs


def run_alert_scan() -> None:
    from backend.engagement.alerts import run_scan

    backend = job_backend()
    result = run_scan(backend.engine, backend.rules, utcnow(), tz=backend.tz,
                      reach=backend.reach)
    log.info("job alerts.scan: %d changed accounts, %d alerts queued", result.examined,
             result.total)


def run_complaint_escalation() -> None:
    from backend.care.escalation import escalate

    with job_backend().engine.begin() as conn:
        result = escalate(conn, utcnow())
    log.info("job complaints.escalate: %d escalated, %d consumer messages, %d digests, "
             "%d without a manager", result.escalated, result.consumer_messages,
             result.digests, result.unreported)


def run_disconnection_sweep() -> None:
    from backend.metering.disconnection import apply_disconnections

    backend = job_backend()
    with backend.engine.begin() as conn:
        cut = apply_disconnections(conn, backend.rules.disconnection, utcnow(), backend.tz)
    log.info("job metering.disconnect: %d meters cut", cut)


def run_broadcasts_due() -> None:
    from backend.engagement.broadcasts.service import send_due

    backend = job_backend()
    reports = send_due(backend.sessions, utcnow(), window=backend.promotional_window,
                       reach=backend.reach)
    log.info("job broadcasts.send_due: %d broadcasts sent, %d messages queued",
             len(reports), sum(r.queued for r in reports))


# ------------------------------------------------------------------------ the service


@dataclass(frozen=True)
class NextRun:
    id: str
    trigger: str
    next_run_at: datetime | None


class SchedulerService:
    """Leader election plus, while leader, an APScheduler BackgroundScheduler."""

    def __init__(self, backend: Backend, *, jobs: Sequence[JobSpec] = JOBS,
                 triggers: Mapping[str, BaseTrigger | None] | None = None,
                 lock: LeaderLock | None = None, retry_s: float | None = None,
                 on_leader: Callable[[list[NextRun]], None] | None = None) -> None:
        self.backend = backend
        self.jobs = tuple(jobs)
        self.triggers = {**(triggers_from_settings(backend.settings, [
            spec for spec in self.jobs if spec.id not in (triggers or {})])),
            **(triggers or {})}
        self.lock = lock or leader_lock_for(backend.settings.database_url)
        self.retry_s = retry_s or backend.settings.scheduler_lock_retry_s
        self.on_leader = on_leader
        self.first_attempt = threading.Event()  # set once the lock was tried once
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._scheduler: BackgroundScheduler | None = None

    @property
    def is_leader(self) -> bool:
        return self._scheduler is not None

    @property
    def scheduler(self) -> BackgroundScheduler | None:
        return self._scheduler

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("scheduler service already started")
        use_backend(self.backend)
        self._thread = threading.Thread(target=self._run, name="scheduler-leader",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop electing, let running jobs finish (each is one transaction: cutting one
        short would only roll it back), release the lock."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def next_runs(self) -> list[NextRun]:
        if self._scheduler is None:
            return []
        return [NextRun(job.id, str(job.trigger), job.next_run_time)
                for job in sorted(self._scheduler.get_jobs(), key=lambda j: j.id)]

    # -- the election loop (its own thread) --

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._scheduler is None:
                    if self.lock.try_acquire():
                        self._lead()
                    else:
                        log.debug("scheduler: standby, another instance holds the lock")
                elif not self.lock.still_held():
                    log.warning("scheduler: lost the lock; stopping jobs, back to standby")
                    self._shutdown(wait=False)
                self.first_attempt.set()
                self._stop.wait(self.retry_s)
        finally:
            self._shutdown(wait=True)
            self.lock.release()
            self.first_attempt.set()

    def _lead(self) -> None:
        tz = ZoneInfo(self.backend.settings.timezone)
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.backend.engine,
                                                     tablename=JOB_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"max_instances": 1}, timezone=tz)
        try:
            scheduler.start(paused=True)
            self._register(scheduler)
            scheduler.resume()
        except Exception:
            log.exception("scheduler: could not start; releasing the lock")
            if scheduler.running:
                scheduler.shutdown(wait=False)
            self.lock.release()
            return
        self._scheduler = scheduler
        runs = self.next_runs()
        log.info("scheduler: leader; %s", ", ".join(
            f"{r.id} next {r.next_run_at:%Y-%m-%d %H:%M:%S %Z}" if r.next_run_at else r.id
            for r in runs) or "no jobs")
        if self.on_leader is not None:
            self.on_leader(runs)

    def _register(self, scheduler: BackgroundScheduler) -> None:
        """Put each job in the store under its fixed id (replace_existing, so restarts and
        takeovers keep one row per id). A job whose schedule is unchanged keeps its stored
        next run time: restarting more often than the interval must not starve it, and a
        run missed while no leader was up is then subject to coalesce/misfire_grace_time."""
        for spec in self.jobs:
            trigger = self.triggers.get(spec.id)
            stored = scheduler.get_job(spec.id)
            if trigger is None:
                if stored is not None:
                    scheduler.remove_job(spec.id)
                log.info("scheduler: job %s is off", spec.id)
                continue
            keep = (stored is not None and stored.next_run_time is not None
                    and str(stored.trigger) == str(trigger) and stored.func_ref == spec.func)
            scheduler.add_job(spec.func, trigger, id=spec.id, name=spec.id,
                              replace_existing=True, coalesce=spec.coalesce,
                              misfire_grace_time=spec.misfire_grace_time, max_instances=1,
                              next_run_time=stored.next_run_time if keep else undefined)
        known = {spec.id for spec in self.jobs}
        for job in scheduler.get_jobs():
            if job.id not in known:  # a job dropped from JOBS: do not run stale code paths
                log.info("scheduler: removing job %s (no longer in JOBS)", job.id)
                scheduler.remove_job(job.id)

    def _shutdown(self, *, wait: bool) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=wait)
