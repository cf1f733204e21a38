"""Signed cookies for web sessions, CSRF tokens, portal magic links and sign-in lockout.

Nothing here needs a table: a session is a JSON payload signed with HMAC-SHA256 under a key derived
from ``HELPLINE_SECRET_KEY``. An agent session is bound to a fingerprint of the user's password hash,
so changing the password (or deactivating the user) ends every session of that user. CSRF tokens are
bound to the random nonce inside the session cookie (a fresh anonymous one before sign-in), so a page
on another site cannot forge a form even though it can make the browser send the cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from helpline.core.ratelimit import RateLimiter, TooManyRequests
from helpline.core.settings import Settings, get_settings

AGENT_COOKIE = "hl_session"
PORTAL_COOKIE = "hl_portal"
LANG_COOKIE = "hl_lang"
AGENT_SESSION_SECONDS = 12 * 3600
PORTAL_SESSION_SECONDS = 7 * 24 * 3600
PORTAL_LINK_SECONDS = 30 * 24 * 3600


def _key(settings: Settings, purpose: str) -> bytes:
    return hashlib.sha256(f"helpline-web:{purpose}:{settings.secret_key}".encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(settings: Settings, purpose: str, payload: dict[str, Any]) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(_key(settings, purpose), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(settings: Settings, purpose: str, token: str | None) -> dict[str, Any] | None:
    """The payload of a token this server signed for ``purpose``, or None (tampered, foreign, expired)."""
    if not token or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    expected = hmac.new(_key(settings, purpose), body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(mac), expected):
            return None
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    expires = payload.get("exp")
    if not isinstance(expires, int | float) or expires < time.time():
        return None
    return payload


def password_fingerprint(settings: Settings, password_hash: str | None) -> str:
    mac = hmac.new(_key(settings, "pw"), (password_hash or "").encode(), hashlib.sha256).digest()
    return _b64(mac[:12])


@dataclass
class WebSession:
    """What a session cookie holds: a nonce (for CSRF) and who signed in, if anyone."""

    nonce: str
    user_id: int | None = None
    customer_id: int | None = None
    fingerprint: str = ""
    fresh: bool = False

    def csrf_token(self, settings: Settings) -> str:
        mac = hmac.new(_key(settings, "csrf"), self.nonce.encode(), hashlib.sha256).digest()
        return _b64(mac)

    def csrf_ok(self, settings: Settings, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(settings), token or "")


def new_session(**fields: Any) -> WebSession:
    return WebSession(nonce=secrets.token_urlsafe(18), fresh=True, **fields)


def read_session(request: Request, cookie: str) -> WebSession | None:
    settings: Settings = request.app.state.settings
    data = unsign(settings, cookie, request.cookies.get(cookie))
    if data is None or not isinstance(data.get("n"), str):
        return None
    user_id, customer_id = data.get("u"), data.get("c")
    return WebSession(
        nonce=data["n"],
        user_id=user_id if isinstance(user_id, int) else None,
        customer_id=customer_id if isinstance(customer_id, int) else None,
        fingerprint=str(data.get("f", "")),
    )


def is_https(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return request.url.scheme == "https" or settings.base_url.startswith("https://")


def write_session(request: Request, response: Response, cookie: str, session: WebSession) -> None:
    settings: Settings = request.app.state.settings
    lifetime = AGENT_SESSION_SECONDS if cookie == AGENT_COOKIE else PORTAL_SESSION_SECONDS
    payload: dict[str, Any] = {"n": session.nonce, "exp": int(time.time()) + lifetime}
    if session.user_id is not None:
        payload.update(u=session.user_id, f=session.fingerprint)
    if session.customer_id is not None:
        payload["c"] = session.customer_id
    response.set_cookie(
        cookie,
        sign(settings, cookie, payload),
        max_age=lifetime,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_session(request: Request, response: Response, cookie: str) -> None:
    response.delete_cookie(cookie, path="/", httponly=True, samesite="lax", secure=is_https(request))


# -- portal magic links ---------------------------------------------------------------------------
def portal_token(settings: Settings, customer_id: int, *, valid_seconds: int = PORTAL_LINK_SECONDS) -> str:
    return sign(settings, "portal-link", {"c": customer_id, "exp": int(time.time()) + valid_seconds})


def portal_link(customer_id: int, *, settings: Settings | None = None) -> str:
    """The customer's secret portal link (absolute when ``HELPLINE_BASE_URL`` is set).

    Anyone holding the link can read that customer's public conversations until it expires (30
    days), exactly like the email it is sent in; it is signed, so it cannot be guessed or altered.
    """
    settings = settings or get_settings()
    path = f"/portal/login/{portal_token(settings, customer_id)}"
    return settings.base_url.rstrip("/") + path if settings.base_url else path


def customer_from_portal_token(settings: Settings, token: str) -> int | None:
    data = unsign(settings, "portal-link", token)
    customer_id = data.get("c") if data else None
    return customer_id if isinstance(customer_id, int) else None


# -- sign-in lockout ------------------------------------------------------------------------------
class SignInGuard:
    """Locks an account after repeated failures, and slows one address trying many accounts.

    Counts live in the web process, or in Redis when ``HELPLINE_REDIS_URL`` is set (see
    ``core.ratelimit``), so several web processes lock an account together.
    """

    def __init__(
        self, per_account: int = 5, account_window: float = 900, per_client: int = 30, window: float = 300
    ) -> None:
        self.accounts = RateLimiter(per_account, account_window, "failed sign-ins for this account")
        self.clients = RateLimiter(per_client, window, "failed sign-ins from your address")

    def check(self, email: str, client: str) -> None:
        self.accounts.check(email.strip().lower())
        self.clients.check(client)

    def failed(self, email: str, client: str) -> None:
        self.accounts.hit(email.strip().lower())
        self.clients.hit(client)


__all__ = ["SignInGuard", "TooManyRequests", "WebSession", "portal_link"]
