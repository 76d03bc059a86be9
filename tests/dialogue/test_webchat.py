"""Web chat (`/chat`): off unless WEB_CHAT_ENABLED=1 and APP_ENV=demo; the page is
self-contained (no CDN); the JSON endpoint drives the real engine as the chosen channel
and returns rendered replies with buttons (WhatsApp) or numbered lists (SMS). SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.composition import compose
from nlu import Parser
from tests.factories import make_consumer
from tests.servers import clear_settings_env, filled_assistant_file, make_settings


@pytest.fixture
def chat(db_url: str, nlu_parser: Parser, monkeypatch: pytest.MonkeyPatch,
         tmp_path) -> Iterator[TestClient]:  # noqa: ANN001
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    components = compose(make_settings(db_url, app_env="demo", web_chat_enabled=True),
                         parser=nlu_parser)
    with components.backend.sessions.begin() as s:
        make_consumer(s, ca="100000801", mobile="+917000000801", balance_paise=45_000)
    app = create_app(components)
    with TestClient(app) as client:
        yield client


def test_web_chat_is_off_by_default(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                    tmp_path) -> None:  # noqa: ANN001
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for settings in (make_settings(db_url, app_env="demo"),  # not asked for
                     make_settings(db_url, web_chat_enabled=True)):  # refused in production
        with TestClient(create_app(compose(settings))) as client:
            assert client.get("/chat").status_code == 404
            assert client.post("/chat/send",
                               json={"address": "+917000000801"}).status_code == 404
            assert 'href="/chat"' not in client.get("/").text


def test_page_and_demo_consumers(chat: TestClient) -> None:
    page = chat.get("/chat")
    assert page.status_code == 200 and "/chat/send" in page.text
    assert 'href="/chat"' in chat.get("/").text  # the landing page points to it
    assert "http://" not in page.text and "https://" not in page.text  # nothing from a CDN
    assert chat.get("/chat/consumers").json() == [
        {"ca": "100000801", "name": chat.get("/chat/consumers").json()[0]["name"],
         "mobile": "+917000000801"}]


def test_talk_as_a_consumer_on_whatsapp_and_sms(chat: TestClient) -> None:
    answer = chat.post("/chat/send", json={"channel": "whatsapp", "address": "+917000000801",
                                           "text": "mera balance kitna hai"}).json()
    assert answer["language"] == "hi-Latn"
    [reply] = answer["replies"]
    assert "450" in reply["text"] and len(reply["buttons"]) == 3
    tapped = chat.post("/chat/send", json={"channel": "whatsapp", "address": "+917000000801",
                                           "button": "menu"}).json()
    assert tapped["replies"][0]["text"]
    sms = chat.post("/chat/send", json={"channel": "sms", "address": "+917000000801",
                                        "text": "app kaise download kare"}).json()
    [reply] = sms["replies"]
    assert reply["buttons"] == [] and "1. Android" in reply["text"] and reply["segments"] >= 1
    bad = chat.post("/chat/send", json={"channel": "fax", "address": "+917000000801"})
    assert bad.status_code == 422


def test_serve_refuses_the_web_chat_in_production(db_url: str, tmp_path,  # noqa: ANN001
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from click.testing import CliRunner

    from bot.cli import main

    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    env = {"DATABASE_URL": db_url, "WEB_CHAT_ENABLED": "1", "SCHEDULER_EMBEDDED": "0",
           "ASSISTANT_FILE": str(filled_assistant_file(tmp_path)),  # production: no placeholders
           "OTP_HASH_KEY": "test-otp-hash-key"}
    production = CliRunner().invoke(main, ["serve"], env=env)
    assert production.exit_code == 0, production.output
    assert "mode: production" in production.output
    assert "WEB_CHAT_ENABLED=1 is refused with APP_ENV=production" in production.output
    demo = CliRunner().invoke(main, ["serve"], env={**env, "APP_ENV": "demo"})
    assert "mode: demo" in demo.output and "refused" not in demo.output
    with TestClient(served[0]) as off, TestClient(served[1]) as on:  # type: ignore[arg-type]
        assert off.get("/chat").status_code == 404
        assert on.get("/chat").status_code == 200
