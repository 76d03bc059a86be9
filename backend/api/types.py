"""The API's shared input types and error responses, in one place so every route validates
ids and text the same way and the OpenAPI schema says what it answers.

Ids are BIGINT columns: larger (or negative) ids are a 422, not a database error. Free
text is cleaned of control characters (backend/platform/text.py); identifiers that would
change meaning if cleaned (payment references, meter numbers) refuse them instead."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from backend.platform.text import clean_text

MAX_ID = 2**63 - 1
#: A row id in a path: 1 … 2^63-1.
ID = Annotated[int, Path(ge=1, le=MAX_ID, description="Row id (1 to 2^63-1)")]
#: A consumer (CA) number in a path.
CA = Annotated[str, Path(pattern=r"^\d{9,12}$", description="Consumer (CA) number")]
#: A complaint ticket in a path.
TICKET = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{4,16}$", description="Ticket")]
def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


def _iso_only(value: Any) -> Any:  # noqa: ANN401 - what the JSON held
    if not isinstance(value, str | date):
        raise ValueError("a date is an ISO string, e.g. 2026-04-01")
    return value


#: A date in a body: an ISO string only (lax mode read 0 as 1970-01-01, a Unix time).
IsoDate = Annotated[date, BeforeValidator(_iso_only)]
#: Free text in a body (notes, replies, reasons), stored clean.
FreeText = Annotated[str, AfterValidator(clean_text)]
#: Free text that must say something once cleaned (a staff name, a reply).
RequiredText = Annotated[str, AfterValidator(clean_text), AfterValidator(_not_blank)]
#: An identifier in a body: printable, no control characters (refused, not changed).
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]*$"


class ErrorOut(BaseModel):
    """Every 4xx but 422: what went wrong, in words."""

    detail: str = Field(description="The reason")


class ValidationItem(BaseModel):
    type: str | None = None
    loc: list[str | int]
    msg: str


class ValidationOut(BaseModel):
    """422: the request is well-formed but invalid: a list of field errors (where and why,
    without echoing the input) or one reason from the use case."""

    detail: list[ValidationItem] | str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route or router: the listed 4xx codes with the error body."""
    text = {401: "No or unknown API key", 403: "This key may only read",
            404: "Not found", 409: "Conflicts with the current state",
            413: "Request body too large", 400: "Bad request"}
    out: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorOut, "description": text.get(code, "Error")} for code in codes}
    out[422] = {"model": ValidationOut, "description": "Invalid input"}
    return out
