"""The backend's services wired from settings: built by the composition root, not on import."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.engagement.broadcasts.window import PromoWindow
from backend.messaging.reach import BIHAR, PushChannels
from backend.metering.local import LocalMeteringService
from backend.metering.rules import Rules, load_rules
from backend.metering.types import MeteringService
from backend.platform.db import make_engine, make_read_engine, make_session_factory
from backend.platform.settings import Settings


@dataclass
class Backend:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    rules: Rules
    tz: ZoneInfo  # local time for days and cut windows
    local_metering: LocalMeteringService
    metering: MeteringService  # local, or remote when METERING_URL is set
    reach: PushChannels = BIHAR  # push channels: the bot's channel registry declares them
    read_engine: Engine | None = None  # hot API reads (platform.db.read_retrying)

    @property
    def promotional_window(self) -> PromoWindow:
        """The rules file's promotional hours in the TIMEZONE setting's local time."""
        return PromoWindow(self.rules.promotional_hours, self.tz)

    def close(self) -> None:
        if self.read_engine is not None and self.read_engine is not self.engine:
            self.read_engine.dispose()
        self.engine.dispose()


def build_backend(settings: Settings, *, reach: PushChannels = BIHAR) -> Backend:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    rules = load_rules(settings.rules_file)
    tz = ZoneInfo(settings.timezone)
    reads = make_read_engine(settings.database_url, engine)
    local = LocalMeteringService(sessions, rules, tz=tz, reads=reads)
    metering: MeteringService = local
    if settings.metering_url:
        from backend.metering.http import HttpMeteringService

        key = settings.metering_api_key.get_secret_value() if settings.metering_api_key else None
        metering = HttpMeteringService(settings.metering_url, api_key=key)
    return Backend(settings, engine, sessions, rules, tz, local, metering, reach, reads)
