"""Low-balance alerts: a set-based scan over the accounts changed since the last scan.

The bands are data: declared in the rules file (`alerts.bands`; docs/ARCHITECTURE.md, "An
alert band"), each a condition (days left, amount left, % of the last recharge, zero,
negative, hours before the earliest cut), a severity, a message key and an urgency;
backend.engagement.alert_bands compiles them into one CASE, most severe first. An account is
alerted when its band is more severe than the one recorded in `alert_states`; a recharge (a new
`accounts.last_recharge_at`) resets the recorded band, so the next crossing alerts again.
Non-urgent alerts wait out the quiet hours, in the TIMEZONE setting's local time.
Recharge-credited and reconnected notices come from meter events past a high-water mark.

A band depends only on the account row (bands on `hours_before_cut` also on the clock: those
accounts are looked at on every scan), so a scan looks only at accounts whose `change_seq`
is past its high-water mark (charges, recharges and new accounts stamp it; see
backend.counters), or at all of them when the bands changed. Each scan is a handful of
statements whatever the number of accounts: one count, one upsert of the changed band
states (marking them with the scan's time), then one INSERT…SELECT into the outbox per band.
Only bands of negative balances need Python, once per distinct `negative_since` (accounts
turned negative by one charge run share it), to find the next time a cut is allowed.

Recipients: every verified link (its `verified_phone` equal to the registered mobile) whose
contact has not opted out, on a push channel (`PushChannels.preference`: WhatsApp, SMS or
Telegram by default). A contact on an earlier phone channel takes the place of one on a later
phone channel with the same number (a WhatsApp contact that of an SMS contact: delivery
falls back from WhatsApp to SMS itself).
Idempotency keys (consumer, epoch, band, contact; or event, contact) make a repeated scan,
even one racing another, queue nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.sql import Select

from backend.engagement.alert_bands import BandSql
from backend.engagement.alert_fanout import EVENT_KEYS, band_fanout, event_fanout, recipients_of
from backend.messaging.reach import BIHAR, PushChannels
from backend.metering import counters, recent_spend
from backend.metering.alert_rules import AlertRules
from backend.metering.rules import Rules
from backend.models import (
    Account,
    AlertMark,
    AlertState,
    ContactLink,
    MeterEvent,
)
from backend.platform.dialect import insert_for

log = logging.getLogger(__name__)

accounts = Account.__table__
states = AlertState.__table__
marks = AlertMark.__table__
links = ContactLink.__table__
events = MeterEvent.__table__

EVENTS_MARK = "meter_events"
ACCOUNTS_MARK = "account_changes"  # the last account change value a scan looked at
RULES_MARK = "band_rules"  # fingerprint of the bands the recorded bands were made with


def band_name(rules: AlertRules, severity: int) -> str:
    """The declared name of a recorded band (its severity), for reports."""
    band = rules.band(severity)
    return band.name if band is not None else f"band_{severity}"


@dataclass
class ScanResult:
    """Alerts queued (or, on a dry run, that would be queued) per band name."""

    queued: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    examined: int = 0  # accounts changed since the previous scan, whose band was worked out

    @property
    def total(self) -> int:
        return sum(self.queued.values())

    def add(self, name: str, n: int) -> None:
        if n:
            self.queued[name] = self.queued.get(name, 0) + n


# ----------------------------------------------------------------------------- timing


def quiet_until(rules: AlertRules, now: datetime, tz: ZoneInfo) -> datetime:
    """`now`, or the end of quiet hours (local time in `tz`) if `now` falls inside them."""
    return rules.quiet.next_end(now, tz)


# ----------------------------------------------------------------------------- bands


def _changed(since: int | None, until: int, bands: BandSql) -> ColumnElement:
    """Accounts whose balance or recent spend changed in (since, until], all if since is
    None, and those whose band time alone may change."""
    upto = accounts.c.change_seq <= until
    changed = upto if since is None else and_(accounts.c.change_seq > since, upto)
    moving = bands.time_dependent()
    return changed if moving is None else or_(changed, moving)


def _candidates(bands: BandSql, changed: ColumnElement) -> Select:
    """Changed accounts with a linked contact whose band rose above the recorded one, or
    whose recorded band a recharge reset: (consumer_id, band, epoch, recharge_seen,
    crossed_at) to be stored. The band is the declared bands' CASE (BandSql.current)."""
    now = bands.now
    current = bands.current()
    same_period = states.c.recharge_seen.is_not_distinct_from(accounts.c.last_recharge_at)
    recorded = case((and_(states.c.consumer_id.is_not(None), same_period), states.c.band),
                    else_=literal(0))
    reset = and_(states.c.consumer_id.is_not(None), ~same_period)
    source = accounts.outerjoin(states, states.c.consumer_id == accounts.c.consumer_id)
    # Nobody to tell, no band to record: most consumers have no linked contact, and keeping
    # their bands was most of a full scan's work. Linked later, they hear of their band at
    # the account's next change.
    linked = exists().where(links.c.consumer_id == accounts.c.consumer_id)
    inner = select(
        accounts.c.consumer_id, current.label("current"), recorded.label("recorded"),
        case((reset, states.c.epoch + 1), else_=func.coalesce(states.c.epoch, 0)).label("epoch"),
        accounts.c.last_recharge_at.label("recharge_seen"),
        states.c.crossed_at.label("old_crossed_at"),
        reset.label("reset"),
    ).select_from(source).where(changed, linked).subquery("bands")
    rising = inner.c.current > inner.c.recorded
    return select(
        inner.c.consumer_id,
        case((rising, inner.c.current), else_=inner.c.recorded).label("band"),
        inner.c.epoch, inner.c.recharge_seen,
        case((rising, literal(now, AlertState.crossed_at.type)),
             else_=inner.c.old_crossed_at).label("crossed_at"),
    ).where(or_(rising, inner.c.reset))


def _upsert_states(conn: Connection, candidates: Select) -> None:
    stmt = insert_for(conn)(states).from_select(
        ["consumer_id", "band", "epoch", "recharge_seen", "crossed_at"], candidates)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[states.c.consumer_id],
        set_={name: stmt.excluded[name]
              for name in ("band", "epoch", "recharge_seen", "crossed_at")}))


def _mark(conn: Connection, name: str = EVENTS_MARK) -> int | None:
    value = conn.execute(select(marks.c.value).where(marks.c.name == name)).scalar()
    return None if value is None else int(value)


def _set_mark(conn: Connection, value: int, name: str = EVENTS_MARK) -> None:
    if conn.execute(update(marks).where(marks.c.name == name)
                    .values(value=value)).rowcount == 0:
        conn.execute(insert(marks).values(name=name, value=value))


def rules_fingerprint(rules: Rules) -> int:
    """A number that changes when the bands' severities or conditions change: then every
    account is looked at again, not only the changed ones. (Names, message keys and urgency
    do not decide a band, so changing them costs no full scan.)"""
    text = repr(sorted((b.severity, b.when) for b in rules.alerts.bands))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:7], "big")


# ----------------------------------------------------------------------------- scan


def scan(conn: Connection, rules: Rules, now: datetime, *, tz: ZoneInfo,
         dry_run: bool = False, reach: PushChannels = BIHAR) -> ScanResult:
    """Queue the alerts due now, in the caller's transaction; idempotent (a second scan
    straight after queues none). A dry run counts what it would queue and writes nothing.
    `tz` is the local time of quiet hours and cut times (the TIMEZONE setting); `reach`
    names the push channels (the bot's channel registry describes them).

    Only accounts changed since the previous scan (by `accounts.change_seq`, see
    backend.counters) are looked at; all of them when the bands changed."""
    result = ScanResult(dry_run=dry_run)
    bands = BandSql(rules, now, tz)
    if not dry_run:
        recent_spend.ensure_window(conn, rules)
    until = counters.current_change(conn)
    since = _mark(conn, ACCOUNTS_MARK)
    fingerprint = rules_fingerprint(rules)
    if _mark(conn, RULES_MARK) != fingerprint:
        since = None
    changed = _changed(since, until, bands)
    result.examined = conn.execute(
        select(func.count()).select_from(accounts).where(changed)).scalar_one()
    candidates = _candidates(bands, changed)
    start = _mark(conn) or 0
    end = conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()
    if dry_run:
        cand = candidates.subquery("cand")
        joins, recipients = recipients_of(cand.c.consumer_id, reach)
        query = select(cand.c.band, func.count()).select_from(cand)
        for table in joins:
            query = query.join(table, true())
        rows = conn.execute(query.where(cand.c.crossed_at == literal(
            now, AlertState.crossed_at.type), recipients).group_by(cand.c.band))
        for band, count in rows:
            result.add(band_name(rules.alerts, band), count)
        joins, recipients = recipients_of(events.c.consumer_id, reach)
        query = select(events.c.kind, func.count()).select_from(events)
        for table in joins:
            query = query.join(table, true())
        rows = conn.execute(query.where(events.c.id > start, events.c.id <= end,
                                        events.c.kind.in_(EVENT_KEYS), recipients)
                            .group_by(events.c.kind))
        for kind, count in rows:
            result.add(str(kind.value if hasattr(kind, "value") else kind), count)
        return result
    _upsert_states(conn, candidates)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE alert_states")
    quiet_end = quiet_until(rules.alerts, now, tz)
    for band in rules.alerts.bands:
        result.add(band.name, band_fanout(conn, bands, band, quiet_end, reach))
    for kind, count in event_fanout(conn, start, end, now, reach).items():
        result.add(kind, count)
    _set_mark(conn, end)
    _set_mark(conn, until, ACCOUNTS_MARK)
    _set_mark(conn, fingerprint, RULES_MARK)
    log.info("alert scan looked at %d changed accounts, queued %s", result.examined,
             result.queued or "nothing")
    return result


def run_scan(engine: Engine, rules: Rules, now: datetime, *, tz: ZoneInfo,
             dry_run: bool = False, reach: PushChannels = BIHAR) -> ScanResult:
    """One scan in a transaction of its own (for schedulers and after readings imports);
    a dry run is rolled back."""
    with engine.begin() as conn:
        result = scan(conn, rules, now, tz=tz, dry_run=dry_run, reach=reach)
        if dry_run:
            conn.rollback()
    return result
