"""`sahayak scheduler`: run the periodic jobs (alert scan, complaint SLA escalation,
disconnection sweep) as their own process. Several may run: one holds the lock and runs
the jobs, the others wait to take over."""

from __future__ import annotations

import click


@click.command("scheduler")
def scheduler() -> None:
    """Run the scheduled jobs until stopped (Ctrl-C / SIGTERM)."""
    import signal
    import threading

    from backend.scheduler import NextRun, SchedulerService
    from bot.cli_backend import command_backend

    backend = command_backend()

    def show(runs: list[NextRun]) -> None:
        click.echo("scheduler is the leader; jobs:")
        for run in runs:
            when = (run.next_run_at.strftime("%Y-%m-%d %H:%M:%S %Z") if run.next_run_at
                    else "paused")
            click.echo(f"  {run.id:<22} {run.trigger:<28} next {when}")
        if not runs:
            click.echo("  (none: every SCHEDULER_* schedule is off)")

    try:
        service = SchedulerService(backend, on_leader=show)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    service.start()
    service.first_attempt.wait(60)
    if not service.is_leader and not stop.is_set():
        click.echo("scheduler on standby: another instance holds the lock; trying again every "
                   f"{service.retry_s:g} s")
    while not stop.wait(1.0):
        pass
    click.echo("scheduler stopping (waiting for running jobs)")
    service.stop()
    backend.close()
    click.echo("scheduler stopped")


def register(main: click.Group) -> None:
    main.add_command(scheduler)
