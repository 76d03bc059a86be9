"""Test helpers for real HTTP on loopback: serve an ASGI app with uvicorn in a background
thread on 127.0.0.1, find a port where nothing listens, and keep `Settings` independent of
the developer's environment and `.env` file."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from bot.settings import AppSettings

START_TIMEOUT_S = 10.0


def clear_settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every environment variable the settings would read (DATABASE_URL, API keys,
    APP_ENV, WEB_CHAT_ENABLED…)."""
    for name in AppSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def filled_assistant_file(directory: Path) -> Path:
    """A copy of the shipped assistant file with its demo placeholders filled in (made-up
    but real-looking links), for tests that start serving in production mode."""
    from bot.dialogue.config import DEFAULT_ASSISTANT_FILE

    text = DEFAULT_ASSISTANT_FILE.read_text(encoding="utf-8")
    text = (text.replace("id=PLACEHOLDER.bihar.smartmeter", "id=in.gov.bihar.smartmeter.test")
            .replace("/id0000000000", "/id1234567890"))
    path = directory / "assistant.yml"
    path.write_text(text, encoding="utf-8")
    return path


def make_settings(db_url: str, **overrides: object) -> AppSettings:
    """Settings for a test app (give them to `bot.composition.compose`): explicit values,
    no `.env` file."""
    values: dict[str, object] = dict(database_url=db_url, operator_api_keys="op-key",
                                     readonly_api_keys="ro-key", metering_url=None,
                                     otp_hash_key="test-otp-hash-key")
    values.update(overrides)
    return AppSettings(_env_file=None, **values)  # type: ignore[call-arg]


@contextmanager
def serve(app: object) -> Iterator[str]:
    """Run `app` with uvicorn on 127.0.0.1 (a free port) until the block ends; yields the
    base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_S)
        sock.close()


def closed_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
