"""The HTTP gateway sender against a real loopback server: JSON out, provider ids back,
429 (with Retry-After) as a rate limit, other errors classified, keep-alive reused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from backend.messaging.senders import (
    OutgoingMessage,
    PermanentSendError,
    RateLimitedError,
    TransientSendError,
)
from benchmarks.fake_provider import FakeProvider
from bot.channels.http_gateway import HttpGatewaySender
from bot.i18n import Renderer
from tests.servers import closed_port

MESSAGE = OutgoingMessage(id=7, channel="sms", address="+917000000001", message_key="otp.code",
                          params={"code": "482913", "minutes": 10}, language="en", attempt=1)


@contextmanager
def answering(status: int, body: bytes = b"{}", headers: dict[str, str] | None = None,
              *, drop_idle: bool = False) -> Iterator[tuple[str, list[dict]]]:
    """A one-answer server; `drop_idle` closes each connection after answering without
    saying so, like a server timing out idle keep-alive connections."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            length = int(self.headers["content-length"])
            seen.append({"body": json.loads(self.rfile.read(length)),
                         "auth": self.headers.get("authorization")})
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = drop_idle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/send", seen
    finally:
        server.shutdown()
        server.server_close()


def test_posts_rendered_json_and_reads_the_provider_id() -> None:
    with answering(201, b'{"sid": "GW123", "status": "queued"}') as (url, seen):
        sender = HttpGatewaySender(url, Renderer(), token="s3cret")
        assert sender.send(MESSAGE).provider_id == "GW123"
        assert sender.send(MESSAGE).status == "queued"
    body = seen[0]["body"]
    assert (body["id"], body["to"], body["key"], body["language"]) == (
        7, "+917000000001", "otp.code", "en")
    assert "482913" in body["text"] and seen[0]["auth"] == "Bearer s3cret"


@pytest.mark.parametrize(("status", "error"), [
    (500, TransientSendError), (503, TransientSendError), (400, PermanentSendError),
    (401, PermanentSendError)])
def test_errors_are_classified(status: int, error: type[Exception]) -> None:
    with answering(status) as (url, _), pytest.raises(error) as caught:
        HttpGatewaySender(url, Renderer()).send(MESSAGE)
    assert not isinstance(caught.value, RateLimitedError)
    assert "+917000000001" not in str(caught.value)


def test_429_is_a_rate_limit_with_retry_after() -> None:
    with answering(429, headers={"Retry-After": "12"}) as (url, _), \
            pytest.raises(RateLimitedError) as caught:
        HttpGatewaySender(url, Renderer()).send(MESSAGE)
    assert caught.value.retry_after_s == 12


def test_rate_limited_fake_provider_and_keep_alive() -> None:
    with FakeProvider(rate=1, burst=3) as fake:
        sender = HttpGatewaySender(fake.url + "/send", Renderer())
        for _ in range(3):
            sender.send(MESSAGE)
        with pytest.raises(RateLimitedError):
            sender.send(MESSAGE)
        assert fake.counts() == {"+917000000001": 3} and fake.rejected == 1


def test_a_dropped_keep_alive_connection_is_retried_on_a_fresh_one() -> None:
    with answering(201, b'{"sid": "GW1"}', drop_idle=True) as (url, seen):
        sender = HttpGatewaySender(url, Renderer())
        for _ in range(3):
            assert sender.send(MESSAGE).provider_id == "GW1"
    assert len(seen) == 3


def test_unreachable_gateway_is_transient() -> None:
    with pytest.raises(TransientSendError, match="unreachable"):
        HttpGatewaySender(f"http://127.0.0.1:{closed_port()}/x", Renderer()).send(MESSAGE)
    with pytest.raises(ValueError, match="http"):
        HttpGatewaySender("ftp://example.org", Renderer())

