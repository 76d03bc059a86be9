"""`MeteringService` for a remote metering system that speaks our REST API, so a discom
can put its own meter-data system behind an adapter with the same contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime
from typing import TypeVar
from urllib.parse import quote

import httpx

from backend.metering.types import (
    AccountSummary,
    ChargeExplanation,
    ChargeLine,
    DailyUsage,
    LastRecharge,
    Recharge,
)
from backend.platform.errors import DomainError, InvalidInput, NotFound


class MeteringUnavailable(DomainError):
    status_code = 503


T = TypeVar("T")


def _known(cls: type, raw: dict) -> dict:
    """Only the fields `cls` has: a newer server may add fields without breaking us."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in raw.items() if k in names}


def _decode(build: Callable[[], T]) -> T:
    try:
        return build()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MeteringUnavailable(
            f"metering service gave an answer we cannot read: {type(exc).__name__}") from exc


def _ca(ca_number: str) -> str:
    return quote(str(ca_number), safe="")


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _lines(raw: list[dict]) -> tuple[ChargeLine, ...]:
    return tuple(ChargeLine(**_known(ChargeLine, line)) for line in raw)


class HttpMeteringService:
    def __init__(self, base_url: str, *, api_key: str | None = None, timeout_s: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/") + "/api/v1",
                                    headers=headers, timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self._client.close()

    def _get(self, path: str, **params: object) -> object:
        try:
            response = self._client.get(path, params=params or None)
        except httpx.HTTPError as exc:
            raise MeteringUnavailable(f"metering service unreachable: {type(exc).__name__}") \
                from exc
        if response.status_code == 404:
            raise NotFound(_detail(response))
        if response.status_code == 422:
            raise InvalidInput(_detail(response))
        if response.status_code >= 400:
            raise MeteringUnavailable(
                f"metering service answered {response.status_code}: {_detail(response)}")
        return _decode(response.json)

    def summary(self, ca_number: str) -> AccountSummary:
        raw = self._get(f"/consumers/{_ca(ca_number)}/summary")

        def build() -> AccountSummary:
            last = raw.get("last_recharge")  # type: ignore[union-attr]
            return AccountSummary(**{
                **_known(AccountSummary, raw),  # type: ignore[arg-type]
                "as_of": _dt(raw["as_of"]),  # type: ignore[index]
                "meter_status_since": _dt(raw["meter_status_since"]),  # type: ignore[index]
                "negative_since": _dt(raw.get("negative_since")),  # type: ignore[union-attr]
                "next_disconnection_at": _dt(
                    raw.get("next_disconnection_at")),  # type: ignore[union-attr]
                "last_recharge": LastRecharge(last["amount_paise"], _dt(last["at"]))
                if last else None,
            })

        return _decode(build)

    def usage(self, ca_number: str, days: int) -> list[DailyUsage]:
        raw = self._get(f"/consumers/{_ca(ca_number)}/usage", days=days)
        return _decode(lambda: [
            DailyUsage(date.fromisoformat(d["day"]), d["units_wh"], d["charge_paise"],
                       _lines(d["lines"])) for d in raw])  # type: ignore[union-attr]

    def recharges(self, ca_number: str, limit: int = 10) -> list[Recharge]:
        raw = self._get(f"/consumers/{_ca(ca_number)}/recharges", limit=limit)
        return _decode(lambda: [
            Recharge(r["reference"], r["amount_paise"], _dt(r["at"]), r.get("source"))
            for r in raw])  # type: ignore[union-attr]

    def within(self, session: object) -> HttpMeteringService:
        """Remote: our database session has nothing to do with it."""
        return self

    def explain_charge(self, ca_number: str, day: date) -> ChargeExplanation:
        raw = self._get(f"/consumers/{_ca(ca_number)}/charges/{day.isoformat()}")
        return _decode(lambda: ChargeExplanation(**{
            **_known(ChargeExplanation, raw),  # type: ignore[arg-type]
            "day": date.fromisoformat(raw["day"]),  # type: ignore[index]
            "lines": _lines(raw["lines"])}))  # type: ignore[index]


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail or response.reason_phrase)
