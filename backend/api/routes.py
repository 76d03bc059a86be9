"""The metering REST API (`/api/v1`): what a discom's systems and our HTTP client speak.

Operator keys from the environment; every failure is a 4xx with a reason, never a 500 on
bad input. Request bodies are size-limited before they are read into memory."""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.api.types import CA, PRINTABLE, IsoDate, errors
from backend.engagement.readings_intake import import_and_alert
from backend.metering.recharges import SOURCES, credit_recharge
from backend.metering.types import to_jsonable
from backend.platform.clock import utcnow
from backend.platform.errors import DomainError
from backend.services import Backend

MAX_READINGS_PER_REQUEST = 10_000
EARLIEST_PAYMENT = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=15)  # a payment system's clock may run a little ahead


class RechargeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ca_number: str = Field(pattern=r"^\d{9,12}$")
    # Strict: "500", 500.0 and true are refused rather than coerced into money.
    amount_paise: StrictInt = Field(gt=0, description="Whole paise: ₹500 is 50000")
    reference: str = Field(min_length=3, max_length=64, description="Payment reference")
    source: Literal[tuple(sorted(SOURCES))] = "upi"  # type: ignore[valid-type]
    paid_at: datetime | None = None

    @model_validator(mode="after")
    def _aware(self) -> RechargeIn:
        if self.paid_at is not None and self.paid_at.tzinfo is None:
            raise ValueError("paid_at needs a timezone offset, e.g. 2026-04-01T10:00:00+05:30")
        if self.paid_at is not None:
            try:
                at = self.paid_at.astimezone(UTC)
            except OverflowError:
                raise ValueError("paid_at is out of range") from None
            if not EARLIEST_PAYMENT <= at <= utcnow() + CLOCK_SKEW:
                raise ValueError("paid_at must be after 2000-01-01 and not in the future")
            # Stored and answered in UTC, so a replay returns exactly the first answer.
            self.paid_at = at
        return self


class LastRechargeOut(BaseModel):
    amount_paise: int
    at: datetime


class SummaryOut(BaseModel):
    """The summary's shape, for the OpenAPI schema only: the route answers JSON built from
    the row without validating it through this model (CPU on the hottest read)."""

    ca_number: str
    name: str
    tariff_category: str
    balance_paise: int
    as_of: datetime
    meter_number: str
    meter_status: Literal["connected", "disconnected"]
    meter_status_since: datetime
    average_daily_paise: int | None
    estimated_days_left: int | None = Field(
        description="Whole days the balance lasts at the recent average spend")
    last_recharge: LastRechargeOut | None
    negative_since: datetime | None
    next_disconnection_at: datetime | None = Field(
        description="Earliest allowed cut, when the balance is negative")
    arrears_paise: int


class ReadingRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ca_number: str | None = Field(default=None, pattern=r"^\d{9,12}$")
    meter_number: str | None = Field(default=None, max_length=24, pattern=PRINTABLE)
    date: IsoDate
    kwh: str = Field(description="Units that day as a decimal string, e.g. \"6.25\"")
    register_kwh: str = "0"


class ReadingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    readings: list[ReadingRow] = Field(min_length=1, max_length=MAX_READINGS_PER_REQUEST)


class BodySizeLimit:
    """Refuse bodies over `limit` bytes with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(self.limit)(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _BodyTooLarge(self.limit)
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _BodyTooLarge:
            if started:
                raise
            await _too_large(self.limit)(scope, receive, send)


class _BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI re-raises it from body parsing (a plain exception
    there becomes "400 There was an error parsing the body") and answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"request body larger than {limit} bytes"}, status_code=413)


def _key_checker(backend: Backend, write: bool):  # noqa: ANN202
    settings = backend.settings
    writers = [k.get_secret_value().encode() for k in settings.operator_api_keys]
    readers = [k.get_secret_value().encode() for k in settings.readonly_api_keys]

    # async: pure CPU, no I/O, so no thread-pool hop on every API call
    async def check(x_api_key: Annotated[str | None, Header()] = None,
                    authorization: Annotated[str | None, Header()] = None) -> None:
        key = x_api_key
        if key is None and authorization and authorization.lower().startswith("bearer "):
            key = authorization[7:].strip()
        if not writers and not readers:
            raise DomainErrorWithStatus(401, "the API is closed: no OPERATOR_API_KEYS configured")
        if not key:
            raise DomainErrorWithStatus(401, "missing API key (X-API-Key header)")
        # Compare bytes: compare_digest refuses non-ASCII str (a 500 on a stray "é").
        given = key.encode("utf-8", "surrogateescape")
        if any(hmac.compare_digest(given, k) for k in writers):
            return
        if any(hmac.compare_digest(given, k) for k in readers):
            if write:
                raise DomainErrorWithStatus(403, "this API key may only read")
            return
        raise DomainErrorWithStatus(401, "unknown API key")

    return check


class DomainErrorWithStatus(DomainError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status_code = status


def build_router(backend: Backend) -> APIRouter:
    read = [Depends(_key_checker(backend, write=False))]
    write = [Depends(_key_checker(backend, write=True))]
    metering = backend.local_metering
    router = APIRouter(prefix="/api/v1", tags=["metering"], responses=errors(401))
    found = errors(404)
    written = errors(400, 403, 413)

    @router.get("/consumers/{ca}/summary", dependencies=read,
                responses={**found, 200: {"model": SummaryOut}})
    def summary(ca: CA) -> JSONResponse:
        """Balance, as-of time, days left, last recharge, meter status, next possible cut."""
        return JSONResponse(to_jsonable(metering.summary(ca)))

    @router.get("/consumers/{ca}/usage", dependencies=read, responses=found)
    def usage(ca: CA, days: Annotated[int, Query(ge=1, le=366)] = 7) -> list[dict]:
        """Daily units and charges, newest first, each with its breakdown."""
        return to_jsonable(metering.usage(ca, days))

    @router.get("/consumers/{ca}/recharges", dependencies=read, responses=found)
    def recharges(ca: CA, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict]:
        return to_jsonable(metering.recharges(ca, limit))

    @router.get("/consumers/{ca}/charges/{day}", dependencies=read, responses=found)
    def charge(ca: CA, day: date) -> dict:
        """One day's charge explained line by line."""
        return to_jsonable(metering.explain_charge(ca, day))

    @router.post("/recharges", dependencies=write, status_code=201,
                 responses={**errors(400, 403, 404, 409, 413),
                            200: {"description": "The same reference again: the first result"}})
    def recharge(body: RechargeIn) -> JSONResponse:
        """Credit a recharge. Idempotent: the same reference again returns 200 and the
        original result; a reference reused for another recharge is 409."""
        with backend.sessions.begin() as session:
            result = credit_recharge(
                session, backend.rules, ca_number=body.ca_number,
                amount_paise=body.amount_paise, reference=body.reference, source=body.source,
                at=body.paid_at or utcnow(), tz=backend.tz)
        return JSONResponse(to_jsonable(result), status_code=201 if result.created else 200)

    @router.post("/readings", dependencies=write, responses=written)
    def readings(body: ReadingsIn) -> dict:
        """Store a batch of daily readings, then charge the days they cover."""
        rows = ((i, {"ca_number": row.ca_number or "", "meter_number": row.meter_number or "",
                     "date": row.date.isoformat(), "kwh": row.kwh,
                     "register_kwh": row.register_kwh})
                for i, row in enumerate(body.readings))
        intake = import_and_alert(backend.engine, backend.rules, backend.tz, rows, utcnow(),
                                  reach=backend.reach)
        report, alerts = intake.report, intake.alerts
        return {
            "inserted": report.inserted, "duplicates": report.duplicates,
            "unknown": report.unknown,
            "errors": [{"index": i, "reason": r} for i, r in report.errors],
            "applied": to_jsonable(report.applied),
            "alerts_queued": alerts.queued if alerts else {},
        }

    return router


def install_api(app: FastAPI, backend: Backend) -> None:
    from backend.api.staff import build_staff_router

    app.include_router(build_router(backend))
    app.include_router(build_staff_router(
        backend, read=[Depends(_key_checker(backend, write=False))],
        write=[Depends(_key_checker(backend, write=True))]))

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes each bad `input` back, which fails to serialise (a 500)
        # for NaN/Infinity from JSON and repeats whole 10,000-row batches: where and why only.
        return JSONResponse(
            {"detail": [{"type": e.get("type"), "loc": list(e.get("loc", ())),
                         "msg": str(e.get("msg", ""))} for e in exc.errors()]},
            status_code=422)
