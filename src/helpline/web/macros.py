"""Canned replies and macros in the workspace: the admin page that manages them, and the ticket
view's picker (insert a canned reply into the composer) and one-click "apply macro".

Handlers are thin: each calls one service action of ``helpline.macros``; errors come back next to
the form with what was typed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, User
from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Forbidden, Invalid
from helpline.macros import service as macros
from helpline.macros.placeholders import PLACEHOLDERS
from helpline.tickets.models import PRIORITIES, STATUSES
from helpline.web.agent import FLASHES, _ticket_response, ticket_context
from helpline.web.deps import Agent, AgentContext, check_csrf
from helpline.web.render import SECURITY_HEADERS, WebRoute, redirect, render

router = APIRouter(prefix="/agent", route_class=WebRoute, include_in_schema=False)

DONE = {
    "reply": "Canned reply saved.",
    "reply_deleted": "Canned reply deleted.",
    "macro": "Macro saved.",
    "macro_deleted": "Macro deleted.",
    "reply_updated": "Canned reply updated.",
    "macro_updated": "Macro updated.",
}


def _require_admin(ctx: AgentContext) -> None:
    if not ctx.actor.is_admin:
        raise Forbidden("Only admins can open the admin pages.")


def _team(raw: str) -> int | None:
    if raw in ("", "none"):
        return None
    if not raw.isdigit():
        raise Invalid.field("team_id", "choose one of the listed options")
    return int(raw)


def _page(request: Request, session: Session, ctx: AgentContext, status: int = 200, **extra: Any) -> Response:
    teams = list(session.scalars(select(Team).order_by(Team.name)))
    context = {
        "ctx": ctx,
        "area": "agent",
        "replies": macros.list_canned_replies(session, ctx.actor),
        "macros": macros.list_macros(session, ctx.actor),
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "agents": list(session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.name))),
        "people": {u.id: u.name for u in session.scalars(select(User))},
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "placeholders": PLACEHOLDERS,
        "error": "",
        "error_form": "",
        "form": {},
        "flash": "",
        "editing_reply": None,
        "editing_macro": None,
        **extra,
    }
    return render(request, "admin_macros.html", context, status=status)


def _failed(
    request: Request,
    session: Session,
    ctx: AgentContext,
    exc: DomainError,
    form: str,
    kept: dict[str, Any],
    **extra: Any,
) -> Response:
    session.rollback()
    error = exc.errors[0].message if exc.errors else exc.detail
    return _page(request, session, ctx, status=422, error=error, error_form=form, form=kept, **extra)


def _macro_form(macro: Any) -> dict[str, Any]:
    """The form fields of a stored macro, to edit it."""
    a = macro.actions or {}
    assignee = a.get("assignee", "")
    return {
        "title": macro.title,
        "body": macro.body,
        "mode": "note" if macro.internal else "reply",
        "team_id": str(macro.team_id or ""),
        "set_status": a.get("status", ""),
        "set_priority": a.get("priority", ""),
        "set_assignee": str(assignee) if assignee is not None else "",
        "set_team": ("none" if a["team_id"] is None else str(a["team_id"])) if "team_id" in a else "",
        "add_tags": " ".join(a.get("add_tags", [])),
        "remove_tags": " ".join(a.get("remove_tags", [])),
    }


@router.get("/admin/macros")
def admin_macros(
    request: Request, session: DbSession, ctx: Agent, done: str = "", reply: int = 0, macro: int = 0
) -> Response:
    """The page; ``?reply=<id>`` or ``?macro=<id>`` opens that one's edit form."""
    _require_admin(ctx)
    extra: dict[str, Any] = {"flash": DONE.get(done, "")}
    if reply:
        row = macros.get_canned_reply(session, ctx.actor, reply)
        extra.update(
            editing_reply=row,
            error_form="reply",
            form={"title": row.title, "body": row.body, "team_id": str(row.team_id or "")},
        )
    elif macro:
        found = macros.get_macro(session, ctx.actor, macro)
        extra.update(editing_macro=found, error_form="macro", form=_macro_form(found))
    return _page(request, session, ctx, **extra)


@router.post("/admin/canned-replies")
def create_canned_reply(
    request: Request,
    session: DbSession,
    ctx: Agent,
    title: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
    team_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _save_reply(request, session, ctx, None, title, body, team_id, csrf_token)


@router.post("/admin/canned-replies/{reply_id}")
def update_canned_reply(
    request: Request,
    session: DbSession,
    ctx: Agent,
    reply_id: int,
    title: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
    team_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _save_reply(request, session, ctx, reply_id, title, body, team_id, csrf_token)


def _save_reply(
    request: Request,
    session: Session,
    ctx: AgentContext,
    reply_id: int | None,
    title: str,
    body: str,
    team_id: str,
    csrf_token: str,
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token, kept=body)
    kept = {"title": title, "body": body, "team_id": team_id}
    try:
        if reply_id is None:
            macros.create_canned_reply(session, ctx.actor, title=title, body=body, team_id=_team(team_id))
        else:
            macros.update_canned_reply(
                session, ctx.actor, reply_id, title=title, body=body, team_id=_team(team_id)
            )
    except DomainError as exc:
        if exc.status == 404:
            raise
        editing = macros.get_canned_reply(session, ctx.actor, reply_id) if reply_id else None
        return _failed(request, session, ctx, exc, "reply", kept, editing_reply=editing)
    return redirect(f"/agent/admin/macros?done={'reply' if reply_id is None else 'reply_updated'}")


@router.post("/admin/canned-replies/{reply_id}/delete")
def delete_canned_reply(
    request: Request, session: DbSession, ctx: Agent, reply_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    macros.delete_canned_reply(session, ctx.actor, reply_id)
    return redirect("/agent/admin/macros?done=reply_deleted")


def macro_form(
    title: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
    mode: Annotated[str, Form()] = "reply",
    team_id: Annotated[str, Form()] = "",
    set_status: Annotated[str, Form()] = "",
    set_priority: Annotated[str, Form()] = "",
    set_assignee: Annotated[str, Form()] = "",
    set_team: Annotated[str, Form()] = "",
    add_tags: Annotated[str, Form(max_length=2000)] = "",
    remove_tags: Annotated[str, Form(max_length=2000)] = "",
) -> dict[str, str]:
    """The macro form's fields, as typed (shared by creating and editing)."""
    kept = {
        "title": title,
        "body": body,
        "mode": mode,
        "team_id": team_id,
        "set_status": set_status,
        "set_priority": set_priority,
        "set_assignee": set_assignee,
        "set_team": set_team,
        "add_tags": add_tags,
        "remove_tags": remove_tags,
    }
    return kept


MacroForm = Annotated[dict[str, str], Depends(macro_form)]


@router.post("/admin/macros")
def create_macro(
    request: Request, session: DbSession, ctx: Agent, kept: MacroForm, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    return _save_macro(request, session, ctx, None, kept, csrf_token)


@router.post("/admin/macros/{macro_id}")
def update_macro(
    request: Request,
    session: DbSession,
    ctx: Agent,
    macro_id: int,
    kept: MacroForm,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _save_macro(request, session, ctx, macro_id, kept, csrf_token)


def _save_macro(
    request: Request,
    session: Session,
    ctx: AgentContext,
    macro_id: int | None,
    kept: dict[str, str],
    csrf_token: str,
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token, kept=kept["body"])
    try:
        actions: dict[str, Any] = {
            "status": kept["set_status"],
            "priority": kept["set_priority"],
            "add_tags": kept["add_tags"].replace(",", " ").split(),
            "remove_tags": kept["remove_tags"].replace(",", " ").split(),
        }
        if kept["set_assignee"] in ("me", "none"):
            actions["assignee"] = kept["set_assignee"]
        elif kept["set_assignee"]:
            actions["assignee"] = _team(kept["set_assignee"])
        if kept["set_team"]:
            actions["team_id"] = _team(kept["set_team"])
        fields: dict[str, Any] = {
            "title": kept["title"],
            "body": kept["body"],
            "internal": kept["mode"] == "note",
            "actions": actions,
            "team_id": _team(kept["team_id"]),
        }
        if macro_id is None:
            macros.create_macro(session, ctx.actor, **fields)
        else:
            macros.update_macro(session, ctx.actor, macro_id, **fields)
    except DomainError as exc:
        if exc.status == 404:
            raise
        editing = macros.get_macro(session, ctx.actor, macro_id) if macro_id else None
        return _failed(request, session, ctx, exc, "macro", kept, editing_macro=editing)
    return redirect(f"/agent/admin/macros?done={'macro' if macro_id is None else 'macro_updated'}")


@router.post("/admin/macros/{macro_id}/delete")
def delete_macro(
    request: Request, session: DbSession, ctx: Agent, macro_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    _require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    macros.delete_macro(session, ctx.actor, macro_id)
    return redirect("/agent/admin/macros?done=macro_deleted")


# -- in the ticket view ---------------------------------------------------------------------------
@router.get("/tickets/{ticket_id}/canned")
def insert_canned_reply(
    request: Request, session: DbSession, ctx: Agent, ticket_id: int, reply_id: int = 0
) -> Response:
    """The canned reply filled for this ticket: JSON for the page's script (it inserts the text at
    the cursor), or the ticket page with the text in the composer when scripts are off."""
    filled = macros.fill_canned_reply(session, ctx.actor, reply_id, ticket_id)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"text": filled.text, "unknown": filled.unknown}, headers=dict(SECURITY_HEADERS))
    composer: dict[str, Any] = {"text": filled.text, "mode": "reply", "status": "", "error": ""}
    if filled.unknown:
        composer["error"] = "Unknown placeholders were left as typed: {names}. Edit them before sending."
        composer["values"] = {"names": ", ".join(filled.unknown)}
    return render(request, "ticket.html", ticket_context(session, ctx, ticket_id, composer=composer))


@router.post("/tickets/{ticket_id}/macro")
def apply_macro(
    request: Request,
    session: DbSession,
    ctx: Agent,
    ticket_id: int,
    macro_id: Annotated[int, Form()] = 0,
    text: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Apply a macro. The page sends along the composer's draft, so the in-place update keeps it."""
    check_csrf(request, ctx.web, csrf_token)
    draft: dict[str, Any] = {"text": text, "mode": "reply", "status": "", "error": ""}
    try:
        if not macro_id:
            raise Invalid.field("macro_id", "Choose a macro first.")
        macros.apply_macro(session, ctx.actor, macro_id, ticket_id)
    except DomainError as exc:
        session.rollback()
        error = exc.errors[0].message if exc.errors else exc.detail
        return _ticket_response(
            request, session, ctx, ticket_id, status=422, macro_error=error, composer=draft
        )
    return _ticket_response(
        request, session, ctx, ticket_id, flash=FLASHES["macro"], flash_key="macro", composer=draft
    )
