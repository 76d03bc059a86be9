"""Fake provider APIs on loopback (stdlib http.server in a thread): they record every
request and answer like the real ones, or with the error a test queues."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

# How often serve_forever looks for a shutdown request: the default 0.5 s made every
# test that stops a fake wait up to half a second.
POLL_S = 0.02


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, Any]
    headers: dict[str, str]


@dataclass
class FakeApi:
    """Answers `answer(path, form)`; a queued failure (status, json body) goes first."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    failures: list[tuple[int, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def fail_next(self, status: int, body: dict | None = None) -> None:
        with self.lock:
            self.failures.append((status, body or {}))

    def answer(self, path: str, form: dict[str, Any]) -> tuple[int, dict]:
        raise NotImplementedError

    def handle(self, method: str, path: str, form: dict[str, Any],
               headers: dict[str, str]) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(Recorded(method, path, form, headers))
            self.counter += 1
            if self.failures:
                return self.failures.pop(0)
        return self.answer(path, form)

    def calls(self, suffix: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith(suffix)]


class FakeTwilio(FakeApi):
    def answer(self, path: str, form: dict[str, Any]) -> tuple[int, dict]:
        sid = f"SM{self.counter:032d}"
        return 201, {"sid": sid, "status": "queued", "to": form.get("To"),
                     "body": form.get("Body"), "account_sid": path.split("/")[3]}

    def error(self, status: int, code: int) -> None:
        self.fail_next(status, {"code": code, "message": f"error {code}", "status": status,
                                "more_info": f"https://www.twilio.com/docs/errors/{code}"})


BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Bijli Sahayak",
            "username": "bijli_sahayak_bot"}


class FakeTelegram(FakeApi):
    """The Bot API: getMe, sendMessage, answerCallbackQuery, setWebhook, getUpdates."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[dict] = []

    def answer(self, path: str, form: dict[str, Any]) -> tuple[int, dict]:
        method = path.rsplit("/", 1)[-1]
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method == "sendMessage":
            return 200, {"ok": True, "result": {
                "message_id": self.counter, "date": 1_770_000_000, "from": BOT_USER,
                "chat": {"id": int(form["chat_id"]), "type": "private"},
                "text": form.get("text", "")}}
        if method == "getUpdates":  # an offset confirms every update below it
            offset = int(form.get("offset") or 0)
            with self.lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                pending = list(self.updates)
            return 200, {"ok": True, "result": pending}
        return 200, {"ok": True, "result": True}

    def sent_texts(self) -> list[str]:
        return [r.form.get("text", "") for r in self.calls("/sendMessage")]


def _parse(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    pairs = parse_qs(body.decode(), keep_blank_values=True)
    form: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in pairs.items()}
    for key in ("reply_markup",):
        if isinstance(form.get(key), str):
            form[key] = json.loads(form[key])
    return form


@contextmanager
def running(api: FakeApi) -> Iterator[FakeApi]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            form = _parse(self.rfile.read(length), self.headers.get("content-type", ""))
            status, body = api.handle(self.command, self.path.split("?")[0], form,
                                      {k.lower(): v for k, v in self.headers.items()})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _any  # noqa: N815 - http.server's naming

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_S},
                              daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
