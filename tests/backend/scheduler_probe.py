"""A job for the scheduler tests, and a process that schedules only that job.

`record_run` inserts one row per run (which process ran it) in its own transaction;
`python -m tests.backend.scheduler_probe URL SECONDS` runs a SchedulerService with it,
prints "leader" / "standby" / "stopped", and stops on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import sys
import threading

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, text

from backend.platform.clock import utcnow
from backend.platform.settings import Settings
from backend.scheduler import JobSpec, SchedulerService, job_backend
from backend.services import build_backend

TABLE = "scheduler_probe_runs"
PROBE = JobSpec("probe.record", "tests.backend.scheduler_probe:record_run", "")


def reset(engine: Engine) -> None:
    """An empty probe table and no jobs left in the store by earlier tests."""
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        conn.execute(text(f"CREATE TABLE {TABLE} (pid INTEGER NOT NULL, "
                          "ran_at VARCHAR(40) NOT NULL)"))
        conn.execute(text("CREATE TABLE IF NOT EXISTS apscheduler_jobs "
                          "(id VARCHAR(191) PRIMARY KEY, next_run_time FLOAT, "
                          "job_state BYTEA NOT NULL)" if engine.dialect.name == "postgresql"
                          else "CREATE TABLE IF NOT EXISTS apscheduler_jobs "
                          "(id VARCHAR(191) PRIMARY KEY, next_run_time FLOAT, "
                          "job_state BLOB NOT NULL)"))
        conn.execute(text("DELETE FROM apscheduler_jobs"))


def drop(engine: Engine) -> None:
    """Leave the shared test database as the models describe it (plus APScheduler's table,
    emptied)."""
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        conn.execute(text("DELETE FROM apscheduler_jobs"))


def runs(engine: Engine) -> list[int]:
    """The pid of each recorded run, in order."""
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT pid FROM {TABLE} ORDER BY ran_at")).scalars())


def record_run() -> None:
    with job_backend().engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {TABLE} (pid, ran_at) VALUES (:pid, :at)"),
                     {"pid": os.getpid(), "at": utcnow().isoformat()})


def probe_service(backend, seconds: float, **kw) -> SchedulerService:  # noqa: ANN001
    return SchedulerService(backend, jobs=[PROBE],
                            triggers={PROBE.id: IntervalTrigger(seconds=seconds)}, **kw)


def main(url: str, seconds: float) -> None:
    backend = build_backend(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    service = probe_service(backend, seconds, retry_s=0.5,
                            on_leader=lambda _runs: print("leader", flush=True))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    service.start()
    service.first_attempt.wait(30)
    if not service.is_leader:
        print("standby", flush=True)
    while not stop.wait(0.2):
        pass
    service.stop()
    backend.close()
    print("stopped", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
