"""The declared alert bands (backend.metering.alert_rules) as SQL over the `accounts` row.

One scan compiles each condition once, at its `now`: the band of an account is a CASE over
the bands' conditions, most severe first; urgency is a CASE on the outbox row's due time;
`hours_before_cut` becomes a bound on `negative_since` worked out here in Python (the cut
calendar of backend.metering.disconnection), so no dialect needs date arithmetic in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, and_, case, cast, false, literal, or_

from backend.messaging.bulk import text_value
from backend.metering.alert_rules import (
    AMOUNT_LEFT,
    CUT_CONDITIONS,
    DAYS_LEFT,
    HOURS_BEFORE_CUT,
    NEGATIVE,
    PERCENT_OF_LAST_RECHARGE,
    ZERO,
    AlertBand,
    Condition,
)
from backend.metering.disconnection import earliest_cut, negative_since_bound
from backend.metering.reconnect import reconnect_sql
from backend.metering.rules import Rules
from backend.models import Account, OutboxMessage

accounts = Account.__table__


@dataclass(frozen=True)
class BandSql:
    """Compiles bands for one scan at `now`, in local time `tz` (the TIMEZONE setting)."""

    rules: Rules
    now: datetime
    tz: ZoneInfo

    # ------------------------------------------------------------------------ conditions

    def condition(self, c: Condition) -> ColumnElement[bool]:
        bal = accounts.c.balance_paise
        if c.kind == DAYS_LEFT:
            # Days left = balance / average daily charge, compared without division.
            n, spent = accounts.c.recent_charge_days, accounts.c.recent_spend_paise
            return and_(n > 0, spent > 0, bal * n <= spent * c.value)
        if c.kind == AMOUNT_LEFT:
            return bal <= c.value
        if c.kind == PERCENT_OF_LAST_RECHARGE:
            last = accounts.c.last_recharge_paise
            return and_(last > 0, bal * 10_000 <= last * c.value)  # value in basis points
        if c.kind == ZERO:
            return bal == 0
        if c.kind == NEGATIVE:
            return bal < 0
        if c.kind == HOURS_BEFORE_CUT:
            return and_(bal < 0, self._cut_within(timedelta(hours=c.value or 0)))
        raise ValueError(f"unknown alert condition {c.kind!r}")  # parse_alerts refuses it

    def _cut_within(self, within: timedelta) -> ColumnElement[bool]:
        """The earliest cut of a negative account is at most `within` away."""
        since = accounts.c.negative_since
        cut = self.rules.disconnection
        bound = negative_since_bound(cut, self.now, within, self.tz)
        if bound is None:
            return false()
        moment, inclusive = bound
        typed = literal(moment, Account.negative_since.type)
        test = since <= typed if inclusive else since < typed
        # No negative_since recorded: counted from now, as the fan-out's cut time is.
        unknown = earliest_cut(cut, self.now, self.now, self.tz)
        if unknown is not None and unknown - self.now <= within:
            return or_(test, since.is_(None))
        return test

    def needs_recharge(self) -> ColumnElement[bool]:
        """The balance is not above the reconnect threshold: a cut meter stays cut."""
        return accounts.c.balance_paise <= self.rules.reconnect_above_paise

    def holds(self, conditions: tuple[Condition, ...]) -> ColumnElement[bool]:
        return and_(*(self.condition(c) for c in conditions))

    # ------------------------------------------------------------------------ bands

    def current(self) -> ColumnElement[int]:
        """The account's band: the severity of the most severe band that holds, else 0."""
        whens = [(self.holds(b.when), literal(b.severity))
                 for b in sorted(self.rules.alerts.bands, key=lambda b: -b.severity)]
        return case(*whens, else_=literal(0))

    def time_dependent(self) -> ColumnElement[bool] | None:
        """Accounts whose band may change with time alone (a cut coming closer), to look at
        even when unchanged; None for bands that depend on the account row only."""
        tests = [self.condition(c) for b in self.rules.alerts.bands for c in b.when
                 if c.kind == HOURS_BEFORE_CUT]
        return or_(*tests) if tests else None

    def due(self, band: AlertBand, quiet_end: datetime, *, grouped: bool = False,
            cut: datetime | None = None) -> datetime | ColumnElement:
        """When an alert of `band` may go: now if urgent, else at the end of quiet hours.

        A condition is checked per row (a CASE), unless the rows share one cut time `cut`
        (`grouped`: a band of negative balances, queued per `negative_since`) and the urgency
        asks only about negative balances and cut times: then it is decided here, once."""
        if quiet_end == self.now or band.urgent is True:
            return self.now
        if band.urgent is False:
            return quiet_end
        if grouped and all(c.kind in CUT_CONDITIONS for c in band.urgent):
            urgent = all(c.kind == NEGATIVE or (cut is not None and
                                                cut - self.now <= timedelta(hours=c.value or 0))
                         for c in band.urgent)
            return self.now if urgent else quiet_end
        now = literal(self.now, OutboxMessage.next_attempt_at.type)
        later = literal(quiet_end, OutboxMessage.next_attempt_at.type)
        return case((self.holds(band.urgent), now), else_=later)

    def params(self, band: AlertBand, cut_at: datetime | None = None
               ) -> dict[str, ColumnElement]:
        """The message parameters (see AlertBand.params): the balance, each condition's
        threshold, and the cut time for bands of negative balances."""
        out: dict[str, ColumnElement] = {}
        for c in band.when:
            if c.kind == DAYS_LEFT:
                out["days"] = cast(literal(c.value), BigInteger)
            elif c.kind == PERCENT_OF_LAST_RECHARGE and c.value is not None:
                whole, part = divmod(c.value, 100)
                out["percent"] = (cast(literal(whole), BigInteger) if not part
                                  else text_value(f"{whole}.{part:02d}".rstrip("0")))
        out["balance_paise"] = cast(accounts.c.balance_paise, BigInteger)
        # The amount the balance reply and recharge help name (one money story).
        out["need_paise"] = cast(case((self.needs_recharge(), reconnect_sql(
            accounts.c.balance_paise, self.rules)), else_=None), BigInteger)
        if band.with_cut_time:
            out["cut_at"] = text_value(cut_at.isoformat() if cut_at else None)
        return out
