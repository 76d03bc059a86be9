"""The ASGI app factory: the composition root's components become a running web server."""

from __future__ import annotations

import asyncio
import gc
import html
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import func, make_url, select

from backend.api.routes import BodySizeLimit, install_api
from backend.models import Consumer
from backend.platform.settings import Settings
from backend.scheduler import SchedulerService
from bot import log_redaction
from bot.composition import Components, compose
from bot.webchat import install_webchat
from bot.webguard import install_web_guards

VERSION = "0.1.0"
log = logging.getLogger(__name__)


def create_app(components: Components, *, scheduler: bool = False) -> FastAPI:
    """The app over `components` (the assistant and its NLU model are built only when a
    channel or the web chat needs them). `scheduler`: run the periodic jobs in this
    process while it serves (`sahayak serve` does unless SCHEDULER_EMBEDDED=0); the
    leader lock keeps it to one process."""
    settings, backend = components.settings, components.backend
    jobs = SchedulerService(backend) if scheduler else None  # bad schedules fail here

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await channels.start()
        # What start-up built (NLU model, catalogs, mappers) lives as long as the process:
        # move it out of the collector's generations so full collections stay short and
        # do not stall requests (p99).
        gc.collect()
        gc.freeze()
        if jobs is not None:
            jobs.start()
        log.info("app ready in process %d", os.getpid())
        try:
            yield
        finally:
            if jobs is not None:
                await asyncio.to_thread(jobs.stop)  # waits for running jobs
            await channels.stop()
            backend.close()

    # No CDN docs (Swagger UI is vendored, /docs only in demo mode, ReDoc off) and no
    # slash redirects: Starlette builds their absolute URL from the request's Host header.
    app = FastAPI(title="Bijli Sahayak", version=VERSION, lifespan=lifespan,
                  description="Prepaid metering API and consumer assistant (बिजली सहायक).",
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None,
                  redirect_slashes=False)
    app.state.backend = backend
    app.state.scheduler = jobs
    install_api(app, backend)
    app.state.components = components
    channels = components.install_channels(app)
    app.state.channels = channels
    webchat = settings.web_chat_on
    if webchat:  # a demo: its own web contacts; the consumer shortcut only in demo mode
        install_webchat(app, backend, lambda: components.assistant, demo=settings.is_demo)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def landing() -> str:
        consumers = 0
        if settings.is_demo:
            with backend.sessions() as session:
                consumers = session.scalar(select(func.count()).select_from(Consumer)) or 0
        return _landing_html(settings, consumers, webchat)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        with backend.sessions() as session:
            session.execute(select(1))
        return {"status": "ok"}

    app.add_middleware(BodySizeLimit, limit=settings.max_request_bytes)
    install_web_guards(app, allowed_hosts=settings.allowed_hosts, docs=settings.is_demo)
    return app


def app_from_env() -> FastAPI:
    """The app from the environment's settings: the factory each `serve --workers N`
    process calls (uvicorn imports it by name). Each embeds the scheduler unless
    SCHEDULER_EMBEDDED=0; the leader lock lets one of them run the jobs."""
    components = compose()
    log_redaction.install(components.settings,  # this process's logs too: no secret in them
                          debug=components.settings.log_level.upper() == "DEBUG")
    components.refuse_demo_placeholders()
    return create_app(components, scheduler=components.settings.scheduler_embedded)


WEBCHAT_ITEM = '<li>Web chat (demo): <a href="/chat">/chat</a>, talk to the assistant</li>'


def _landing_html(settings: Settings, consumers: int, webchat: bool) -> str:
    """In demo mode the page also names the database, counts consumers and links the API
    docs; production shows none of these (an internal host name or a customer count is
    nobody's business)."""
    db = make_url(settings.database_url).render_as_string(hide_password=True)
    database = (f"<li>Database: <code>{html.escape(db)}</code> — {consumers:,} consumers</li>"
                if settings.is_demo else "")
    demo = ("<p>Demo consumers to try: <code>sahayak demo accounts</code>.</p>"
            if settings.is_demo else "")
    docs = ('<li>API documentation: <a href="/docs">/docs</a>'
            ' (OpenAPI: <a href="/openapi.json">/openapi.json</a>)</li>' if settings.is_demo
            else '<li>OpenAPI: <a href="/openapi.json">/openapi.json</a></li>')
    api_state = ("open to operator keys" if settings.operator_api_keys
                 else "closed: set OPERATOR_API_KEYS to use it")
    return f"""<!doctype html>
<html lang="hi"><head><meta charset="utf-8"><title>बिजली सहायक · Bijli Sahayak</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/site.css"></head>
<body><h1>बिजली सहायक · Bijli Sahayak</h1>
<p>Assistant for smart prepaid electricity meter consumers — running.</p>
<ul>
{database}
<li>Metering REST API under <code>/api/v1</code> — {html.escape(api_state)}</li>
{docs}
{WEBCHAT_ITEM if webchat else ""}
<li>Health: <a href="/healthz">/healthz</a></li>
</ul>
{demo}
</body></html>"""
