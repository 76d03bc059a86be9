"""Tariff and prepaid rules loaded from a YAML file: every discom/year difference is data.

Times in the file are local: the `TIMEZONE` setting's zone, which callers pass with the
rules (Backend.tz); the alert bands live in backend.metering.alert_rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import yaml

from backend.metering.alert_rules import AlertRules, AlertRulesError, parse_alerts
from backend.platform.clock import LocalHours, hhmm

#: TRAI's window for promotional messages, in the TIMEZONE setting's local time.
PROMOTIONAL_HOURS = LocalHours(time(10, 0), time(21, 0))

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class RulesError(ValueError):
    """The rules file is missing a value or has one that makes no sense."""


def rupees_to_paise(value: object) -> int:
    """Exact conversion: "7.42" -> 742. Floats are refused, they are not exact."""
    if isinstance(value, float):
        raise RulesError(f"write money as a quoted decimal, not a float: {value!r}")
    amount = Decimal(str(value)) * 100
    if amount != amount.to_integral_value():
        raise RulesError(f"money has more than 2 decimals: {value!r}")
    return int(amount)


def _percent_to_bp(value: object) -> int:
    """Percent as basis points (6 -> 600, 2.5 -> 250) so arithmetic stays integer."""
    bp = Decimal(str(value)) * 100
    if bp != bp.to_integral_value() or bp < 0:
        raise RulesError(f"bad percentage: {value!r}")
    return int(bp)


def _hhmm(value: str) -> time:
    try:
        return hhmm(value)
    except ValueError as exc:
        raise RulesError(str(exc)) from exc


@dataclass(frozen=True)
class Slab:
    up_to_units: int | None  # inclusive upper bound on the month's cumulative units
    rate_paise: int  # paise per kWh


@dataclass(frozen=True)
class Tariff:
    code: str
    name: str
    name_hi: str
    slabs: tuple[Slab, ...]
    fixed_paise_per_kw_month: int


@dataclass(frozen=True)
class ChargeRules:
    duty_bp: int
    rebate_bp: int
    free_units_per_month: int
    free_units_categories: frozenset[str]
    arrears_daily_instalment_paise: int


@dataclass(frozen=True)
class DisconnectionRules:
    grace_hours: int
    window_start: time
    window_end: time
    happy_start: time
    happy_end: time
    no_cut_weekdays: frozenset[int]
    holidays_md: frozenset[str]
    holiday_dates: frozenset[date]

    def is_holiday(self, day: date) -> bool:
        return day in self.holiday_dates or day.strftime("%m-%d") in self.holidays_md

    def is_cut_day(self, day: date) -> bool:
        return day.weekday() not in self.no_cut_weekdays and not self.is_holiday(day)


@dataclass(frozen=True)
class Rules:
    tariffs: dict[str, Tariff]
    charges: ChargeRules
    recharge_min_paise: int
    recharge_max_paise: int
    disconnection: DisconnectionRules
    average_days: int
    alerts: AlertRules = AlertRules()
    reconnect_above_paise: int = 0  # supply returns once the balance is above this
    promotional_hours: LocalHours = PROMOTIONAL_HOURS  # promotional broadcasts only then

    def tariff(self, code: str) -> Tariff:
        try:
            return self.tariffs[code]
        except KeyError as exc:
            raise RulesError(f"no tariff for category {code!r}") from exc


def _parse_tariff(code: str, raw: dict) -> Tariff:
    slabs = []
    last = 0
    for i, slab in enumerate(raw["slabs"]):
        up_to = slab.get("up_to")
        if up_to is None and i != len(raw["slabs"]) - 1:
            raise RulesError(f"{code}: only the last slab may be open-ended")
        if up_to is not None and int(up_to) <= last:
            raise RulesError(f"{code}: slabs must increase")
        slabs.append(Slab(None if up_to is None else int(up_to), rupees_to_paise(slab["rate"])))
        last = int(up_to or last)
    if slabs[-1].up_to_units is not None:
        raise RulesError(f"{code}: the last slab must be open-ended (up_to: null)")
    return Tariff(
        code=code,
        name=raw.get("name", code),
        name_hi=raw.get("name_hi", raw.get("name", code)),
        slabs=tuple(slabs),
        fixed_paise_per_kw_month=rupees_to_paise(raw["fixed_charge_per_kw_month"]),
    )


def _promotional_hours(raw: dict | None) -> LocalHours:
    hours = (raw or {}).get("promotional_hours")
    return _hours(hours) if hours else PROMOTIONAL_HOURS


def _hours(raw: dict) -> LocalHours:
    return LocalHours(_hhmm(raw["start"]), _hhmm(raw["end"]))


def parse_rules(raw: dict) -> Rules:
    try:
        charges = raw["charges"]
        cut = raw["disconnection"]
        weekdays = {WEEKDAYS.index(d.lower()) for d in cut.get("no_cut_weekdays", [])}
        return Rules(
            tariffs={code: _parse_tariff(code, t) for code, t in raw["tariffs"].items()},
            charges=ChargeRules(
                duty_bp=_percent_to_bp(charges["electricity_duty_percent"]),
                rebate_bp=_percent_to_bp(charges["prepaid_rebate_percent"]),
                free_units_per_month=int(charges.get("free_units_per_month", 0)),
                free_units_categories=frozenset(charges.get("free_units_categories", [])),
                arrears_daily_instalment_paise=rupees_to_paise(
                    charges.get("arrears_daily_instalment", "0")
                ),
            ),
            recharge_min_paise=rupees_to_paise(raw["recharge"]["minimum"]),
            recharge_max_paise=rupees_to_paise(raw["recharge"]["maximum"]),
            disconnection=DisconnectionRules(
                grace_hours=int(cut["grace_hours"]),
                window_start=_hhmm(cut["window"]["start"]),
                window_end=_hhmm(cut["window"]["end"]),
                happy_start=_hhmm(cut["happy_hours"]["start"]),
                happy_end=_hhmm(cut["happy_hours"]["end"]),
                no_cut_weekdays=frozenset(weekdays),
                holidays_md=frozenset(str(d) for d in cut.get("holidays", [])),
                holiday_dates=frozenset(
                    date.fromisoformat(str(d)) for d in cut.get("holiday_dates", [])
                ),
            ),
            average_days=int(raw.get("estimate", {}).get("average_days", 7)),
            alerts=parse_alerts(raw.get("alerts")),
            reconnect_above_paise=rupees_to_paise(
                raw["recharge"].get("reconnect_above", "0.00")),
            promotional_hours=_promotional_hours(raw.get("broadcasts")),
        )
    except AlertRulesError as exc:
        raise RulesError(str(exc)) from exc
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, RulesError):
            raise
        raise RulesError(f"rules file is incomplete or malformed: {exc!r}") from exc


def load_rules(path: Path) -> Rules:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"cannot read rules file {path}: {exc}") from exc
    return parse_rules(raw)
