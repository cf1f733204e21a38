"""Admin pages: agents, teams and API tokens, through the accounts service actions.

Every form posts to one action and comes back to the page: with a confirmation on success, or with
the reason and everything that was typed (except passwords) on failure.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpline.accounts import service as accounts
from helpline.accounts.models import Team, User
from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Forbidden, Invalid
from helpline.core.schemas import Email
from helpline.web.deps import Agent, AgentContext, check_csrf
from helpline.web.render import WebRoute, redirect, render

EMAIL: TypeAdapter[str] = TypeAdapter(Email)
router = APIRouter(prefix="/agent/admin", route_class=WebRoute, include_in_schema=False)

DONE = {
    "user": "Account created.",
    "user_updated": "Account updated.",
    "team": "Team created.",
    "member": "Team membership changed.",
    "revoked": "Token revoked.",
}


def _require_admin(ctx: AgentContext) -> None:
    if not ctx.actor.is_admin:
        raise Forbidden("Only admins can open the admin pages.")


def _page(request: Request, session: Session, ctx: AgentContext, status: int = 200, **extra: Any) -> Response:
    users = list(session.scalars(select(User).order_by(User.name).options(selectinload(User.teams))))
    teams = list(session.scalars(select(Team).order_by(Team.name).options(selectinload(Team.members))))
    tokens = accounts.list_tokens(session, ctx.actor)
    owners = {u.id: u.name for u in users}
    context = {
        "ctx": ctx,
        "area": "agent",
        "users": users,
        "teams": teams,
        "tokens": tokens,
        "owners": owners,
        "error": "",
        "error_form": "",
        "form": {},
        "flash": "",
        "secret": "",
        **extra,
    }
    return render(request, "admin.html", context, status=status)


def _failed(
    request: Request, session: Session, ctx: AgentContext, exc: DomainError, form: str, **kept: Any
) -> Response:
    session.rollback()
    error = exc.errors[0].message if exc.errors else exc.detail
    return _page(request, session, ctx, status=422, error=error, error_form=form, form=kept)


@router.get("/")
def admin_home(request: Request, session: DbSession, ctx: Agent, done: str = "") -> Response:
    _require_admin(ctx)
    return _page(request, session, ctx, flash=DONE.get(done, ""))


@router.post("/users")
def create_user(
    request: Request,
    session: DbSession,
    ctx: Agent,
    name: Annotated[str, Form(max_length=120)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form()] = "agent",
    ticket_access: Annotated[str, Form()] = "teams",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    kept = {"name": name, "email": email, "role": role, "ticket_access": ticket_access}
    try:
        if not name.strip():
            raise Invalid.field("name", "Give the person's name.")
        try:
            address = EMAIL.validate_python(email)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise Invalid.field("email", f"This email address cannot be used: {reason}") from None
        accounts.create_user(
            session,
            ctx.actor,
            email=address,
            name=name,
            role=role,
            ticket_access=ticket_access,
            password=password or None,
        )
    except DomainError as exc:
        return _failed(request, session, ctx, exc, "user", **kept)
    return redirect("/agent/admin/?done=user")


@router.post("/users/{user_id}")
def update_user(
    request: Request,
    session: DbSession,
    ctx: Agent,
    user_id: int,
    active: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    try:
        if user_id == ctx.user.id and active != "1":
            raise Invalid.field("active", "You cannot deactivate your own account.")
        accounts.update_user(session, ctx.actor, user_id, is_active=active == "1")
    except DomainError as exc:
        return _failed(request, session, ctx, exc, "users")
    return redirect("/agent/admin/?done=user_updated")


@router.post("/teams")
def create_team(
    request: Request,
    session: DbSession,
    ctx: Agent,
    name: Annotated[str, Form(max_length=80)] = "",
    description: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    try:
        if not name.strip():
            raise Invalid.field("name", "Give the team a name.")
        accounts.create_team(session, ctx.actor, name=name, description=description)
    except DomainError as exc:
        return _failed(request, session, ctx, exc, "team", team_name=name, description=description)
    return redirect("/agent/admin/?done=team")


@router.post("/teams/{team_id}/members")
def change_member(
    request: Request,
    session: DbSession,
    ctx: Agent,
    team_id: int,
    user_id: Annotated[int, Form()],
    action: Annotated[str, Form()] = "add",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    try:
        if action == "remove":
            accounts.remove_team_member(session, ctx.actor, team_id, user_id)
        else:
            accounts.add_team_member(session, ctx.actor, team_id, user_id)
    except DomainError as exc:
        return _failed(request, session, ctx, exc, f"team-{team_id}")
    return redirect("/agent/admin/?done=member")


@router.post("/tokens")
def create_token(
    request: Request,
    session: DbSession,
    ctx: Agent,
    name: Annotated[str, Form(max_length=80)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    issued = accounts.create_token(session, ctx.actor, name=name.strip())
    # Shown once, on this response only; it is stored hashed.
    return _page(
        request, session, ctx, secret=issued.secret, flash="Token created. Copy it now: it is shown once."
    )


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, session: DbSession, ctx: Agent, token_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    accounts.revoke_token(session, ctx.actor, token_id)
    return redirect("/agent/admin/?done=revoked")
