"""One money story per account: how much a negative or cut account must recharge to get
(or keep) its supply, what we suggest, and whether the meter's emergency credit can help.

Every reply (balance, recharge help, FAQ, cut time) and the alert scan take their numbers
from here, so a consumer at -₹482.46 hears the same "₹483" everywhere, never a generic
minimum. The supply returns once the balance is above `recharge.reconnect_above` (DOMAIN:
"positive again"); the amount is rounded up to whole rupees because the balance keeps
falling in happy hours and nobody recharges ₹482.47. `reconnect_sql` is the same rule for
the set-based alert scan; a unit test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, literal

from backend.metering.rules import Rules

RUPEE = 100
WEEK = 7
SUGGEST_STEP_PAISE = 100_00  # suggestions in whole hundreds of rupees


def round_up(paise: int, step: int) -> int:
    return -(-paise // step) * step


def reconnect_paise(balance_paise: int, rules: Rules) -> int | None:
    """The least recharge that brings the balance above the reconnection threshold, in
    whole rupees and at least the system minimum; None when the balance already is."""
    short = rules.reconnect_above_paise - balance_paise
    if short < 0:
        return None
    return max(round_up(short + 1, RUPEE), rules.recharge_min_paise)


def reconnect_sql(balance: ColumnElement, rules: Rules) -> ColumnElement:
    """`reconnect_paise` as SQL for balances at or below the threshold (the alert scan)."""
    short = literal(rules.reconnect_above_paise) - balance
    rounded = (short + 1 + (RUPEE - 1)) // RUPEE * RUPEE  # short >= 0: floor division is exact
    return case((rounded < rules.recharge_min_paise, literal(rules.recharge_min_paise)),
                else_=rounded)


def suggested_paise(balance_paise: int, average_daily_paise: int | None, rules: Rules,
                    suggested_minimum_paise: int) -> int:
    """What we suggest: what reconnects (if anything) plus about a week at the recent
    average (never less than the configured sensible recharge), in whole hundreds."""
    need = reconnect_paise(balance_paise, rules) or 0
    week = (average_daily_paise or 0) * WEEK
    return round_up(need + max(week, suggested_minimum_paise), SUGGEST_STEP_PAISE)


@dataclass(frozen=True)
class MoneyStory:
    """`need`: the least recharge that reconnects / keeps the supply (None: balance above
    the threshold); `suggested`: a friendly amount lasting about a week;
    `emergency_credit`: whether the meter's button may be offered."""

    need_paise: int | None
    suggested_paise: int
    emergency_credit: bool


def money_story(balance_paise: int, average_daily_paise: int | None, meter_status: str,
                rules: Rules, suggested_minimum_paise: int) -> MoneyStory:
    return MoneyStory(
        need_paise=reconnect_paise(balance_paise, rules),
        suggested_paise=suggested_paise(balance_paise, average_daily_paise, rules,
                                        suggested_minimum_paise),
        emergency_credit=emergency_credit_eligible(meter_status),
    )


def emergency_credit_eligible(meter_status: str) -> bool:
    """The meter's button gives emergency credit only while the supply is on (it tides a
    running-out balance over); a meter already cut for a negative balance comes back only
    with a recharge, so the button must not be offered to it."""
    return meter_status != "disconnected"
