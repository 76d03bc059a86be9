"""Set-based seeding helpers shared by the benchmarks: contacts for a share of the demo
consumers, and the process's peak memory."""

from __future__ import annotations

import resource
from datetime import datetime

from sqlalchemy import Connection, text


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_contacts(conn: Connection, now: datetime, channel: str, *, modulo: int = 1,
                 remainder: int = 0, address: str = "{c}mobile_e164", opted_out: bool = False,
                 link: bool = True) -> None:
    """A `channel` contact for every consumer whose id % modulo == remainder, addressed by
    the SQL expression `address` ({c} is the consumers alias), linked by phone match
    (verified) when `link`. One INSERT … SELECT each, idempotent."""
    conn.execute(text(
        f"INSERT INTO contacts (channel, address, opted_out, created_at) "
        f"SELECT DISTINCT '{channel}', {address.format(c='')}, {str(opted_out).lower()}, :now "
        f"FROM consumers WHERE id % {modulo} = {remainder} ON CONFLICT DO NOTHING"),
        {"now": now})
    if link:
        conn.execute(text(
            f"INSERT INTO contact_links (contact_id, consumer_id, method, verified_phone, "
            f"verified_at) SELECT ct.id, c.id, 'phone_match', c.mobile_e164, :now "
            f"FROM consumers c JOIN contacts ct ON ct.channel = '{channel}' "
            f"AND ct.address = {address.format(c='c.')} "
            f"WHERE c.id % {modulo} = {remainder} ON CONFLICT DO NOTHING"), {"now": now})
