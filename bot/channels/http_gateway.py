"""A plain HTTP gateway as the outbox's default channel: each message is rendered in the
contact's language and POSTed as JSON to OUTBOX_HTTP_URL (an in-house or aggregator SMS
gateway; also what the dispatch benchmark's fake provider speaks).

Request: ``{"id", "channel", "to", "key", "language", "text"}`` with an optional bearer
token. 2xx with ``{"sid"|"id", "status"}`` is sent; 429 backs the channel off (Retry-After
honoured); other 4xx are permanent; 5xx and network errors transient. Keep-alive
connections are pooled, one per concurrent send, so a busy worker does not reconnect."""

from __future__ import annotations

import http.client
import json
import queue
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from backend.messaging.senders import (
    OutgoingMessage,
    PermanentSendError,
    RateLimitedError,
    SendResult,
    TransientSendError,
)
from backend.platform.clock import utcnow
from bot.channels.text import outgoing_text
from bot.dialogue.types import SMS
from bot.i18n import Renderer

TIMEOUT_S = 10.0
POOL_SIZE = 32


class HttpGatewaySender:
    def __init__(self, url: str, renderer: Renderer, *, token: str | None = None,
                 timeout_s: float = TIMEOUT_S, clock: Callable[[], datetime] = utcnow) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"OUTBOX_HTTP_URL must be an http(s) URL, not {url!r}")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout_s
        self._idle: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue(POOL_SIZE)
        self.renderer, self.clock = renderer, clock

    def send(self, message: OutgoingMessage) -> SendResult:
        text = outgoing_text(self.renderer, message, SMS, self.clock())
        body = json.dumps({"id": message.id, "channel": message.channel, "to": message.address,
                           "key": message.message_key, "language": message.language,
                           "text": text}, ensure_ascii=False).encode()
        status, headers, data = self._post(body)
        if 200 <= status < 300:
            try:
                answer = json.loads(data or b"{}")
            except ValueError:
                answer = {}
            sid = answer.get("sid") or answer.get("id") if isinstance(answer, dict) else None
            state = answer.get("status") if isinstance(answer, dict) else None
            return SendResult(provider_id=str(sid)[:64] if sid else None,
                              status=str(state or "accepted"))
        what = f"gateway HTTP {status}"
        if status == 429:
            raise RateLimitedError(what, retry_after_s=_seconds(headers.get("retry-after")))
        if status >= 500 or status == 408:
            raise TransientSendError(what)
        raise PermanentSendError(what)

    def _post(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """POST on a pooled connection; a reused connection the server has since closed is
        retried once on a fresh one (at-least-once delivery allows it)."""
        for fresh in (False, True):
            conn, reused = self._connection(fresh)
            try:
                conn.request("POST", self._path, body, self._headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if not reused:
                    raise TransientSendError(
                        f"gateway unreachable: {type(exc).__name__}") from None
                continue
            headers = {k.lower(): v for k, v in response.getheaders()}
            if response.will_close:
                conn.close()
            else:
                try:
                    self._idle.put_nowait(conn)
                except queue.Full:
                    conn.close()
            return response.status, headers, data
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        """A pooled keep-alive connection (reused=True), else a new one."""
        if not fresh:
            try:
                return self._idle.get_nowait(), True
            except queue.Empty:
                pass
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=self._timeout), False


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
