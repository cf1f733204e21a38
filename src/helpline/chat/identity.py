"""Signed site identity: a site tells the widget who its logged-in user is, and proves it.

The site's server signs ``user id``, ``email``, ``name`` and a Unix timestamp with the widget's
identity secret (HMAC-SHA256, hex)::

    sig = hmac.new(secret, f"{id}\\n{email}\\n{name}\\n{ts}".encode(), "sha256").hexdigest()

and puts the four values and ``sig`` on the page (``data-user-*`` attributes of the snippet or
``HelplineChat.identify({...})``). The widget sends them in its ``hello``. A valid, fresh signature
makes the chat the customer's own: the visitor is tied to the customer record found by that email
(created if new), on every device. A bad or expired one is refused with a clear reason and the
visitor goes on as an anonymous guest; an identified visitor's chat is never resumed without a valid
identity, so signing out of the site also hides the chat from the next person at that browser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.audit.service import record
from helpline.chat.models import ChatVisitor, ChatWidget
from helpline.chat.tokens import new_public_id
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Forbidden, Invalid
from helpline.customers.identities import normalize_email
from helpline.customers.models import Customer
from helpline.customers.service import create_customer, find_by_identity

MAX_AGE = 24 * 3600  # seconds a signature stays valid: sites sign afresh on every page they render
MAX_SKEW = 300  # a timestamp up to five minutes in the future is a clock difference, not an attack


@dataclass(frozen=True)
class Claims:
    user_id: str
    email: str
    name: str


class IdentityRefused(Exception):
    """Why a signed identity was not accepted; ``code`` is sent to the widget."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, user_id: str, email: str, name: str, ts: int) -> str:
    """The signature a site computes (also what tests and the docs' example use)."""
    body = f"{user_id}\n{email}\n{name}\n{ts}".encode()
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _text(value: object) -> str | None:
    """A text field of the identity: ``None`` (missing) is empty, a number is its digits."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def verify(widget: ChatWidget, raw: object, *, now: float | None = None, max_age: int = MAX_AGE) -> Claims:
    """The claims of a signed identity from ``hello``, or ``IdentityRefused`` saying why not."""
    if not widget.identity_secret:
        raise IdentityRefused("identity_not_enabled", "This chat does not accept signed identities.")
    if not isinstance(raw, dict):
        raise IdentityRefused("identity_invalid", "The identity must be an object.")
    user_id, email, name, sig = (_text(raw.get(k)) for k in ("id", "email", "name", "sig"))
    ts = raw.get("ts")
    if isinstance(ts, str) and ts.isdigit():
        ts = int(ts)
    if user_id is None or email is None or name is None or sig is None or type(ts) is not int:
        raise IdentityRefused(
            "identity_invalid", "An identity needs id, email, name (text), ts (a number) and sig."
        )
    if not user_id or len(user_id) > 255 or len(name) > 160 or len(sig) > 128:
        raise IdentityRefused("identity_invalid", "The identity's id, name or signature is malformed.")
    expected = sign(widget.identity_secret, user_id, email, name, ts)
    if not hmac.compare_digest(expected, sig.lower()):
        raise IdentityRefused("identity_invalid", "The identity's signature does not match.")
    now = time.time() if now is None else now
    if ts > now + MAX_SKEW:
        raise IdentityRefused("identity_invalid", "The identity's timestamp is in the future.")
    if now - ts > max_age:
        raise IdentityRefused("identity_expired", "The identity's signature has expired; reload the page.")
    try:
        clean_email = normalize_email(email) if email else ""
    except Invalid:
        raise IdentityRefused("identity_invalid", "The identity's email is not a valid address.") from None
    return Claims(user_id=user_id, email=clean_email, name=name.strip())


def _customer_for(session: Session, claims: Claims, visitor: ChatVisitor) -> Customer:
    found = find_by_identity(session, "email", claims.email) if claims.email else None
    if found is None and visitor.customer_id is not None and visitor.external_id == claims.user_id:
        found = session.get(Customer, visitor.customer_id)
    if found is not None:
        return found
    identities = [("chat", visitor.public_id)] + ([("email", claims.email)] if claims.email else [])
    return create_customer(session, SYSTEM, name=claims.name, identities=identities)


def identify_visitor(
    session: Session, widget: ChatWidget, visitor: ChatVisitor | None, claims: Claims
) -> ChatVisitor:
    """The visitor for a verified identity: this browser's visitor if it was anonymous or already
    this user, else the user's visitor from another browser, else a new one; tied to the customer."""
    if visitor is None or (visitor.external_id is not None and visitor.external_id != claims.user_id):
        visitor = session.scalar(
            select(ChatVisitor)
            .where(ChatVisitor.widget_id == widget.id, ChatVisitor.external_id == claims.user_id)
            .order_by(ChatVisitor.id.desc())
            .limit(1)
        )
    if visitor is None:
        visitor = ChatVisitor(public_id=new_public_id(), widget_id=widget.id)
        session.add(visitor)
        session.flush()
    newly = visitor.external_id != claims.user_id
    customer = _customer_for(session, claims, visitor)
    visitor.external_id = claims.user_id
    visitor.customer_id = customer.id
    visitor.email = claims.email or visitor.email
    visitor.name = claims.name or visitor.name
    visitor.last_seen_at = utcnow()
    if newly:
        record(
            session,
            SYSTEM,
            "chat.visitor.identify",
            "chat_visitor",
            visitor.id,
            None,
            {"external_id": claims.user_id, "customer_id": customer.id},
        )
    return visitor


def rotate_secret(session: Session, actor: Actor, widget: ChatWidget) -> str:
    """A new identity secret for the widget; signatures made with the old one stop working."""
    if not actor.is_admin:
        raise Forbidden("only admins can change a chat widget's identity secret")
    widget.identity_secret = new_secret()
    record(session, actor, "chat.widget.rotate_secret", "chat_widget", widget.id, None, {})
    return widget.identity_secret
