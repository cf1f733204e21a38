"""Who is using the web UI: the signed-in agent or the portal customer, and the CSRF check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.accounts.models import User
from helpline.accounts.service import actor_for_customer, actor_for_user
from helpline.core.actor import Actor
from helpline.core.deps import DbSession
from helpline.core.errors import DomainError
from helpline.core.settings import Settings
from helpline.customers.models import Customer
from helpline.web.auth import (
    AGENT_COOKIE,
    PORTAL_COOKIE,
    WebSession,
    password_fingerprint,
    read_session,
)


class SignInRequired(DomainError):
    def __init__(self, area: str) -> None:
        super().__init__("please sign in", status=401, title="Please sign in", kind="unauthorized")
        self.area = area


class CsrfFailed(DomainError):
    """A form without the token of this browser's session: stale page, or sent from another site."""

    def __init__(self, kept: str = "") -> None:
        super().__init__(
            "This form could not be verified (it may be older than your current sign-in, or it was "
            "sent from another site). Nothing was saved. Reload the page and send it again.",
            status=403,
            title="Form expired",
            kind="csrf",
        )
        self.kept = kept


@dataclass
class AgentContext:
    user: User
    actor: Actor
    web: WebSession
    csrf: str


@dataclass
class PortalContext:
    customer: Customer
    actor: Actor
    web: WebSession
    csrf: str


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def load_agent(request: Request, session: Session) -> AgentContext | None:
    web = read_session(request, AGENT_COOKIE)
    if web is None or web.user_id is None:
        return None
    user = session.scalar(select(User).where(User.id == web.user_id, User.is_active.is_(True)))
    settings = _settings(request)
    if user is None or web.fingerprint != password_fingerprint(settings, user.password_hash):
        return None
    return AgentContext(user, actor_for_user(session, user), web, web.csrf_token(settings))


def current_agent(request: Request, session: DbSession) -> AgentContext:
    ctx = load_agent(request, session)
    if ctx is None:
        raise SignInRequired("agent")
    return ctx


def load_customer(request: Request, session: Session) -> PortalContext | None:
    web = read_session(request, PORTAL_COOKIE)
    if web is None or web.customer_id is None:
        return None
    customer = session.get(Customer, web.customer_id)
    seen: set[int] = set()
    while customer is not None and customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = session.get(Customer, customer.merged_into_id)
    if customer is None:
        return None
    return PortalContext(customer, actor_for_customer(customer), web, web.csrf_token(_settings(request)))


def current_customer(request: Request, session: DbSession) -> PortalContext:
    ctx = load_customer(request, session)
    if ctx is None:
        raise SignInRequired("portal")
    return ctx


def check_csrf(request: Request, web: WebSession, token: str, kept: str = "") -> None:
    if not web.csrf_ok(_settings(request), token):
        raise CsrfFailed(kept)


Agent = Annotated[AgentContext, Depends(current_agent)]
PortalCustomer = Annotated[PortalContext, Depends(current_customer)]
