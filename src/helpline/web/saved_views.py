"""Inbox views: the form to save one (filters, and whether to share it with a team), and deleting it.

The views are listed in the inbox sidebar with their counts (``web.inbox``); the filters are checked
and stored by ``macros.saved_views``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, User
from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Invalid
from helpline.macros.saved_views import create_saved_view, delete_saved_view
from helpline.tickets.models import CHANNELS, PRIORITIES, STATUSES
from helpline.web.deps import Agent, AgentContext, check_csrf
from helpline.web.render import WebRoute, redirect, render

router = APIRouter(prefix="/agent/views", route_class=WebRoute, include_in_schema=False)


def _form_page(
    request: Request,
    session: Session,
    ctx: AgentContext,
    form: dict[str, Any],
    error: str = "",
    status: int = 200,
) -> Response:
    teams = list(session.scalars(select(Team).order_by(Team.name)))
    context = {
        "ctx": ctx,
        "area": "agent",
        "form": form,
        "error": error,
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "channels": CHANNELS,
        "teams": teams,
        "share_teams": [t for t in teams if ctx.actor.is_admin or t.id in ctx.actor.team_ids],
        "agents": list(session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.name))),
    }
    return render(request, "saved_view_new.html", context, status=status)


@router.get("/new")
def new_view(request: Request, session: DbSession, ctx: Agent, q: str = "") -> Response:
    return _form_page(request, session, ctx, {"q": q[:200], "status": ["new", "open"]})


def _number(name: str, raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise Invalid.field(name, "choose one of the listed options")
    return int(raw)


@router.post("")
def save_view(
    request: Request,
    session: DbSession,
    ctx: Agent,
    name: Annotated[str, Form(max_length=200)] = "",
    status: Annotated[list[str] | None, Form()] = None,
    priority: Annotated[str, Form()] = "",
    team_id: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
    tag: Annotated[str, Form(max_length=64)] = "",
    channel: Annotated[str, Form()] = "",
    mood: Annotated[str, Form()] = "",
    intent: Annotated[str, Form(max_length=120)] = "",
    q: Annotated[str, Form(max_length=200)] = "",
    share_team_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, ctx.web, csrf_token)
    form: dict[str, Any] = {
        "name": name,
        "share_team_id": share_team_id,
        "status": status or [],
        "priority": priority,
        "team_id": team_id,
        "assignee": assignee,
        "tag": tag,
        "channel": channel,
        "mood": mood,
        "intent": intent,
        "q": q,
    }
    try:
        filters: dict[str, Any] = {
            "status": status or [],
            "priority": priority,
            "team_id": _number("team_id", team_id),
            "assignee": assignee if assignee in ("", "me", "none") else _number("assignee", assignee),
            "tag": tag,
            "channel": channel,
            "mood": mood,
            "intent": intent,
            "q": q,
        }
        share = _number("share_team_id", share_team_id)
        view = create_saved_view(session, ctx.actor, name=name, filters=filters, share_team_id=share)
    except DomainError as exc:
        session.rollback()
        error = exc.errors[0].message if exc.errors else exc.detail
        return _form_page(request, session, ctx, form, error=error, status=422)
    return redirect(f"/agent/?view=saved:{view.id}")


@router.post("/{view_id}/delete")
def remove_view(
    request: Request, session: DbSession, ctx: Agent, view_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, ctx.web, csrf_token)
    delete_saved_view(session, ctx.actor, view_id)
    return redirect("/agent/")
