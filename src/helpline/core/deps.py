"""Request dependencies: one database session (one transaction) per request, and the actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from helpline.core.actor import Actor
from helpline.core.db import Database
from helpline.core.errors import Forbidden, Unauthorized
from helpline.core.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """Commit when the handler returns, before the response leaves; roll back on any error."""
    db = get_db(request)
    maker = db.read_sessions if request.method in SAFE_METHODS else db.sessions
    with maker() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


DbSession = Annotated[Session, Depends(get_session, scope="function")]
ReadSession = DbSession


def get_actor(request: Request, session: DbSession) -> Actor:
    return _authenticate(request, session)


def get_detached_actor(request: Request) -> Actor:
    """Authenticate in a short transaction of its own, for handlers that run their own units of
    work (raw email intake, IMAP polling) and must not hold the request's write lock meanwhile."""
    with get_db(request).transaction() as session:
        return _authenticate(request, session)


def _authenticate(request: Request, session: Session) -> Actor:
    from helpline.accounts.service import authenticate_token

    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("send an API token as 'Authorization: Bearer <token>'")
    limiter = request.app.state.auth_limiter
    client = request.client.host if request.client else "unknown"
    limiter.check(client)
    try:
        return authenticate_token(session, secret.strip())
    except Unauthorized:
        limiter.hit(client)
        raise


CurrentActor = Annotated[Actor, Depends(get_actor)]


def require_staff(actor: CurrentActor) -> Actor:
    if not actor.is_staff:
        raise Forbidden("this endpoint is for agents and admins")
    return actor


def require_admin(actor: CurrentActor) -> Actor:
    if not actor.is_admin:
        raise Forbidden("this endpoint is for admins")
    return actor


def require_admin_detached(actor: Annotated[Actor, Depends(get_detached_actor)]) -> Actor:
    if not actor.is_admin:
        raise Forbidden("this endpoint is for admins")
    return actor


StaffActor = Annotated[Actor, Depends(require_staff)]
AdminActor = Annotated[Actor, Depends(require_admin)]
DetachedAdminActor = Annotated[Actor, Depends(require_admin_detached)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
