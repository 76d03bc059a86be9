"""A fake Rasa server on loopback (stdlib http.server in a thread) for adapter tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# How often serve_forever looks for a shutdown request: the default 0.5 s made every
# test that stops a fake wait up to half a second.
POLL_S = 0.02


@dataclass
class FakeRasa:
    """What to answer: status, JSON body, and an optional delay; records requests."""

    status: int = 200
    body: Any = None
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def serve_fake_rasa(fake: FakeRasa) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append({"path": self.path, "json": payload})
            if fake.delay_s:
                time.sleep(fake.delay_s)
            body = json.dumps(fake.body).encode() if fake.body is not None else b"oops"
            try:
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_S},
                              daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
