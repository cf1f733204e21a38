"""The ASGI application: REST API under /api/v1, health check, and the web pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from helpline import __version__, chat, realtime
from helpline.accounts.routes import router as accounts_router
from helpline.assist import enrich as assist_enrich
from helpline.assist.routes import router as assist_router
from helpline.audit.routes import router as audit_router
from helpline.core import problems
from helpline.core.db import Database
from helpline.core.ratelimit import RateLimiter
from helpline.core.ratelimit import configure_shared as configure_shared_limits
from helpline.core.settings import Settings, get_settings
from helpline.customers.routes import router as customers_router
from helpline.email import outbound as email_outbound
from helpline.email import service as _email_service  # noqa: F401  (registers the ingest job)
from helpline.email.routes import router as email_router
from helpline.escalation.routes import router as escalation_router
from helpline.kb import email_bot as kb_email_bot  # registers the email answer hooks and job
from helpline.kb.attachment_routes import router as kb_attachment_router
from helpline.kb.routes import router as kb_router
from helpline.kb.search import ArticleSearch
from helpline.macros.routes import router as macros_router
from helpline.outbox import handlers as _handlers  # noqa: F401  (registers the event handler)
from helpline.outbox.runner import OutboxRunner
from helpline.routing.routes import router as routing_router
from helpline.sla.routes import router as sla_router
from helpline.tickets.routes import router as tickets_router
from helpline.web import install as install_web
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
    assist_enrich.configure(data_dir=settings.data_dir)  # where the workspace's trained models live
    ArticleSearch.configure(settings.data_dir / "kb")  # article vectors persisted across restarts
    kb_email_bot.configure(settings.base_url)  # help-center links in the bot's email answers

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        broker = realtime.broker_of(_app)
        await broker.start()
        if start_worker:
            runner.start_thread()
        try:
            yield
        finally:
            runner.stop()
            await broker.stop()

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
    configure_shared_limits(settings.redis_url)
    app.state.auth_limiter = RateLimiter(limit=20, window_seconds=60, what="failed sign-ins")
    problems.install(app)

    api = APIRouter(prefix=API_PREFIX)
    routers = (
        tickets_router,
        customers_router,
        accounts_router,
        email_router,
        kb_router,
        kb_attachment_router,
        macros_router,
        sla_router,
        routing_router,
        escalation_router,
        assist_router,
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

    realtime.install(app)  # live events: Redis pub/sub with HELPLINE_REDIS_URL, else in-process
    chat.install(app, api_prefix=API_PREFIX)
    install_web(app)  # agent workspace, portal and admin pages; "/" leads to the workspace
    return app
