"""Web hygiene for every response: the Host header is checked against ALLOWED_HOSTS,
security headers go on every page, and static files (our CSS and scripts, the vendored
Swagger UI) come from this server, so the CSP can forbid inline script and other origins.

Redirects never take their host from the request: the app is built with
`redirect_slashes=False` (Starlette's slash redirect builds an absolute URL from the Host
header), so `/path/` is a 404, never a redirect to another host."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: No inline script or style, nothing from another origin, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
STATIC_DIR = Path(str(files("bot.static")))
DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bijli Sahayak API</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body></html>"""


class SecurityHeaders:
    """Add `SECURITY_HEADERS` to every HTTP response (a header the route set stays)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_web_guards(app: FastAPI, *, allowed_hosts: list[str], docs: bool) -> None:
    """Static files at `/static`, `/docs` from the vendored Swagger UI when `docs`, the
    Host check when `allowed_hosts` is set, and the security headers outermost (so a 400
    for a bad host has them too). Call it last: middleware added later runs first."""
    if docs:
        # fastapi-offline ships Swagger UI 5 (OpenAPI 3.1, what FastAPI writes); only its
        # files are used.
        swagger_ui = Path(str(files("fastapi_offline"))) / "static"
        app.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui), name="swagger-ui")

        @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
        def api_docs() -> str:
            return DOCS_HTML

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if allowed_hosts and "*" not in allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts,
                           www_redirect=False)
    app.add_middleware(SecurityHeaders)
