"""The assistant's own configuration (helpline, official app and recharge links per discom,
FAQ facts).

Tariffs and cut rules live in the backend's rules file; this file holds what only the
assistant says. Both are data so that an operator changes links or numbers without code.
Facts that differ between discoms (websites, the recharge page, app links, office numbers)
sit under `discoms:`, keyed by the discom code a consumer's circle belongs to
(bot/dialogue/facts.py picks them per conversation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from backend.metering.rules import rupees_to_paise

DEFAULT_ASSISTANT_FILE = Path(__file__).resolve().parent.parent / "data" / "assistant.yml"


class ConfigError(ValueError):
    """The assistant file is missing a value or has one that makes no sense."""


@dataclass(frozen=True)
class DiscomFacts:
    """What differs between discoms: where to recharge, which app links, which numbers.
    `region` names the discom for consumers, per language ("North Bihar")."""

    code: str
    region: Mapping[str, str]
    website: str
    recharge_website: str
    android: str
    ios: str
    phones: tuple[str, ...] = ()

    def region_in(self, language: str) -> str:
        return self.region.get(language) or self.region.get("en") or self.code

    @classmethod
    def from_dict(cls, code: str, raw: Mapping[str, Any], app: Mapping[str, Any]) -> DiscomFacts:
        own_app = raw.get("app") or {}
        region = raw.get("region") or {}
        if not isinstance(region, Mapping):
            raise ConfigError(f"discoms.{code}.region must map languages to names")
        return cls(
            code=code,
            region={str(k): str(v) for k, v in region.items()},
            website=str(raw["website"]),
            recharge_website=str(raw.get("recharge_website") or raw["website"]),
            android=str(own_app.get("android") or app["android"]),
            ios=str(own_app.get("ios") or app["ios"]),
            phones=tuple(str(p) for p in raw.get("phones") or ()),
        )


@dataclass(frozen=True)
class AssistantConfig:
    helpline: str
    app_name: str
    app_android: str
    app_ios: str
    recharge_channels: tuple[str, ...]
    suggested_recharge_paise: int
    emergency_hold_seconds: str
    emergency_days: int
    supply_restore_minutes: int
    first_week_days: int
    failures_before_human: int
    office_open: str = "10:00"
    office_close: str = "17:00"
    discoms: Mapping[str, DiscomFacts] = field(default_factory=dict)

    def discom(self, code: str | None) -> DiscomFacts | None:
        """The facts of discom `code` (case-insensitive), or None if not configured."""
        return self.discoms.get((code or "").upper())

    @property
    def discom_website(self) -> str:
        """Every discom's website, for a caller that does not know the consumer's discom."""
        return " / ".join(dict.fromkeys(d.website for d in self.discoms.values()))

    @property
    def recharge_website(self) -> str:
        """Every discom's recharge page (see `discom_website`)."""
        return " / ".join(dict.fromkeys(d.recharge_website for d in self.discoms.values()))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AssistantConfig:
        try:
            app, recharge = raw["app"], raw["recharge"]
            emergency = raw.get("emergency_credit", {})
            conv = raw.get("conversation", {})
            return cls(
                helpline=str(raw["helpline"]),
                app_name=str(app["name"]),
                app_android=str(app["android"]),
                app_ios=str(app["ios"]),
                recharge_channels=tuple(str(c) for c in recharge["channels"]),
                suggested_recharge_paise=rupees_to_paise(
                    recharge.get("suggested_minimum", "200.00")),
                emergency_hold_seconds=str(emergency.get("hold_button_seconds", "20-30")),
                emergency_days=int(emergency.get("days", 3)),
                supply_restore_minutes=int(raw.get("supply_restore_minutes", 15)),
                first_week_days=int(raw.get("first_week_days", 7)),
                failures_before_human=int(conv.get("failures_before_human", 3)),
                office_open=str(raw.get("handoff", {}).get("office_open", "10:00")),
                office_close=str(raw.get("handoff", {}).get("office_close", "17:00")),
                discoms=_discoms(raw, app),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"assistant file is incomplete or malformed: {exc!r}") from exc


def _discoms(raw: Mapping[str, Any], app: Mapping[str, Any]) -> dict[str, DiscomFacts]:
    """`discoms:` by code; a file of the older one-discom shape (top-level
    `discom_website` and `recharge.website`) becomes one discom, "DEFAULT"."""
    section = raw.get("discoms")
    if section is None:
        website = str(raw["discom_website"])
        section = {"DEFAULT": {"website": website,
                               "recharge_website": raw["recharge"].get("website") or website}}
    if not isinstance(section, Mapping) or not section:
        raise ConfigError("assistant file: `discoms` must list at least one discom by code")
    return {str(code).upper(): DiscomFacts.from_dict(str(code).upper(), facts or {}, app)
            for code, facts in section.items()}


def load_assistant_config(path: Path | None = None) -> AssistantConfig:
    path = Path(path or DEFAULT_ASSISTANT_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read assistant file {path}: {exc}") from exc
    return AssistantConfig.from_dict(raw)
