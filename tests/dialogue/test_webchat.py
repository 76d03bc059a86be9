"""Web chat (`/chat`): off unless WEB_CHAT_ENABLED=1 and APP_ENV=demo (or forced in
production); the page is self-contained (no CDN, no inline script); the JSON endpoint
drives the real engine as a "web" contact of its own and returns rendered replies with
buttons (WhatsApp view) or numbered lists (SMS view). SQLite and PostgreSQL."""

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


SESSION = "0123456789abcdef0123456789abcdef"


def test_page_and_demo_consumers(chat: TestClient) -> None:
    page = chat.get("/chat")
    assert page.status_code == 200 and "/static/chat.js" in page.text
    assert 'href="/chat"' in chat.get("/").text  # the landing page points to it
    assert "http://" not in page.text and "https://" not in page.text  # nothing from a CDN
    assert "<script>" not in page.text and "<style>" not in page.text  # CSP: files only
    script = chat.get("/static/chat.js")
    assert script.status_code == 200 and "/chat/send" in script.text
    [row] = chat.get("/chat/consumers").json()
    assert row["ca"] == "100000801" and row["name"]
    assert row["mobile"] == "+91******0801"  # never the full mobile


def test_talk_as_a_consumer_on_whatsapp_and_sms(chat: TestClient) -> None:
    answer = chat.post("/chat/send", json={"view": "whatsapp", "session": SESSION,
                                           "ca": "100000801",
                                           "text": "mera balance kitna hai"}).json()
    assert answer["language"] == "hi-Latn"
    [reply] = answer["replies"]
    assert "450" in reply["text"] and len(reply["buttons"]) == 3
    tapped = chat.post("/chat/send", json={"view": "whatsapp", "session": SESSION,
                                           "ca": "100000801", "button": "menu"}).json()
    assert tapped["replies"][0]["text"]
    sms = chat.post("/chat/send", json={"view": "sms", "session": SESSION,
                                        "text": "app kaise download kare"}).json()
    [reply] = sms["replies"]
    assert reply["buttons"] == [] and "1. Android" in reply["text"] and reply["segments"] >= 1
    nul = chat.post("/chat/send", json={"session": SESSION, "text": "bal\x00ance\x00",
                                        "button": "\x00"})
    assert nul.status_code == 200 and nul.json()["replies"]  # PostgreSQL: no 500
    for bad in ({"view": "fax", "session": SESSION},  # not a view
                {"session": "+917000000801"},  # a phone is not a session
                {"session": SESSION, "ca": "x' OR 1=1"}):
        assert chat.post("/chat/send", json=bad).status_code == 422


def test_the_web_chat_never_touches_a_whatsapp_contact(chat: TestClient) -> None:
    """The finding: the web chat talked as the consumer's WhatsApp contact, so "STOP"
    typed there opted out the real WhatsApp number. Now it is a web contact of its own."""
    from sqlalchemy import select

    from backend.contacts.contacts import get_or_create_contact
    from backend.models import Contact, ContactLink
    from backend.platform.clock import utcnow

    backend = chat.app.state.backend  # type: ignore[attr-defined]
    now = utcnow()
    with backend.sessions.begin() as s:
        whatsapp = get_or_create_contact(s, "whatsapp", "+917000000801", now)
        whatsapp_id = whatsapp.id
    for text in ("STOP", "hindi", "mera balance kitna hai"):
        assert chat.post("/chat/send", json={"session": SESSION, "ca": "100000801",
                                             "text": text}).status_code == 200
    with backend.sessions() as s:
        whatsapp = s.get(Contact, whatsapp_id)
        assert not whatsapp.opted_out and whatsapp.language is None
        assert whatsapp.last_inbound_at is None
        web = s.scalars(select(Contact).where(Contact.channel == "web")).all()
        assert [(c.address, c.opted_out) for c in web] == [(f"{SESSION}:100000801", True)]
        assert s.scalars(select(ContactLink.method)
                         .where(ContactLink.contact_id == web[0].id)).all() == ["demo"]


def test_forced_in_production_there_is_no_shortcut(db_url: str, nlu_parser: Parser,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path) -> None:  # noqa: ANN001
    """WEB_CHAT_FORCE=1 serves the chat in production, but lists nobody and links nobody:
    a balance needs the normal one-time code."""
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    settings = make_settings(db_url, web_chat_enabled=True, web_chat_force=True,
                             assistant_file=filled_assistant_file(tmp_path))
    components = compose(settings, parser=nlu_parser)
    with components.backend.sessions.begin() as s:
        make_consumer(s, ca="100000802", mobile="+917000000802", balance_paise=45_000)
    with TestClient(create_app(components)) as client:
        assert client.get("/chat").status_code == 200
        assert client.get("/chat/consumers").json() == []
        assert client.post("/chat/send", json={"session": SESSION, "ca": "100000802",
                                               "text": "balance"}).status_code == 422
        answer = client.post("/chat/send", json={"session": SESSION, "text": "balance"}).json()
        assert "450" not in " ".join(r["text"] for r in answer["replies"])


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
    assert production.exit_code != 0 and served == []  # refused: not served at all
    assert "WEB_CHAT_ENABLED=1 is refused with APP_ENV=production" in production.output
    assert "WEB_CHAT_FORCE=1" in production.output
    forced = CliRunner().invoke(main, ["serve"], env={**env, "WEB_CHAT_FORCE": "1"})
    assert forced.exit_code == 0, forced.output
    assert "mode: production" in forced.output and "WARNING" in forced.output
    assert "ALLOWED_HOSTS is not set" in forced.output  # production: the operator is told
    demo = CliRunner().invoke(main, ["serve"], env={**env, "APP_ENV": "demo"})
    assert "mode: demo" in demo.output and "refused" not in demo.output
    assert "WARNING: the web chat is on" in demo.output  # loud even in demo mode
    assert "ALLOWED_HOSTS" not in demo.output
    quiet = CliRunner().invoke(main, ["serve"], env={**env, "WEB_CHAT_ENABLED": "0",
                                                      "ALLOWED_HOSTS": "bijli.example.in"})
    assert quiet.exit_code == 0 and "web chat" not in quiet.output
    assert "ALLOWED_HOSTS" not in quiet.output
    with TestClient(served[0]) as forced_on, TestClient(served[1]) as on:  # type: ignore[arg-type]
        assert forced_on.get("/chat").status_code == 200
        assert on.get("/chat").status_code == 200
