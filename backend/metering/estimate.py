"""Days left and the daily average: one rounding rule for every reply, the REST summary
and the alert scan.

The average is the recent window's recurring spend (backend.metering.recent_spend: the
once-a-month fixed charge and its duty are left out, or a month-start window would look
like a month of spending) divided by its charge days, rounded half up to the paisa.
Days left are floor(balance × days / spend): exactly the alert scan's comparison, with no
rounded average in between, so a reply never says 4 days where an alert said 3."""

from __future__ import annotations


def average_daily(total_paise: int, days: int) -> int | None:
    """Σ over `days` days as a daily average, rounded half up (₹6.055 -> ₹6.06)."""
    if days <= 0 or total_paise <= 0:
        return None
    return (total_paise + days // 2) // days


def days_left(balance_paise: int, spend_paise: int, days: int) -> int | None:
    """Whole days the balance lasts at the recent spend (0 means less than a day);
    None without a positive balance or any recent spend."""
    if balance_paise <= 0 or average_daily(spend_paise, days) is None:
        return None
    return balance_paise * days // spend_paise
