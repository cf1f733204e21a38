"""Signed visitor tokens: a returning browser is recognised; a forged or altered token is not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(("helpline-chat-visitor:" + secret_key).encode()).digest()


def _mac(secret_key: str, public_id: str) -> str:
    digest = hmac.new(_key(secret_key), public_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_public_id() -> str:
    return secrets.token_urlsafe(18)


def sign_visitor(secret_key: str, public_id: str) -> str:
    return f"v1.{public_id}.{_mac(secret_key, public_id)}"


def verify_visitor(secret_key: str, token: object) -> str | None:
    """The visitor's public id if ``token`` was signed by us, else ``None``."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    version, _, rest = token.partition(".")
    public_id, _, mac = rest.rpartition(".")
    if version != "v1" or not public_id or not mac:
        return None
    return public_id if hmac.compare_digest(mac, _mac(secret_key, public_id)) else None
