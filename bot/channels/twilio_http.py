"""The twilio library's HTTP seam: its own client, pointed at another base URL if asked.

Tests and benchmarks aim the real `twilio.rest.Client` at a fake Twilio API on loopback;
in production `base_url` is None and nothing changes. The library logs every request at
INFO; its logger here is held at WARNING (docs/ARCHITECTURE.md, "Privacy")."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

_log = logging.getLogger("bot.channels.twilio.http")
_log.setLevel(logging.WARNING)
TIMEOUT_S = 10.0
#: Keep-alive connections kept per host: at least a worker's sends in flight (`sahayak
#: worker --concurrency`, at most 64); the library's default (CPU count + 4) would make a
#: busy worker reconnect, and warn, for most sends.
POOL_SIZE = 64


class BaseUrlHttpClient(TwilioHttpClient):
    def __init__(self, base_url: str | None = None, timeout: float = TIMEOUT_S) -> None:
        super().__init__(timeout=timeout, logger=_log)
        if self.session is not None:
            for scheme in ("https://", "http://"):
                self.session.mount(scheme, HTTPAdapter(pool_maxsize=POOL_SIZE))
        self.base = urlsplit(base_url) if base_url else None

    def request(self, method: str, url: str, params: dict | None = None,
                data: dict | None = None, headers: dict | None = None,
                auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        if self.base is not None:
            parts = urlsplit(url)
            path = self.base.path.rstrip("/") + parts.path
            url = urlunsplit((self.base.scheme, self.base.netloc, path, parts.query, ""))
        return super().request(method, url, params=params, data=data, headers=headers,
                               auth=auth, timeout=timeout, allow_redirects=allow_redirects)
