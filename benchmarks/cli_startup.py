"""CLI start-up: `sahayak --help`, and `sahayak chat` answering its first piped line.

Runs the installed `sahayak` (next to this Python) as a fresh process each time, on a
seeded SQLite database in a temporary directory with an NLU model trained there once
beforehand (as `make run` leaves one in var/nlu/). Prints, per case, the median and worst
wall time over the runs and the median CPU time (user+sys of the child, which stays
meaningful on a busy machine where wall time does not).

    .venv/bin/python benchmarks/cli_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAHAYAK = str(Path(sys.executable).with_name("sahayak"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def help_run(env: dict[str, str]) -> tuple[float, float]:
    cpu, started = _cpu(), time.perf_counter()
    subprocess.run([SAHAYAK, "--help"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, _cpu() - cpu


def chat_run(env: dict[str, str], mobile: str) -> tuple[float, float]:
    """Wall time from start to the first reply line; CPU of the whole process."""
    cpu, started = _cpu(), time.perf_counter()
    proc = subprocess.Popen([SAHAYAK, "chat", "--as", mobile], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("mera balance kitna hai\n")
    proc.stdin.close()
    first = None
    for line in proc.stdout:
        if line.startswith("bot>") and first is None:
            first = time.perf_counter() - started
    if proc.wait() != 0 or first is None:
        raise RuntimeError("sahayak chat gave no reply")
    return first, _cpu() - cpu


def prepare(tmp: Path) -> tuple[dict[str, str], str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "NLU_", "APP_ENV", "TWILIO_", "TELEGRAM_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp / 'cli.db'}", LOG_LEVEL="WARNING",
               NLU_MODEL_PATH=str(tmp / "model.joblib"))
    run = {"env": env, "check": True, "cwd": tmp, "stdout": subprocess.PIPE}
    subprocess.run([SAHAYAK, "db", "upgrade"], **run)  # type: ignore[call-overload]
    subprocess.run([SAHAYAK, "demo", "seed", "--consumers", "20", "--days", "5"],
                   stderr=subprocess.DEVNULL, **run)  # type: ignore[call-overload]
    subprocess.run([SAHAYAK, "nlu", "train"], **run)  # type: ignore[call-overload]
    accounts = subprocess.run([SAHAYAK, "demo", "accounts", "--json", "--limit", "1"],
                              **run)  # type: ignore[call-overload]
    return env, json.loads(accounts.stdout)[0]["mobile"]


def report(name: str, runs: list[tuple[float, float]]) -> None:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    print(f"| {name} | {len(runs)} | {statistics.median(walls):.2f} | {max(walls):.2f} | "
          f"{statistics.median(cpus):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env, mobile = prepare(tmp)
        os.chdir(tmp)
        helps = [help_run(env) for _ in range(args.runs)]
        chats = [chat_run(env, mobile) for _ in range(args.runs)]
    print("| command | runs | wall s (median) | wall s (worst) | CPU s user+sys (median) |")
    print("|---|---:|---:|---:|---:|")
    report("`sahayak --help`", helps)
    report("`sahayak chat --as …`, first reply", chats)


if __name__ == "__main__":
    main()
