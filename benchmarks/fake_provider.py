"""A fake messaging provider on loopback for the dispatch benchmark and tests: real
HTTP/1.1 with keep-alive, a token-bucket rate limit (429 with Retry-After above it) and a
record of every message it accepted, by recipient.

It speaks both the Twilio Messages API shape (form body, ``To``) and the HTTP gateway's
JSON (``to``), and answers like Twilio (201, ``{"sid", "status"}``). asyncio, one thread,
so it costs little CPU next to the workers it measures."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from urllib.parse import parse_qs


class FakeProvider:
    """`rate` messages per second with bursts up to `burst`; above that, 429."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.accepted: list[tuple[float, str]] = []  # (monotonic time, recipient)
        self.rejected = 0
        self._tokens, self._last = burst, time.monotonic()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- the rate limit ----------------------------------------------------------------
    def _admit(self, to: str) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                self.rejected += 1
                return False
            self._tokens -= 1
            self.accepted.append((now, to))
            return True

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(to for _, to in self.accepted)

    def times(self) -> list[float]:
        with self._lock:
            return [t for t, _ in self.accepted]

    # --- HTTP --------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:] if line)}
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                status, payload, extra = self._answer(headers, body)
                data = json.dumps(payload).encode()
                writer.write((f"HTTP/1.1 {status} {'Created' if status == 201 else 'Error'}"
                              f"\r\nContent-Type: application/json\r\nContent-Length: "
                              f"{len(data)}\r\n{extra}\r\n").encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError,
                asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def _answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict, str]:
        if headers.get("content-type", "").startswith("application/json"):
            form = json.loads(body or b"{}")
            to = str(form.get("to") or "")
        else:
            to = (parse_qs(body.decode()).get("To") or [""])[0]
        to = to.removeprefix("whatsapp:")
        if not to:
            return 400, {"code": 21604, "message": "'To' is required", "status": 400}, ""
        if not self._admit(to):
            return 429, {"code": 20429, "message": "Too Many Requests", "status": 429}, \
                "Retry-After: 1\r\n"
        n = len(self.accepted)
        return 201, {"sid": f"SM{n:032d}", "status": "queued", "to": to,
                     "account_sid": "AC" + "0" * 32}, ""

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> str:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=256))
            port = self._server.sockets[0].getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True, name="fake-provider")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake provider did not start")
        return self.url

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FakeProvider:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
