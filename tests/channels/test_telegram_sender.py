"""The Telegram sender against the fake Bot API: flood control (429) is a rate limit."""

from __future__ import annotations

import pytest

from backend.messaging.senders import OutgoingMessage, RateLimitedError
from backend.platform.db import make_engine, make_session_factory
from bot.channels.telegram_sender import TelegramSender
from bot.i18n import Renderer
from tests.channels.conftest import channel_settings


def test_telegram_flood_control_is_a_rate_limit(tmp_path, fake_telegram) -> None:  # noqa: ANN001
    """Telegram's 429 (RetryAfter) backs the channel off for the time Telegram asks."""
    settings = channel_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path,
                                "http://127.0.0.1:9", fake_telegram.url)
    sessions = make_session_factory(make_engine(settings.database_url))
    sender = TelegramSender.from_settings(settings, Renderer(), sessions)
    fake_telegram.fail_next(429, {"ok": False, "error_code": 429,
                                  "description": "Too Many Requests: retry after 5",
                                  "parameters": {"retry_after": 5}})
    chat = OutgoingMessage(id=8, channel="telegram", address="4242", message_key="otp.code",
                           params={"code": "482913", "minutes": 10}, language="en", attempt=1)
    with pytest.raises(RateLimitedError) as caught:
        sender.send(chat)
    assert caught.value.retry_after_s == 5 and "4242" not in str(caught.value)
