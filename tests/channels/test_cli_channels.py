"""`sahayak telegram set-webhook` against the fake Bot API; what `serve` says is on."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli.serving import channels_line
from bot.settings import AppSettings
from tests.channels.conftest import BOT_TOKEN, TG_SECRET, channel_settings
from tests.channels.fakes import FakeTelegram


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name in AppSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_set_webhook_registers_url_and_secret(fake_telegram: FakeTelegram, tmp_cwd: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET=TG_SECRET,
         TELEGRAM_API_BASE_URL=fake_telegram.url)
    result = CliRunner().invoke(main, ["telegram", "set-webhook",
                                       "https://bijli.example.in/webhooks/telegram"])
    assert result.exit_code == 0, result.output
    (call,) = fake_telegram.calls("/setWebhook")
    assert call.path == f"/bot{BOT_TOKEN}/setWebhook"
    assert call.form["url"] == "https://bijli.example.in/webhooks/telegram"
    assert call.form["secret_token"] == TG_SECRET


def test_set_webhook_needs_https_and_a_secret(tmp_cwd: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, TELEGRAM_BOT_TOKEN=BOT_TOKEN)
    result = CliRunner().invoke(main, ["telegram", "set-webhook", "https://x.example/h"])
    assert result.exit_code != 0 and "TELEGRAM_WEBHOOK_SECRET" in result.output
    _env(monkeypatch, TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET=TG_SECRET)
    result = CliRunner().invoke(main, ["telegram", "set-webhook", "http://x.example/h"])
    assert result.exit_code != 0 and "https" in result.output


def test_channels_line(tmp_path: Path) -> None:
    on = channel_settings("sqlite://", tmp_path, "http://t", "http://g")
    assert channels_line(on) == (
        "channels on: whatsapp (https://bijli.example.in/webhooks/twilio/whatsapp), "
        "sms (https://bijli.example.in/webhooks/twilio/sms), "
        "telegram (https://bijli.example.in/webhooks/telegram)")
    off = AppSettings(_env_file=None, database_url="sqlite://")  # type: ignore[call-arg]
    assert channels_line(off).startswith("channels: none on")
    sms_only = channel_settings("sqlite://", tmp_path, "http://t", "http://g",
                                twilio_whatsapp_from=None, telegram_bot_token=None)
    assert channels_line(sms_only).startswith("channels on: sms (")


def test_off_channels_answer_404(db_url: str, tmp_path: Path, parser) -> None:  # noqa: ANN001
    import httpx

    from bot.app import create_app
    from bot.composition import compose
    from tests.servers import serve

    settings = channel_settings(db_url, tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9",
                                twilio_auth_token=None, telegram_webhook_secret=None)
    app = create_app(compose(settings, parser=parser))
    with serve(app) as url:
        for path in ("/webhooks/twilio/whatsapp", "/webhooks/twilio/sms",
                     "/webhooks/twilio/status", "/webhooks/telegram"):
            assert httpx.post(url + path, data={"a": "b"}).status_code == 404
