"""Portal sign-in by email: the customer asks for a link, gets it by email, and signs in with it once.

The request page answers the same whether the address belongs to a customer or not, and the limits
apply to every address alike, so the page cannot be used to find out who is a customer. Opening a
link shows a "Sign in" button first: mail scanners that fetch links do not use it up.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from helpline.core.deps import DbSession
from helpline.core.errors import DomainError
from helpline.core.ratelimit import RateLimiter, TooManyRequests
from helpline.portal.service import (
    LINK_MINUTES,
    redeem_sign_in_link,
    request_sign_in_link,
    sign_in_link_usable,
)
from helpline.web.auth import PORTAL_COOKIE, WebSession, new_session, read_session, write_session
from helpline.web.deps import load_customer
from helpline.web.render import WebRoute, redirect, render

router = APIRouter(prefix="/portal", route_class=WebRoute, include_in_schema=False)

SENT = (
    "If {address} belongs to one of our customers, we have sent a sign-in link to it. "
    "It works once, for {minutes} minutes."
)
SIGNIN_ERRORS = {
    "address": "Enter the email address you write to us from.",
    "expired": "This form has expired. Please try again.",
    "busy": "Too many sign-in links were asked for. Please wait {minutes} min and try again.",
}


class SignInLinkLimits:
    """Limits on asking for links, per address (any address, known or not) and per client; counted per
    process, or across processes through Redis when it is configured (``core.ratelimit``)."""

    def __init__(self, per_address: int = 3, per_client: int = 10, window: float = 900) -> None:
        self.addresses = RateLimiter(per_address, window, "sign-in links for this address")
        self.clients = RateLimiter(per_client, window, "sign-in links from your address")

    def take(self, address: str, client: str) -> None:
        self.addresses.check(address.strip().lower())
        self.clients.check(client)
        self.addresses.hit(address.strip().lower())
        self.clients.hit(client)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _anonymous(request: Request) -> WebSession:
    web = read_session(request, PORTAL_COOKIE)
    return web if web is not None else new_session()


def _page(request: Request, template: str, web: WebSession, status: int = 200, **extra: Any) -> Response:
    context = {
        "area": "portal",
        "csrf": web.csrf_token(request.app.state.settings),
        "address": "",
        "error": "",
        "values": {},
        "sent": "",
        **extra,
    }
    response = render(request, template, context, status=status)
    if web.fresh:
        write_session(request, response, PORTAL_COOKIE, web)
    return response


@router.get("/signin")
def signin_form(request: Request, session: DbSession) -> Response:
    if load_customer(request, session) is not None:
        return redirect("/portal/")  # already signed in
    return _page(request, "portal_signin.html", _anonymous(request))


@router.post("/signin")
def ask_for_link(
    request: Request,
    session: DbSession,
    address: Annotated[str, Form(max_length=254)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    web = _anonymous(request)
    if not web.csrf_ok(request.app.state.settings, csrf_token):
        return _page(
            request, "portal_signin.html", new_session(), 403, address=address, error=SIGNIN_ERRORS["expired"]
        )
    if not address.strip() or "@" not in address:
        return _page(request, "portal_signin.html", web, 422, address=address, error=SIGNIN_ERRORS["address"])
    limits: SignInLinkLimits = request.app.state.portal_signin_limits
    try:
        limits.take(address, _client(request))
    except TooManyRequests as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        response = _page(
            request,
            "portal_signin.html",
            web,
            429,
            address=address,
            error=SIGNIN_ERRORS["busy"],
            values={"minutes": minutes},
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        # Only the configured base URL, never the request's Host header: a forged Host would
        # otherwise put someone else's server into the link we email to a customer.
        request_sign_in_link(session, address, base_url=request.app.state.settings.base_url)
    except DomainError:
        session.rollback()
        return _page(request, "portal_signin.html", web, 422, address=address, error=SIGNIN_ERRORS["address"])
    # The same answer whether a link was sent or not.
    return _page(
        request,
        "portal_signin.html",
        web,
        sent=SENT,
        values={"address": address.strip(), "minutes": LINK_MINUTES},
    )


@router.get("/signin/{token}")
def open_link(request: Request, session: DbSession, token: str) -> Response:
    web = _anonymous(request)
    if not sign_in_link_usable(session, token):
        return _page(request, "portal_signin.html", web, 401, link_failed=True)
    response = _page(request, "portal_signin_confirm.html", web, token=token)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/signin/{token}")
def use_link(
    request: Request, session: DbSession, token: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    web = read_session(request, PORTAL_COOKIE)
    if web is None or not web.csrf_ok(request.app.state.settings, csrf_token):
        return _page(
            request,
            "portal_signin_confirm.html",
            new_session(),
            403,
            token=token,
            error=SIGNIN_ERRORS["expired"],
        )
    guard = request.app.state.web_signin_guard
    guard.clients.check(_client(request))
    customer_id = redeem_sign_in_link(session, token)
    if customer_id is None:
        guard.clients.hit(_client(request))
        return _page(request, "portal_signin.html", web, 401, link_failed=True)
    response = redirect("/portal/")
    response.headers["Referrer-Policy"] = "no-referrer"
    write_session(request, response, PORTAL_COOKIE, new_session(customer_id=customer_id))
    return response
