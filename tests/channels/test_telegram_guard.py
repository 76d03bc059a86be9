"""The Telegram parsing guard on its own (no server): what it lets through, what it drops,
and that it says why in one WARNING without the body."""

from __future__ import annotations

import json
import logging

import pytest
from telegram import Bot, Update

from bot.channels.telegram_guard import decode_update

BOT = Bot("123456:TEST-token")


def parse(data: dict) -> dict:
    Update.de_json(data, BOT)
    return data

GOOD = {"update_id": 1, "message": {"message_id": 2, "date": 1_770_000_000, "text": "9876543210",
                                    "chat": {"id": 5551, "type": "private"}}}


def test_a_readable_update_comes_back_as_its_dict() -> None:
    assert decode_update(json.dumps(GOOD).encode(), parse) == GOOD


@pytest.mark.parametrize(("body", "reason"), [
    (b"\xff", "not JSON"),
    (b"[" * 5_000 + b"]" * 5_000, "JSON nested too deep"),
    (b'{"update_id": 1, "message": "9876543210"}', "unreadable"),
    (b'{"update_id": -1}', "no update_id"),
    (b'{"update_id": 9223372036854775808}', "no update_id"),
    (b'{"update_id": true}', "no update_id"),
])
def test_an_unreadable_update_is_dropped_with_one_warning(
        body: bytes, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="bot.channels.telegram_guard"):
        assert decode_update(body, parse) is None
    [record] = caplog.records
    assert record.levelno == logging.WARNING and reason in record.getMessage()
    assert "9876543210" not in record.getMessage()


def test_whatever_the_channel_s_parse_raises_is_malformed(
        caplog: pytest.LogCaptureFixture) -> None:
    def strict(_data: dict) -> None:
        raise AttributeError("no chat")

    assert decode_update(json.dumps(GOOD).encode(), strict) is None
    assert "unreadable: AttributeError" in caplog.text
