"""The web chat (`/chat`) driven in a real headless Chromium: the app served by uvicorn on
127.0.0.1 (migrated SQLite, one demo consumer, NLU trained into tmp), Playwright with
Debian's /usr/bin/chromium (never a downloaded browser). Pick the consumer, ask the balance
in romanized Hindi, tap a WhatsApp quick reply, switch to English and ask again, then see a
numbered menu in the SMS view.

Skipped when Chromium or the playwright package is missing, unless REQUIRE_BROWSER=1 (set
by `.ci/run`), which turns the skip into a failure."""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.platform import migrate
from bot.app import create_app
from bot.composition import compose
from nlu import NluSettings, build_parser
from tests.factories import make_consumer
from tests.servers import clear_settings_env, make_settings, serve

CHROMIUM = Path("/usr/bin/chromium")
# As root on this machine: no sandbox, and no background traffic to Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
MOBILE = "+917000000901"
CA = "100000901"
TIMEOUT_MS = 10_000


def _require_browser() -> None:
    missing = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"{CHROMIUM} not found (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package is not installed (pip install -e '.[dev]')")
    if not missing:
        return
    reason = "browser test: " + "; ".join(missing)
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def chat_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _require_browser()
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate.upgrade(db_url)
    parser = build_parser(NluSettings(model_path=tmp_path / "nlu" / "model.joblib"))
    parser.parse("namaste")  # train now, not inside the first browser request
    components = compose(make_settings(db_url, app_env="demo", web_chat_enabled=True),
                         parser=parser)
    with components.backend.sessions.begin() as s:
        make_consumer(s, ca=CA, mobile=MOBILE, balance_paise=45_000)
    app = create_app(components)
    with serve(app) as url:
        yield url


def test_chat_in_headless_chromium(chat_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            chromium_sandbox=False, args=CHROMIUM_ARGS)
        try:
            context.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # A CSP violation (inline script, another origin) is a console error.
            # (The browser's own /favicon.ico request may 404.)
            page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location}")
                    if msg.type == "error" and "favicon" not in str(msg.location) else None)
            page.goto(f"{chat_url}/chat")
            bot = page.locator("#log .msg.bot")

            def say(text: str) -> None:
                before = bot.count()
                page.fill("#text", text)
                page.press("#text", "Enter")
                expect(bot).to_have_count(before + 1)

            # Pick the demo consumer from the list the page fetched (mobile masked).
            consumer = page.locator(f"#who option[value='{CA}']")
            expect(consumer).to_have_count(1)
            expect(consumer).to_contain_text("+91******0901")
            page.select_option("#who", CA)

            say("mera balance kitna hai")
            hindi = bot.nth(0)
            expect(hindi).to_contain_text("aapka balance ₹450.00 hai")
            buttons = hindi.locator(".buttons button")
            expect(buttons).to_have_count(3)

            # A WhatsApp quick reply: its label is echoed as "me" and the bot answers.
            label = buttons.first.inner_text().strip()
            buttons.first.click()
            expect(page.locator("#log .msg.me").last).to_have_text(label)
            expect(bot).to_have_count(2)
            expect(bot.nth(1)).not_to_be_empty()

            # English: the language sticks until the consumer asks to switch.
            say("english please")
            expect(bot.nth(2)).to_contain_text("English")
            say("what is my balance")
            english = bot.nth(3)
            expect(english).to_contain_text("your balance is ₹450.00")
            expect(english.locator(".buttons button")).to_have_count(3)

            # The SMS view: numbered menus in the text, no buttons, SMS part count shown.
            page.select_option("#channel", "sms")
            expect(page.locator("body")).to_have_class("sms")
            say("app kaise download kare")
            sms = bot.nth(4)
            expect(sms).to_contain_text(re.compile(r"^1\. ", re.M))
            expect(sms).to_contain_text("2. ")
            expect(sms).to_contain_text("SMS part(s)")
            expect(sms.locator(".buttons button")).to_have_count(0)
        finally:
            context.close()
    assert errors == [], errors


def test_api_docs_render_from_local_files_under_the_csp(chat_url: str, tmp_path: Path) -> None:
    """/docs (demo mode) is the vendored Swagger UI: it renders the API under the CSP
    (no inline script, nothing from another origin), with no console error."""
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    requested: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            chromium_sandbox=False, args=CHROMIUM_ARGS)
        try:
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location}")
                    if msg.type == "error" and "favicon" not in str(msg.location) else None)
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{chat_url}/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text(
                "Bijli Sahayak", timeout=TIMEOUT_MS)
            expect(page.locator(".opblock-summary-path").first).to_be_visible(
                timeout=TIMEOUT_MS)
        finally:
            context.close()
    assert errors == [], errors
    assert all(url.startswith(chat_url) or url.startswith("data:") for url in requested), \
        requested
