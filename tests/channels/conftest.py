"""Channel fixtures: the real app (create_app) served on loopback with every channel on,
pointed at fake Twilio and Bot API servers; an NLU model trained once per session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from twilio.request_validator import RequestValidator

from backend.services import Backend
from bot.app import create_app
from bot.composition import compose
from bot.settings import AppSettings
from bot.wiring import Assistant
from nlu import NluSettings, Parser, build_parser
from tests.channels.fakes import FakeTelegram, FakeTwilio, running
from tests.servers import serve

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
PUBLIC = "https://bijli.example.in"
BOT_TOKEN = "123456:TEST-token"
TG_SECRET = "tg-secret-123"
TEMPLATES = {
    "otp.code": {"whatsapp": {"content_sid": "HX" + "1" * 32, "variables": ["code", "minutes"]},
                 "sms": {"dlt_template_id": "1107000000000000001"}},
    "balance.summary": {"sms": {"dlt_template_id": "1107000000000000002"}},
}


@pytest.fixture(scope="session")
def parser(tmp_path_factory: pytest.TempPathFactory) -> Parser:
    built = build_parser(NluSettings(model_path=tmp_path_factory.mktemp("nlu") / "m.joblib"))
    built.parse("namaste")
    return built


def channel_settings(db_url: str, tmp: Path, twilio_url: str, telegram_url: str,
                     **overrides: object) -> AppSettings:
    templates = tmp / "templates.yml"
    templates.write_text(yaml.safe_dump(TEMPLATES), encoding="utf-8")
    values: dict[str, object] = dict(
        database_url=db_url, metering_url=None, twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN, twilio_whatsapp_from="whatsapp:+14155238886",
        twilio_sms_from="+15005550006", twilio_api_base_url=twilio_url,
        public_base_url=PUBLIC, telegram_bot_token=BOT_TOKEN,
        telegram_webhook_secret=TG_SECRET, telegram_api_base_url=telegram_url,
        channel_templates_file=templates)
    values.update(overrides)
    return AppSettings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Stack:
    url: str
    http: httpx.Client
    backend: Backend
    assistant: Assistant
    twilio: FakeTwilio
    telegram: FakeTelegram
    settings: AppSettings

    def twilio_post(self, path: str, params: dict[str, str], *, sign_url: str | None = None,
                    signature: str | None = "auto", token: str = AUTH_TOKEN,
                    content: bytes | None = None) -> httpx.Response:
        headers = {}
        if signature == "auto":
            signature = RequestValidator(token).compute_signature(sign_url or PUBLIC + path,
                                                                  params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        if content is not None:
            return self.http.post(self.url + path, content=content, headers=headers)
        return self.http.post(self.url + path, data=params, headers=headers)


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with running(FakeTwilio()) as api:
        yield api  # type: ignore[misc]


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with running(FakeTelegram()) as api:
        yield api  # type: ignore[misc]


@pytest.fixture
def stack(db_url: str, tmp_path: Path, parser: Parser, fake_twilio: FakeTwilio,
          fake_telegram: FakeTelegram) -> Iterator[Stack]:
    settings = channel_settings(db_url, tmp_path, fake_twilio.url, fake_telegram.url)
    components = compose(settings, parser=parser)
    app = create_app(components)
    with serve(app) as url, httpx.Client(timeout=10) as http:
        yield Stack(url, http, components.backend, components.assistant, fake_twilio,
                    fake_telegram, settings)
