"""Fast bulk loading: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table, insert, text


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[tuple]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def bump_sequence(conn: Connection, table: Table, column: str = "id") -> None:
    """After inserting explicit ids on PostgreSQL, move the sequence past them."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
            f"COALESCE((SELECT MAX({column}) FROM {table.name}), 0) + 1, false)"))
