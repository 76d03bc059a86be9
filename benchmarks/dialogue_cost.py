"""The dialogue engine's cost per message that machine noise does not move much: SQL
statements per message (exact, repeatable) and CPU milliseconds per message (process time,
single thread, SQLite), for the same message mix as `benchmarks.dialogue`.

`benchmarks.dialogue` measures msg/s, which varies ±30% between runs of one commit on the
shared 2-core machine; run this beside it (and on the baseline tree) to see what changed.

    .venv/bin/python -m benchmarks.dialogue_cost --messages 1500 --rounds 3
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from benchmarks import dialogue


class _InThisThread:
    """Stands in for `threading.Thread` in `dialogue.run`: the work runs in the caller's
    thread, so process time is the engine's and nothing else's."""

    def __init__(self, target, args) -> None:  # noqa: ANN001 - mirrors threading.Thread
        self.target, self.args = target, args

    def start(self) -> None:
        self.target(*self.args)

    def join(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=500)
    parser.add_argument("--contacts", type=int, default=300)
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    statements = [0]

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(*_: object, **__: object) -> None:
        statements[0] += 1

    dialogue.threading = type("_Threads", (), {"Thread": _InThisThread,  # type: ignore[attr-defined]
                                               "Lock": threading.Lock})
    tmp = Path(tempfile.mkdtemp(prefix="dialogue-cost-"))
    model = tmp / "model.joblib"

    def fresh(name: str) -> tuple[str, list[str]]:
        """A new database per round: message ids repeat between runs (they would dedupe)."""
        url = f"sqlite:///{tmp / name}"
        return url, dialogue.prepare(url, args.consumers)

    url, phones = fresh("warm.db")
    dialogue.run(url, phones, 50, args.contacts, 1, model)  # trains the model, warms caches
    print("| round | messages | SQL statements / msg | CPU ms / msg | msg/s |")
    print("|---:|---:|---:|---:|---:|")
    for n in range(1, args.rounds + 1):
        url, phones = fresh(f"round{n}.db")
        statements[0] = 0
        cpu = time.process_time()
        result = dialogue.run(url, phones, args.messages, args.contacts, 1, model)
        cpu_ms = (time.process_time() - cpu) / result["messages"] * 1000
        print(f"| {n} | {result['messages']:,} | {statements[0] / result['messages']:.2f} "
              f"| {cpu_ms:.2f} | {result['rate']:.0f} |")


if __name__ == "__main__":
    main()
