"""The readings import use case (`backend.metering.readings_import`) and the import with its
alert scan (`backend.engagement.readings_intake`) that the CLI and the REST API both call:
CSV files and numbered rows, errors by line, bad files load nothing; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.engagement.readings_intake import import_and_alert
from backend.metering.readings_import import import_readings
from backend.metering.rules import Rules
from backend.models import DailyReading, LedgerEntry
from backend.platform.errors import InvalidInput
from tests.factories import link_contact, make_consumer

TZ = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 4, 20, 7, 0, tzinfo=UTC)  # 12:30 IST, outside quiet hours
D1, D2 = date(2026, 4, 18), date(2026, 4, 19)


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _csv(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "readings.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_csv_file_is_parsed_stored_and_charged_with_errors_by_line(
        engine: Engine, rules: Rules, session_factory: sessionmaker[Session],
        tmp_path: Path) -> None:
    with session_factory.begin() as s:
        a, b = make_consumer(s, balance_paise=50_000), make_consumer(s, balance_paise=50_000)
        ca, meter = a.ca_number, b.meter.meter_number
    path = _csv(tmp_path,
                "ca_number,meter_number,date,kwh,register_kwh",  # 1
                f"{ca},,{D1},5.5,100.5",                          # 2 good
                f",{meter},{D1},3,40",                            # 3 good
                f"{ca},,{D2},lots,0",                             # 4 not a number
                ",NOSUCHMETER,2026-04-19,2,0",                    # 5 unknown
                f"{ca},,2999-01-01,1,0",                          # 6 future
                f"{ca},,{D2},6.25,106.75")                        # 7 good
    seen: list[int] = []
    report = import_readings(engine, rules, TZ, path, NOW, progress=seen.append)
    assert seen == [2, 3, 4, 5, 6, 7]
    assert (report.inserted, report.duplicates, report.unknown) == (3, 0, ["NOSUCHMETER"])
    assert [line for line, _ in report.errors] == [4, 6]
    assert "not a number" in report.errors[0][1] and "future" in report.errors[1][1]
    assert [(r.day, r.charged) for r in report.applied] == [(D1, 2), (D2, 1)]
    assert _count(session_factory, LedgerEntry) == 3
    again = import_readings(engine, rules, TZ, path, NOW)
    assert (again.inserted, again.duplicates) == (0, 3)
    assert _count(session_factory, LedgerEntry) == 3


def test_numbered_rows_report_errors_by_their_number(
        engine: Engine, rules: Rules, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        ca = make_consumer(s, balance_paise=20_000).ca_number
    rows = [(0, {"ca_number": ca, "date": D1.isoformat(), "kwh": "4"}),
            (1, {"ca_number": ca, "date": D2.isoformat(), "kwh": "-1"}),
            (2, {"date": D2.isoformat(), "kwh": "1"})]
    report = import_readings(engine, rules, TZ, iter(rows), NOW)
    assert report.inserted == 1 and [i for i, _ in report.errors] == [1, 2]
    assert "ca_number or meter_number" in report.errors[1][1]


@pytest.mark.parametrize(("tail", "reason"), [
    (b"", None),  # a good file, to show the bad ones differ only in their tail
    (b"ca,day,units\n", "CSV header must have"),
    (b"\n", "CSV header must have"),
    (b"{ca},2026-04-19,\xff\n", "not UTF-8"),
])
def test_a_bad_file_is_refused_and_loads_nothing(
        engine: Engine, rules: Rules, session_factory: sessionmaker[Session], tmp_path: Path,
        tail: bytes, reason: str | None) -> None:
    with session_factory.begin() as s:
        ca = make_consumer(s).ca_number
    path = tmp_path / "bad.csv"
    good = f"ca_number,date,kwh\n{ca},{D1},5\n".encode()
    if reason and reason.startswith("CSV header"):
        path.write_bytes(tail + good.split(b"\n", 1)[1])  # a bad header, good rows
    else:
        path.write_bytes(good + tail.replace(b"{ca}", ca.encode()))
    if reason is None:
        assert import_readings(engine, rules, TZ, path, NOW).inserted == 1
        return
    # The file is one transaction: the good row before the bad byte is not kept either.
    with pytest.raises(InvalidInput, match=reason):
        import_readings(engine, rules, TZ, path, NOW)
    assert _count(session_factory, DailyReading) == 0


def test_a_missing_file_is_a_clear_error(engine: Engine, rules: Rules, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        import_readings(engine, rules, TZ, tmp_path / "missing.csv", NOW)


def test_import_then_alert_scan_only_when_a_day_was_charged(
        engine: Engine, rules: Rules, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s, balance_paise=5000)
        link_contact(s, consumer, "whatsapp", at=NOW)
        ca = consumer.ca_number
    row = (0, {"ca_number": ca, "date": D1.isoformat(), "kwh": "2"})
    first = import_and_alert(engine, rules, TZ, [row], NOW)
    assert first.report.inserted == 1
    assert first.alerts is not None and first.alerts.queued == {"negative": 1}
    again = import_and_alert(engine, rules, TZ, [row], NOW)  # a duplicate: day charged again
    assert again.alerts is not None and again.alerts.examined == 0
    nothing = import_and_alert(engine, rules, TZ, [(0, {"date": "x", "kwh": "1"})], NOW)
    assert nothing.report.applied == [] and nothing.alerts is None
