"""Server-rendered web UI: the agent workspace (/agent) and the customer portal (/portal).

``install(app)`` mounts the vendored static files and the routers; ``portal_link(customer_id)`` gives
the signed link a customer uses to open the portal (for acknowledgement emails).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

from helpline.web.auth import LANG_COOKIE, SignInGuard, is_https, portal_link
from helpline.web.collision import make_presence
from helpline.web.i18n import normalize
from helpline.web.live import StreamTiming
from helpline.web.render import redirect

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"

__all__ = ["install", "portal_link"]

misc = APIRouter(include_in_schema=False)


@misc.get("/")
def home() -> Response:
    return redirect("/agent/")


@misc.get("/language")
def set_language(request: Request, to: str = "en", next: str = "/") -> Response:
    """Remember the chosen UI language in a cookie and go back where the user was."""
    lang = normalize(to) or "en"
    target = next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/"
    response = redirect(target)
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )
    return response


def install(app: FastAPI) -> None:
    """Add the web UI to the app (idempotent). Replaces the API-only landing page at ``/``."""
    if getattr(app.state, "helpline_web_installed", False):
        return
    from helpline.web.admin import router as admin_router
    from helpline.web.admin_channels import router as admin_channels_router
    from helpline.web.admin_holidays import router as admin_holidays_router
    from helpline.web.admin_settings import router as admin_settings_router
    from helpline.web.agent import router as agent_router
    from helpline.web.assist_panel import router as assist_panel_router
    from helpline.web.bulk import router as bulk_router
    from helpline.web.chat_live import router as chat_live_router
    from helpline.web.helpcenter import router as help_router
    from helpline.web.kb_panel import router as kb_panel_router
    from helpline.web.live import router as live_router
    from helpline.web.macros import router as macros_router
    from helpline.web.portal import router as portal_router
    from helpline.web.portal_signin import SignInLinkLimits
    from helpline.web.portal_signin import router as portal_signin_router
    from helpline.web.saved_views import router as saved_views_router
    from helpline.web.suggest import router as suggest_router

    app.state.helpline_web_installed = True
    app.state.web_signin_guard = SignInGuard()
    app.state.web_presence = make_presence(app.state.settings.redis_url)
    app.state.portal_signin_limits = SignInLinkLimits()
    app.state.web_stream_timing = StreamTiming()
    app.router.routes[:] = [
        r
        for r in app.router.routes
        if not (isinstance(r, Route) and r.path == "/" and "GET" in (r.methods or ()))
    ]
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(misc)
    app.include_router(agent_router)
    app.include_router(bulk_router)
    app.include_router(live_router)
    app.include_router(admin_router)
    app.include_router(macros_router)
    app.include_router(saved_views_router)
    app.include_router(admin_channels_router)
    app.include_router(admin_settings_router)
    app.include_router(admin_holidays_router)
    app.include_router(portal_signin_router)
    app.include_router(portal_router)
    app.include_router(suggest_router)
    app.include_router(help_router)
    app.include_router(kb_panel_router)
    app.include_router(assist_panel_router)
    app.include_router(chat_live_router)
