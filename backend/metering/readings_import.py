"""Readings import, the one use case behind `sahayak readings import FILE` and
`POST /api/v1/readings`: numbered rows in -> parse -> store -> charge the days they cover,
all in one transaction -> a report (inserted, duplicates, unknown ids, errors by line or
index, days charged). Bad rows are reported and skipped; a bad file (header, encoding)
loads nothing.

The alert scan that follows an import lives a layer up, in
`backend.engagement.readings_intake`: metering knows nothing of alerts."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from backend.metering.readings import IngestReport, ReadingIn, apply_days, ingest, parse_reading
from backend.metering.rules import Rules
from backend.platform.clock import local_day
from backend.platform.errors import InvalidInput

#: A row as the parser reads it (CSV columns or API fields), with the number the report
#: uses for it: the CSV line, or the index in an API batch.
NumberedRow = tuple[int, Mapping[str, str]]
Source = Path | Iterable[NumberedRow]
#: Called with each row's number as it is read (a progress bar).
Progress = Callable[[int], None]

HEADER_ERROR = ("CSV header must have date, kwh, register_kwh and ca_number or "
                "meter_number")


def csv_rows(handle: TextIO) -> Iterator[NumberedRow]:
    """The rows of a readings CSV numbered by line (the header is line 1)."""
    reader = csv.DictReader(handle)
    fields = set(reader.fieldnames or [])
    if {"date", "kwh"} - fields or not {"ca_number", "meter_number"} & fields:
        raise InvalidInput(HEADER_ERROR)
    for row in reader:
        yield reader.line_num, row


def import_readings(engine: Engine, rules: Rules, tz: ZoneInfo, source: Source,
                    now: datetime, *, progress: Progress | None = None) -> IngestReport:
    """Load `source` (a CSV file, or numbered rows) and charge the days it covers.

    Raises InvalidInput for a file that cannot be read as a readings CSV; nothing is
    stored then. Row problems go to `report.errors` as (line or index, reason)."""
    if not isinstance(source, Path):
        return _load(engine, rules, source, local_day(now, tz), now, progress)
    try:
        handle = open(source, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise InvalidInput(f"cannot read {source}: {exc.strerror or exc}") from exc
    with handle:
        try:
            return _load(engine, rules, csv_rows(handle), local_day(now, tz), now, progress)
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"the file is not UTF-8 text ({exc.reason} at byte "
                               f"{exc.start})") from exc
        except csv.Error as exc:
            raise InvalidInput(f"the file is not a readable CSV: {exc}") from exc


def _load(engine: Engine, rules: Rules, rows: Iterable[NumberedRow], today: date,
          now: datetime, progress: Progress | None) -> IngestReport:
    """Parse, store and charge in one transaction: a file-level error stores nothing."""
    report = IngestReport()
    with engine.begin() as conn:
        ingest(conn, _parsed(rows, today, report, progress), now, report)
        report.applied = apply_days(conn, rules, report.days, now)
    return report


def _parsed(rows: Iterable[NumberedRow], today: date, report: IngestReport,
            progress: Progress | None) -> Iterator[ReadingIn]:
    for number, row in rows:
        if progress is not None:
            progress(number)
        try:
            yield parse_reading(dict(row), today)
        except ValueError as exc:
            report.errors.append((number, str(exc)))
