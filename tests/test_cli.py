"""`sahayak` CLI with click's CliRunner against real databases (a SQLite file, PostgreSQL):
migrations up and down, deterministic demo seeding, metering summary, readings import."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.models import DailyReading, LedgerEntry, LedgerKind
from backend.platform import migrate
from tests.cli_runner import ok, run
from tests.factories import add_reading, make_consumer, table_names
from tests.servers import clear_settings_env

HEAD = migrate.head_revision()

SEED_ARGS = ["demo", "seed", "--consumers", "50", "--days", "10", "--seed", "3",
             "--end-date", "2026-04-30"]
D1, D2 = date(2025, 6, 1), date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DATABASE_URL, API keys or `.env` from the developer's machine."""
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


# --- migrations -----------------------------------------------------------------------------
def test_db_upgrade_downgrade_upgrade(fresh_url: str) -> None:
    up = ok(fresh_url, "db", "upgrade")
    assert f"database at revision {HEAD}" in up.output
    assert {"consumers", "meters", "accounts", "ledger_entries", "daily_readings"} <= \
        table_names(fresh_url)
    assert f"database at revision {HEAD}" in ok(fresh_url, "db", "upgrade").output  # no-op

    down = ok(fresh_url, "db", "downgrade", "base")
    assert "database at revision None" in down.output
    assert table_names(fresh_url) <= {"alembic_version"}

    again = ok(fresh_url, "db", "upgrade")
    assert f"database at revision {HEAD}" in again.output
    ok(fresh_url, *SEED_ARGS[:3], "3", "--days", "2", "--end-date", "2026-04-30")


# --- demo data ------------------------------------------------------------------------------
def _seeded_accounts(url: str) -> list[dict]:
    ok(url, "db", "upgrade")
    seeded = ok(url, *SEED_ARGS)
    assert "seeded 50 consumers, 10 days" in seeded.stdout
    return json.loads(ok(url, "demo", "accounts", "--json", "--limit", "1000").stdout)


def test_demo_seed_is_deterministic(fresh_url: str, tmp_path: Path) -> None:
    accounts = _seeded_accounts(fresh_url)
    reference = _seeded_accounts(f"sqlite:///{tmp_path / 'reference.db'}")
    assert accounts == reference  # same seed, two fresh databases (and both dialects)
    assert len(accounts) == 50
    first = accounts[0]
    assert set(first) == {"ca_number", "name", "mobile", "language", "balance_paise",
                          "meter_status"}
    assert all(a["mobile"].startswith("+917000") for a in accounts)
    assert all(isinstance(a["balance_paise"], int) for a in accounts)
    assert any(a["balance_paise"] < 0 for a in accounts)
    assert {a["meter_status"] for a in accounts} <= {"connected", "disconnected"}

    again = ok(fresh_url, *SEED_ARGS, "--if-empty")
    assert "nothing to do" in again.stdout
    assert json.loads(ok(fresh_url, "demo", "accounts", "--json", "--limit", "1000").stdout) \
        == accounts

    table = ok(fresh_url, "demo", "accounts", "--limit", "3").stdout.splitlines()
    assert table[0].startswith("CA number") and len(table) == 4
    assert first["ca_number"] in table[1]

    summary = ok(fresh_url, "metering", "summary", first["ca_number"])
    assert first["name"] in summary.stdout and "balance" in summary.stdout
    as_json = json.loads(ok(fresh_url, "metering", "summary", first["ca_number"],
                            "--json").stdout)
    assert as_json["ca_number"] == first["ca_number"]
    assert as_json["balance_paise"] == first["balance_paise"]


def test_other_seed_gives_other_consumers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    ok(url, "db", "upgrade")
    ok(url, *SEED_ARGS[:-3], "4", "--end-date", "2026-04-30")
    other = json.loads(ok(url, "demo", "accounts", "--json", "--limit", "5").stdout)
    reference = f"sqlite:///{tmp_path / 'ref.db'}"
    assert other != _seeded_accounts(reference)[:5]


def test_accounts_on_an_empty_database(db_url: str) -> None:
    assert "no consumers yet" in ok(db_url, "demo", "accounts").stdout
    assert json.loads(ok(db_url, "demo", "accounts", "--json").stdout) == []


# --- metering -------------------------------------------------------------------------------
def test_metering_summary(db_url: str, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        consumer = make_consumer(session, balance_paise=12_345)
        ca, name = consumer.ca_number, consumer.name
    result = ok(db_url, "metering", "summary", ca)
    assert name in result.stdout and ca in result.stdout
    assert "₹123.45" in result.stdout and "connected" in result.stdout


@pytest.mark.parametrize("ca", ["999999999", "not-a-ca"])
def test_metering_summary_unknown_ca(db_url: str, ca: str) -> None:
    result = run(db_url, "metering", "summary", ca)
    assert result.exit_code == 1
    assert f"Error: no consumer with CA number {ca}" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_metering_apply_day(db_url: str, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        a = make_consumer(session, balance_paise=1_000)
        b = make_consumer(session, balance_paise=50_000)
        add_reading(session, a, D1, 9_000)
        add_reading(session, b, D1, 4_000)
    first = ok(db_url, "metering", "apply-day", D1.isoformat())
    assert first.stdout.strip() == f"{D1}: charged 2, turned negative 1, skipped 0"
    second = ok(db_url, "metering", "apply-day", D1.isoformat())
    assert second.stdout.strip() == f"{D1}: charged 0, turned negative 0, skipped 0"
    with session_factory() as session:
        charges = session.scalar(select(func.count()).select_from(LedgerEntry)
                                 .where(LedgerEntry.kind == LedgerKind.CHARGE))
    assert charges == 2
    bad = run(db_url, "metering", "apply-day", "2025-13-01")
    assert bad.exit_code == 2 and "2025-13-01" in bad.output


# --- readings import ------------------------------------------------------------------------
def _csv(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def test_readings_import(db_url: str, session_factory: sessionmaker[Session],
                         tmp_path: Path) -> None:
    with session_factory.begin() as session:
        a = make_consumer(session, balance_paise=50_000)
        b = make_consumer(session, balance_paise=50_000)
        ca, meter = a.ca_number, b.meter.meter_number
    csv_file = _csv(tmp_path / "readings.csv", "\n".join([
        "ca_number,meter_number,date,kwh,register_kwh",    # line 1
        f"{ca},,{D1},5.5,100.5",                            # 2 good
        f",{meter},{D1},3,40",                              # 3 good
        f"{ca},,{D2},abc,0",                                # 4 not a number
        f"{ca},,2025-02-30,1,0",                            # 5 bad date
        ",NOSUCHMETER,2025-06-01,2,0",                      # 6 unknown meter
        f"{ca},,{D2},-4,0",                                 # 7 negative
        f",{meter},{D2},1e999999999,0",                     # 8 absurd
        f"{ca},,{D2},6.25,106.75",                          # 9 good
        ",,2025-06-02,1,0",                                 # 10 no id
    ]) + "\n")
    result = ok(db_url, "readings", "import", str(csv_file))
    assert "loaded 3 readings (0 already present)" in result.stdout
    assert f"{D1}: charged 2 accounts" in result.stdout
    assert f"{D2}: charged 1 accounts" in result.stdout
    errors = {line.split(":")[0] for line in result.stderr.splitlines()
              if line.startswith("line ")}
    assert errors == {"line 4", "line 5", "line 7", "line 8", "line 10"}
    assert "line 4: kwh is not a number" in result.stderr
    assert "line 5: date must be YYYY-MM-DD" in result.stderr
    assert "1 rows name unknown meters/consumers, e.g. NOSUCHMETER" in result.stderr
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DailyReading)) == 3
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 3

    again = ok(db_url, "readings", "import", str(csv_file))
    assert "loaded 0 readings (3 already present)" in again.stdout
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 3


@pytest.mark.parametrize("content", [
    "ca,day,units\n100000001,2025-06-01,5\n",
    "meter_number,date\nSM1,2025-06-01\n",
    "",
    b"\xff\xfe\x00garbage",
])
def test_readings_import_bad_file_is_a_clear_error(db_url: str, tmp_path: Path,
                                                   content: str | bytes) -> None:
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run(db_url, "readings", "import", str(path))
    assert result.exit_code == 1, result.output
    assert result.output.count("Error:") == 1
    if content and isinstance(content, str):
        assert "CSV header must have date, kwh" in result.output


def test_readings_import_missing_file(db_url: str, tmp_path: Path) -> None:
    result = run(db_url, "readings", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_api_keys_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.platform.settings import Settings

    monkeypatch.setenv("OPERATOR_API_KEYS", "key-one, key-two")
    monkeypatch.setenv("READONLY_API_KEYS", "reader")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert [k.get_secret_value() for k in settings.operator_api_keys] == ["key-one", "key-two"]
    assert [k.get_secret_value() for k in settings.readonly_api_keys] == ["reader"]
    assert "key-one" not in repr(settings)  # secrets stay out of repr and logs


def test_unmigrated_database_is_refused_with_advice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = run(url, "demo", "accounts")
    assert result.exit_code == 1
    assert "no tables yet" in result.output and "sahayak db upgrade" in result.output
    ok(url, "db", "upgrade", "0001")
    behind = run(url, "metering", "summary", "100000001")
    assert behind.exit_code == 1 and "revision 0001" in behind.output
