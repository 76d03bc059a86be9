"""Low-balance alert bands as data: parsed from the `alerts` section of the rules file.

A band is a name, a condition from a small vocabulary, a severity (its order, stored in
`alert_states.band`), a message key and an urgency (whether it may go out in quiet hours).
The alert scan (backend.engagement.alerts) compiles the bands into one CASE in severity
order, so adding a band is configuration plus catalog entries. See docs/ARCHITECTURE.md,
"An alert band".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from backend.platform.clock import LocalHours

#: The condition vocabulary: the name written in the rules file, and whether it takes a value.
DAYS_LEFT = "days_left"  # estimated days left <= N (recent daily average)
AMOUNT_LEFT = "amount_left"  # balance <= Rs X
PERCENT_OF_LAST_RECHARGE = "percent_of_last_recharge"  # balance <= P% of the last recharge
ZERO = "zero"  # balance exactly zero
NEGATIVE = "negative"  # balance below zero
HOURS_BEFORE_CUT = "hours_before_cut"  # negative, and the earliest cut <= H hours away
CONDITIONS = {DAYS_LEFT: True, AMOUNT_LEFT: True, PERCENT_OF_LAST_RECHARGE: True,
              ZERO: False, NEGATIVE: False, HOURS_BEFORE_CUT: True}
#: Bands on these conditions only ever match a negative balance: their alerts carry `cut_at`.
CUT_CONDITIONS = frozenset({NEGATIVE, HOURS_BEFORE_CUT})
#: What a meter already cut (and not yet above the reconnect threshold) is sent instead of
#: any band's message: how to get the supply back, never that it "may be cut". Every alert
#: carries `need_paise`, the reconnect amount of backend.metering.reconnect (NULL above it).
DISCONNECTED_MESSAGE = "alert.negative_disconnected"
#: The days band of one day says "a day", not "1 days" (the threshold is the band's).
ONE_DAY_MESSAGE = "alert.low_balance_one_day"


class AlertRulesError(ValueError):
    """The alerts section is malformed; the message names the band and the problem
    (parse_rules turns it into a RulesError)."""


@dataclass(frozen=True)
class Condition:
    """One test on an account; `value` is in integer units: days, paise, basis points of
    a percent, or hours (None for zero and negative)."""

    kind: str
    value: int | None = None

    @property
    def params(self) -> frozenset[str]:
        """Message parameters the condition adds to every alert of its band."""
        return frozenset({DAYS_LEFT: {"days"}, PERCENT_OF_LAST_RECHARGE: {"percent"}}
                         .get(self.kind, set()))


@dataclass(frozen=True)
class AlertBand:
    """`when` holds when all its conditions do; `urgent` is True, False or conditions that
    decide per account whether the alert may go out in quiet hours."""

    name: str
    severity: int  # > 0; 0 means "no band". Stored: renumbering re-alerts or silences.
    when: tuple[Condition, ...]
    message: str  # catalog key
    urgent: bool | tuple[Condition, ...] = False

    @property
    def with_cut_time(self) -> bool:
        """Alerts of a band that only matches negative balances say when a cut may come."""
        return any(c.kind in CUT_CONDITIONS for c in self.when)

    @property
    def params(self) -> frozenset[str]:
        """Every parameter the band's message may use (outbox names, e.g. balance_paise)."""
        names = {"balance_paise", "need_paise", *(p for c in self.when for p in c.params)}
        return frozenset(names | ({"cut_at"} if self.with_cut_time else set()))


DEFAULT_BANDS = (
    AlertBand("days_3", 1, (Condition(DAYS_LEFT, 3),), "alert.low_balance_days"),
    AlertBand("days_1", 2, (Condition(DAYS_LEFT, 1),), ONE_DAY_MESSAGE),
    AlertBand("amount", 100, (Condition(AMOUNT_LEFT, 5000),), "alert.low_balance_amount"),
    AlertBand("zero", 101, (Condition(ZERO),), "alert.zero_balance"),
    AlertBand("negative", 102, (Condition(NEGATIVE),), "alert.negative_balance",
              urgent=(Condition(HOURS_BEFORE_CUT, 24),)),
)
DEFAULT_QUIET = LocalHours.parse("21:00", "08:00")


@dataclass(frozen=True)
class AlertRules:
    """The bands, least severe first, and the local hours non-urgent alerts wait out."""

    bands: tuple[AlertBand, ...] = DEFAULT_BANDS
    quiet: LocalHours = DEFAULT_QUIET

    def band(self, severity: int) -> AlertBand | None:
        return next((b for b in self.bands if b.severity == severity), None)

    def missing_messages(self, known: Collection[str]) -> list[str]:
        """Bands whose message key is not in `known` (a catalog's keys), as readable lines:
        the composition root or a test checks the catalogs, which the backend cannot see."""
        return [f"alert band {b.name!r}: message {b.message!r} is not in the catalog"
                for b in self.bands if b.message not in known]


# ----------------------------------------------------------------------------- parsing


def _number(band: str, kind: str, raw: object, scale: int) -> int:
    """A positive-or-zero decimal as an integer of `scale` units; floats are refused for
    money (amount_left), as everywhere in the rules file."""
    if isinstance(raw, bool) or raw is None or (kind == AMOUNT_LEFT and isinstance(raw, float)):
        raise AlertRulesError(f"alert band {band!r}: {kind} needs a number"
                              + (' written as a quoted decimal, e.g. "50.00"'
                                 if kind == AMOUNT_LEFT else "") + f", not {raw!r}")
    try:
        value = Decimal(str(raw)) * scale
    except InvalidOperation as exc:
        raise AlertRulesError(f"alert band {band!r}: {kind} is not a number: {raw!r}") from exc
    if value != value.to_integral_value() or value < 0:
        raise AlertRulesError(f"alert band {band!r}: bad {kind} value {raw!r}")
    return int(value)


_SCALE = {DAYS_LEFT: 1, AMOUNT_LEFT: 100, PERCENT_OF_LAST_RECHARGE: 100, HOURS_BEFORE_CUT: 1}


def _conditions(band: str, field: str, raw: object) -> tuple[Condition, ...]:
    """`zero`, `negative`, or a mapping {condition: value, ...} (all must hold)."""
    items: list[tuple[str, object]]
    if isinstance(raw, str):
        items = [(raw, None)]
    elif isinstance(raw, Mapping) and raw:
        items = [(str(k), v) for k, v in raw.items()]
    else:
        raise AlertRulesError(f"alert band {band!r}: {field} must be a condition such as "
                              f"`zero` or {{days_left: 3}}, not {raw!r}")
    out = []
    for kind, value in items:
        if kind not in CONDITIONS:
            raise AlertRulesError(
                f"alert band {band!r}: unknown condition {kind!r} in {field}; known: "
                + ", ".join(CONDITIONS))
        if not CONDITIONS[kind]:
            if value not in (None, True):
                raise AlertRulesError(f"alert band {band!r}: {kind} takes no value")
            out.append(Condition(kind))
            continue
        number = _number(band, kind, value, _SCALE[kind])
        if kind in (DAYS_LEFT, HOURS_BEFORE_CUT) and number <= 0:
            raise AlertRulesError(f"alert band {band!r}: {kind} must be positive")
        out.append(Condition(kind, number))
    return tuple(out)


def _urgency(band: str, raw: object) -> bool | tuple[Condition, ...]:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    return _conditions(band, "urgent", raw)


def _band(raw: object, index: int) -> AlertBand:
    if not isinstance(raw, Mapping):
        raise AlertRulesError(f"alerts.bands[{index}] must be a mapping, not {raw!r}")
    name = str(raw.get("name") or "")
    if not name.replace("_", "").isalnum():
        raise AlertRulesError(f"alerts.bands[{index}]: a band needs a name of letters, "
                              f"digits and _, not {raw.get('name')!r}")
    unknown = set(raw) - {"name", "severity", "when", "message", "urgent"}
    if unknown:
        raise AlertRulesError(f"alert band {name!r}: unknown field(s) {', '.join(sorted(unknown))}")
    severity = raw.get("severity")
    if isinstance(severity, bool) or not isinstance(severity, int) or not 0 < severity < 2**31:
        raise AlertRulesError(f"alert band {name!r}: severity must be a whole number > 0, "
                              f"not {severity!r}")
    message = raw.get("message")
    if not isinstance(message, str) or not message:
        raise AlertRulesError(f"alert band {name!r}: message must be a catalog key")
    if "when" not in raw:
        raise AlertRulesError(f"alert band {name!r}: no condition (when)")
    return AlertBand(name, severity, _conditions(name, "when", raw["when"]), message,
                     _urgency(name, raw.get("urgent")))


def _legacy_bands(raw: Mapping) -> tuple[AlertBand, ...]:
    """The bands an older rules file meant with `days_left: [...]` and `balance_at_or_below`,
    numbered as before (days bands 1..n from the most days, then 100, 101, 102)."""
    days = sorted({int(d) for d in raw.get("days_left", (3, 1))}, reverse=True)
    if any(d <= 0 for d in days):
        raise AlertRulesError("alerts.days_left must be positive")
    amount = (_number("amount", AMOUNT_LEFT, raw["balance_at_or_below"], 100)
              if "balance_at_or_below" in raw else 5000)
    legacy = [AlertBand(f"days_{d}", i, (Condition(DAYS_LEFT, d),),
                        ONE_DAY_MESSAGE if d == 1 else "alert.low_balance_days")
              for i, d in enumerate(days, 1)]
    return (*legacy, AlertBand("amount", 100, (Condition(AMOUNT_LEFT, amount),),
                               "alert.low_balance_amount"), *DEFAULT_BANDS[3:])


def parse_alerts(raw: Mapping | None) -> AlertRules:
    """The `alerts` section; defaults when it is missing, so older rules files still load."""
    raw = raw or {}
    quiet = raw.get("quiet_hours") or {}
    try:
        hours = LocalHours.parse(quiet.get("start", "21:00"), quiet.get("end", "08:00"))
    except ValueError as exc:
        raise AlertRulesError(f"alerts.quiet_hours: {exc}") from exc
    if "bands" not in raw:
        bands = _legacy_bands(raw)
        if "urgent_within_hours" in raw:  # the old name of the negative band's urgency
            urgent = (Condition(HOURS_BEFORE_CUT, int(raw["urgent_within_hours"])),)
            bands = (*bands[:-1], replace(bands[-1], urgent=urgent))
        return AlertRules(bands, hours)
    old = {"days_left", "balance_at_or_below", "urgent_within_hours"} & set(raw)
    if old:
        raise AlertRulesError(f"alerts: {', '.join(sorted(old))} belong(s) to the old format; "
                              "with `bands` declare them as bands instead")
    if not isinstance(raw["bands"], list) or not raw["bands"]:
        raise AlertRulesError("alerts.bands must be a non-empty list of bands")
    bands = [_band(b, i) for i, b in enumerate(raw["bands"])]
    for attr in ("name", "severity"):
        seen: set[object] = set()
        for b in bands:
            if getattr(b, attr) in seen:
                raise AlertRulesError(f"alerts.bands: duplicate {attr} {getattr(b, attr)!r}")
            seen.add(getattr(b, attr))
    return AlertRules(tuple(sorted(bands, key=lambda b: b.severity)), hours)
