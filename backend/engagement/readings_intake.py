"""Readings in, then the alert scan: the whole use case the CLI (`sahayak readings import`)
and the REST API (`POST /api/v1/readings`) both call.

Why here: importing readings is metering's job (`backend.metering.readings_import`), and
metering must not know of alerts; the scan after it is engagement's. Engagement is the
lowest layer allowed to see both, so the pair lives here rather than in each caller (where
it used to be written twice) or in a new top layer the import contracts would need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from backend.engagement.alerts import ScanResult, run_scan
from backend.messaging.reach import BIHAR, PushChannels
from backend.metering.readings import IngestReport
from backend.metering.readings_import import Progress, Source, import_readings
from backend.metering.rules import Rules


@dataclass(frozen=True)
class Intake:
    report: IngestReport
    alerts: ScanResult | None  # None when no day was charged: no balance changed


def import_and_alert(engine: Engine, rules: Rules, tz: ZoneInfo, source: Source,
                     now: datetime, *, progress: Progress | None = None,
                     reach: PushChannels = BIHAR) -> Intake:
    """Import and charge (one transaction), then scan for alerts in a transaction of its
    own: the charges stay committed if the scan fails, and as the scan's mark then stays
    behind, the next scheduled scan still finds these accounts changed."""
    report = import_readings(engine, rules, tz, source, now, progress=progress)
    alerts = run_scan(engine, rules, now, tz=tz, reach=reach) if report.applied else None
    return Intake(report, alerts)
