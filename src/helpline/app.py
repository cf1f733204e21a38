"""The ASGI application: REST API under /api/v1, health check, and a landing page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import text

from helpline import __version__
from helpline.accounts.routes import router as accounts_router
from helpline.audit.routes import router as audit_router
from helpline.core import problems
from helpline.core.db import Database
from helpline.core.ratelimit import RateLimiter
from helpline.core.settings import Settings, get_settings
from helpline.customers.routes import router as customers_router
from helpline.email import outbound as email_outbound
from helpline.email import service as _email_service  # noqa: F401  (registers the ingest job)
from helpline.email.routes import router as email_router
from helpline.kb.routes import router as kb_router
from helpline.outbox import handlers as _handlers  # noqa: F401  (registers the event handler)
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.routes import router as tickets_router
from helpline.webhooks.routes import router as webhooks_router

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings | None = None,
    db: Database | None = None,
    *,
    run_worker: bool | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    db = db or Database(settings.effective_database_url)
    runner = OutboxRunner(
        db, max_attempts=settings.outbox_max_attempts, lease_seconds=settings.outbox_lease_seconds
    )
    start_worker = settings.embedded_worker if run_worker is None else run_worker
    if settings.smtp_relay_url:
        email_outbound.configure(settings.smtp_relay_url, settings.mail_from)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if start_worker:
            runner.start_thread()
        try:
            yield
        finally:
            runner.stop()

    app = FastAPI(
        title="Helpline API",
        version=__version__,
        description="Tickets, customers, conversations and teams of a Helpline workspace.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.outbox = runner
    app.state.auth_limiter = RateLimiter(limit=20, window_seconds=60, what="failed sign-ins")
    problems.install(app)

    api = APIRouter(prefix=API_PREFIX)
    routers = (
        tickets_router,
        customers_router,
        accounts_router,
        email_router,
        kb_router,
        webhooks_router,
        audit_router,
    )
    for router in routers:
        api.include_router(router)
    app.include_router(api)

    @app.get("/healthz", tags=["health"], summary="Liveness and database check")
    def healthz() -> dict[str, str]:
        with db.read_sessions() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": db.dialect}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return LANDING.replace("{version}", __version__)

    return app


LANDING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Helpline</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}a{color:#0b57d0}</style></head>
<body><main><h1>Helpline {version}</h1>
<p>The service desk is running. The agent workspace and customer portal are on the way; today the
REST API is the way in.</p>
<ul><li><a href="/api/v1/openapi.json">OpenAPI description</a></li>
<li><a href="/api/v1/docs">Interactive API docs</a></li>
<li><a href="/healthz">Health check</a></li></ul>
<p>Create a token with <code>helpline token create --email you@example.com</code> and call
<code>curl -H "Authorization: Bearer TOKEN" http://HOST/api/v1/tickets</code>.</p>
</main></body></html>
"""
