"""The metering contract the assistant relies on: plain frozen dataclasses that travel
unchanged between the local service, the REST API and the HTTP client."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class LastRecharge:
    amount_paise: int
    at: datetime


@dataclass(frozen=True)
class AccountSummary:
    ca_number: str
    name: str
    tariff_category: str
    balance_paise: int
    as_of: datetime
    meter_number: str
    meter_status: str
    meter_status_since: datetime
    average_daily_paise: int | None
    estimated_days_left: int | None  # whole days the balance lasts at the recent average
    last_recharge: LastRecharge | None
    negative_since: datetime | None
    next_disconnection_at: datetime | None  # earliest allowed cut, when negative
    arrears_paise: int


@dataclass(frozen=True)
class ChargeLine:
    """One line of a day's charge. `kind`: energy, free_units, rebate, fixed, duty, arrears.
    For energy lines `units_wh` and `rate_paise` say "units × rate"."""

    kind: str
    amount_paise: int  # debit positive, credit (free units, rebate) negative
    units_wh: int | None = None
    rate_paise: int | None = None


@dataclass(frozen=True)
class DailyUsage:
    day: date
    units_wh: int
    charge_paise: int
    lines: tuple[ChargeLine, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ChargeExplanation:
    ca_number: str
    day: date
    units_wh: int
    month_units_before_wh: int
    total_paise: int
    lines: tuple[ChargeLine, ...]


@dataclass(frozen=True)
class Recharge:
    reference: str
    amount_paise: int
    at: datetime
    source: str | None


class MeteringService(Protocol):
    """What the assistant asks of a prepaid metering system. Implementations: the local
    database (`LocalMeteringService`) and a remote one over HTTP (`HttpMeteringService`)."""

    def summary(self, ca_number: str) -> AccountSummary: ...

    def usage(self, ca_number: str, days: int) -> list[DailyUsage]: ...

    def recharges(self, ca_number: str, limit: int = 10) -> list[Recharge]: ...

    def explain_charge(self, ca_number: str, day: date) -> ChargeExplanation: ...

    def within(self, session: Session) -> MeteringService:
        """This service for one transaction of ours: the local one reads through
        `session`; a remote one ignores it."""
        ...


def to_jsonable(value: Any) -> Any:
    """Dataclasses to JSON-ready dicts (ISO dates), for the API and the CLI."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
