"""Named counters in the database, above all the account change sequence.

Whatever moves an account's balance or recent spend stamps the row with `next_change()`.
The value is taken by incrementing one row, whose lock is held until the transaction ends,
so change values become visible in the order they were handed out: once a reader sees the
counter at C, every change ≤ C has committed. That is what lets the alert scan keep a plain
high-water mark (a database sequence would hand out values that commit out of order).

Lock order: take the change value before locking account rows (recharges do; apply_day
locks accounts only after it), so two writers never wait on each other in a cycle.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from backend.models import Counter
from backend.platform.dialect import insert_for

counters = Counter.__table__

ACCOUNT_CHANGES = "account_changes"
# The window the recent sums were kept for; renamed when they came to leave out the monthly
# fixed charge, so sums kept the old way are rebuilt once (recent_spend.ensure_window).
SPEND_WINDOW = "recent_spend_window_recurring"


def get(conn: Connection, name: str) -> int | None:
    """The counter's committed value (no lock), None when it was never set."""
    return conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar()


def put(conn: Connection, name: str, value: int) -> None:
    stmt = insert_for(conn)(counters).values(name=name, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[counters.c.name],
                                            set_={"value": stmt.excluded.value}))


def increment(conn: Connection, name: str) -> int:
    """Add one and return the new value; the row stays locked until the transaction ends."""
    stmt = (update(counters).where(counters.c.name == name)
            .values(value=counters.c.value + 1).returning(counters.c.value))
    value = conn.execute(stmt).scalar()
    if value is None:  # first use (the migration creates the row; a wiped test db has none)
        conn.execute(insert_for(conn)(counters).values(name=name, value=0)
                     .on_conflict_do_nothing(index_elements=[counters.c.name]))
        value = conn.execute(stmt).scalar_one()
    return int(value)


def next_change(conn: Connection) -> int:
    """A new account change value, for the rows this transaction changes."""
    return increment(conn, ACCOUNT_CHANGES)


def current_change(conn: Connection) -> int:
    """The last committed account change value: every change up to it is visible."""
    return int(get(conn, ACCOUNT_CHANGES) or 0)
