"""Rendering pages: the Jinja2 environment, safe response headers, language, and HTML error pages."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape

from helpline.core.errors import DomainError
from helpline.core.ratelimit import TooManyRequests
from helpline.web import i18n
from helpline.web.auth import LANG_COOKIE
from helpline.web.i18n import _

log = logging.getLogger(__name__)

env = Environment(
    loader=PackageLoader("helpline.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def ago(value: dt.datetime | None) -> str:
    """A short, translated 'how long ago' for lists (the exact time goes in a title attribute)."""
    if value is None:
        return ""
    seconds = max(0, int((dt.datetime.now(dt.UTC) - value).total_seconds()))
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _("{n} min ago", n=seconds // 60)
    if seconds < 86400:
        return _("{n} h ago", n=seconds // 3600)
    return _("{n} d ago", n=seconds // 86400)


def due(value: dt.datetime | None) -> str:
    """A short, translated 'due in …' or 'overdue by …' for an SLA due time."""
    if value is None:
        return ""
    seconds = int((value - dt.datetime.now(dt.UTC)).total_seconds())
    late, seconds = seconds < 0, abs(seconds)
    if seconds < 3600:
        amount = _("{n} min", n=max(1, seconds // 60))
    elif seconds < 86400:
        amount = _("{n} h", n=seconds // 3600)
    else:
        amount = _("{n} d", n=seconds // 86400)
    return _("overdue by {amount}", amount=amount) if late else _("due in {amount}", amount=amount)


def is_overdue(value: dt.datetime | None) -> bool:
    return value is not None and value < dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def size(value: int) -> str:
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value / 1024:.0f} KB"
    return f"{value / 1024 / 1024:.1f} MB"


env.globals.update(_=_, languages=i18n.LANGUAGES, current_language=i18n.current_language)
env.filters.update(ago=ago, due=due, iso=iso, size=size)
env.tests.update(overdue=is_overdue)


def choose_language(request: Request, preferred: str | None = None) -> str:
    """Cookie choice first, then the customer's own language, then the browser's."""
    lang = (
        i18n.normalize(request.cookies.get(LANG_COOKIE))
        or i18n.normalize(preferred)
        or i18n.from_accept_language(request.headers.get("accept-language", ""))
    )
    return i18n.set_language(lang)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = context or {}
    choose_language(request, context.get("preferred_language"))
    values = {"request": request, "lang": i18n.current_language(), **context}
    html = env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def redirect(url: str, status: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status, headers=SECURITY_HEADERS)


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    area = "portal" if request.url.path.startswith("/portal") else "agent"
    return render(
        request,
        "error.html",
        {"title": title, "detail": detail, "area": area, "status": status},
        status=status,
    )


def _problem_page(request: Request, exc: Exception) -> Response:
    from helpline.web.deps import CsrfFailed, SignInRequired

    choose_language(request)
    if isinstance(exc, SignInRequired):
        if exc.area == "agent":
            target = "/agent/login"
            if request.method == "GET" and request.url.path != "/agent/":
                target += "?" + urlencode({"next": request.url.path})
            if is_htmx(request):
                return Response(status_code=200, headers={"HX-Redirect": target})
            return redirect(target)
        return render(request, "portal_expired.html", {"area": "portal"}, status=401)
    if isinstance(exc, CsrfFailed):
        return render(
            request,
            "error.html",
            {
                "title": _("Form expired"),
                "detail": _(exc.detail),
                "kept": exc.kept,
                "status": 403,
                "area": "portal" if request.url.path.startswith("/portal") else "agent",
            },
            status=403,
        )
    if isinstance(exc, TooManyRequests):
        response = error_page(
            request,
            429,
            _("Too many attempts"),
            _("Please wait {n} seconds and try again.", n=exc.retry_after),
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DomainError):
        titles = {
            401: _("Please sign in"),
            403: _("Not allowed"),
            404: _("Not found"),
            409: _("Conflict"),
            422: _("Please check your input"),
        }
        detail = _("This page does not exist or is not yours to see.") if exc.status == 404 else exc.detail
        return error_page(request, exc.status, titles.get(exc.status, _("Something went wrong")), detail)
    if isinstance(exc, RequestValidationError):
        return error_page(request, 422, _("Please check your input"), _("The address or form is incomplete."))
    return error_page(
        request,
        500,
        _("Something went wrong"),
        _("Something went wrong on our side; nothing was saved. Please try again."),
    )


class WebRoute(APIRoute):
    """Routes of the web UI answer HTML error pages instead of problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except (DomainError, RequestValidationError) as exc:
                return _problem_page(request, exc)
            except Exception as exc:
                log.exception("web request %s %s failed", request.method, request.url.path)
                return _problem_page(request, exc)

        return route
