"""The assistant's own configuration (helpline, official app and recharge links, FAQ facts).

Tariffs and cut rules live in the backend's rules file; this file holds what only the
assistant says. Both are data so that an operator changes links or numbers without code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backend.metering.rules import rupees_to_paise

DEFAULT_ASSISTANT_FILE = Path(__file__).resolve().parent.parent / "data" / "assistant.yml"


class ConfigError(ValueError):
    """The assistant file is missing a value or has one that makes no sense."""


@dataclass(frozen=True)
class AssistantConfig:
    helpline: str
    discom_website: str
    app_name: str
    app_android: str
    app_ios: str
    recharge_channels: tuple[str, ...]
    recharge_website: str
    suggested_recharge_paise: int
    emergency_hold_seconds: str
    emergency_days: int
    supply_restore_minutes: int
    first_week_days: int
    failures_before_human: int
    office_open: str = "10:00"
    office_close: str = "17:00"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AssistantConfig:
        try:
            app, recharge = raw["app"], raw["recharge"]
            emergency = raw.get("emergency_credit", {})
            conv = raw.get("conversation", {})
            return cls(
                helpline=str(raw["helpline"]),
                discom_website=str(raw["discom_website"]),
                app_name=str(app["name"]),
                app_android=str(app["android"]),
                app_ios=str(app["ios"]),
                recharge_channels=tuple(str(c) for c in recharge["channels"]),
                recharge_website=str(recharge["website"]),
                suggested_recharge_paise=rupees_to_paise(
                    recharge.get("suggested_minimum", "200.00")),
                emergency_hold_seconds=str(emergency.get("hold_button_seconds", "20-30")),
                emergency_days=int(emergency.get("days", 3)),
                supply_restore_minutes=int(raw.get("supply_restore_minutes", 15)),
                first_week_days=int(raw.get("first_week_days", 7)),
                failures_before_human=int(conv.get("failures_before_human", 3)),
                office_open=str(raw.get("handoff", {}).get("office_open", "10:00")),
                office_close=str(raw.get("handoff", {}).get("office_close", "17:00")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"assistant file is incomplete or malformed: {exc!r}") from exc


def load_assistant_config(path: Path | None = None) -> AssistantConfig:
    path = Path(path or DEFAULT_ASSISTANT_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read assistant file {path}: {exc}") from exc
    return AssistantConfig.from_dict(raw)
