"""The agent workspace: sign-in and sign-out, the inbox, and the ticket view with its actions.

Handlers are thin: they check the session and CSRF token, call one service action (``add_message``,
``update_ticket``) and render. Service errors become a message next to the form, keeping what was typed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, User
from helpline.accounts.service import authenticate_password
from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Invalid, Unauthorized
from helpline.core.ratelimit import TooManyRequests
from helpline.customers.service import get_customer
from helpline.macros.saved_views import list_saved_views, may_delete
from helpline.macros.service import list_canned_replies, list_macros
from helpline.sla.queries import ticket_sla
from helpline.tickets.access import get_visible_ticket, visible_tickets
from helpline.tickets.conversation import add_message, get_attachment, list_messages
from helpline.tickets.models import PRIORITIES, STATUSES, Ticket
from helpline.tickets.queries import ticket_load_options
from helpline.tickets.service import UNSET, NewMessage, update_ticket
from helpline.web.auth import (
    AGENT_COOKIE,
    SignInGuard,
    clear_session,
    new_session,
    password_fingerprint,
    read_session,
    write_session,
)
from helpline.web.collision import Presence, written_since
from helpline.web.copilot import copilot_context
from helpline.web.deps import Agent, AgentContext, check_csrf, load_agent
from helpline.web.files import attachment_response, read_uploads
from helpline.web.inbox import SORTS, VIEWS, inbox_page, saved_key, view_counts
from helpline.web.render import WebRoute, is_htmx, redirect, render
from helpline.web.timeline import timeline

router = APIRouter(prefix="/agent", route_class=WebRoute, include_in_schema=False)
MAX_MESSAGES = 500
PAST_TICKETS = 10


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(target: str) -> str:
    ok = target.startswith("/agent/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/agent/"


# -- sign-in --------------------------------------------------------------------------------------
def _login_page(
    request: Request,
    *,
    email: str = "",
    error: str = "",
    next_: str = "",
    status: int = 200,
    note: str = "",
    values: dict[str, Any] | None = None,
) -> Response:
    web = read_session(request, AGENT_COOKIE)
    if web is None or web.user_id is not None:
        web = new_session()
    settings = request.app.state.settings
    context = {
        "csrf": web.csrf_token(settings),
        "email": email,
        "error": error,
        "values": values or {},
        "next": next_,
        "note": note,
    }
    response = render(request, "login.html", {**context, "area": "login"}, status=status)
    if web.fresh:
        write_session(request, response, AGENT_COOKIE, web)
    return response


@router.get("/login")
def login_form(request: Request, session: DbSession, next: str = "", out: bool = False) -> Response:
    if load_agent(request, session) is not None:
        return redirect(_safe_next(next))
    return _login_page(request, next_=next, note="You have signed out." if out else "")


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    web = read_session(request, AGENT_COOKIE)
    if web is None or not web.csrf_ok(request.app.state.settings, csrf_token):
        error = "This sign-in form has expired. Please sign in again."
        return _login_page(request, email=email, error=error, next_=next, status=403)
    guard: SignInGuard = request.app.state.web_signin_guard
    client = _client(request)
    try:
        guard.check(email, client)
    except TooManyRequests as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        error = "Too many failed sign-ins. For your safety, sign-in is paused for {minutes} min."
        response = _login_page(
            request, email=email, error=error, next_=next, status=429, values={"minutes": minutes}
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if not email.strip() or not password:
        return _login_page(
            request, email=email, error="Enter your email and password.", next_=next, status=422
        )
    try:
        user = authenticate_password(session, email, password)
    except Unauthorized:
        guard.failed(email, client)
        return _login_page(request, email=email, error="Wrong email or password.", next_=next, status=401)
    fresh = new_session(
        user_id=user.id, fingerprint=password_fingerprint(request.app.state.settings, user.password_hash)
    )
    response = redirect(_safe_next(next))
    write_session(request, response, AGENT_COOKIE, fresh)
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    web = read_session(request, AGENT_COOKIE)
    if web is not None:
        check_csrf(request, web, csrf_token)
    response = redirect("/agent/login?out=1")
    clear_session(request, response, AGENT_COOKIE)
    return response


# -- inbox ----------------------------------------------------------------------------------------
@router.get("/")
def inbox(
    request: Request,
    session: DbSession,
    ctx: Agent,
    view: str = "",
    sort: str = "priority",
    q: Annotated[str, Query(max_length=200)] = "",
    page: int = 1,
    done: int | None = None,
) -> Response:
    flash = ("Updated {n} tickets.", {"n": done}) if done is not None else None
    return render_inbox(request, session, ctx, view=view, sort=sort, q=q, page=page, flash=flash)


def render_inbox(
    request: Request,
    session: Session,
    ctx: AgentContext,
    *,
    view: str,
    sort: str,
    q: str,
    page: int,
    error: str = "",
    flash: tuple[str, dict[str, Any]] | None = None,
    selected: frozenset[int] = frozenset(),
    status: int = 200,
) -> Response:
    saved_views = list_saved_views(session, ctx.actor)
    counts = view_counts(session, ctx.actor, saved_views)
    saved = next((v for v in saved_views if saved_key(v) == view), None)
    if view.startswith("saved:") and saved is None:
        error, view = error or "This view no longer exists.", ""
    if not view:
        view = "mine" if counts["mine"] else "open"
    try:
        result = inbox_page(session, ctx.actor, view=view, sort=sort, q=q, page=page, saved=saved)
    except Invalid as exc:
        if exc.errors and exc.errors[0].field == "q":
            error = "Give at least one word to search for."
            result = inbox_page(session, ctx.actor, view=view, sort=sort, page=1, saved=saved)
        else:
            raise
    context = {
        "ctx": ctx,
        "area": "agent",
        "views": VIEWS,
        "saved_views": [(saved_key(v), v.name) for v in saved_views if v.user_id == ctx.actor.id],
        "team_views": [(saved_key(v), v.name) for v in saved_views if v.user_id != ctx.actor.id],
        "saved": saved,
        "may_delete_saved": saved is not None and may_delete(ctx.actor, saved),
        "view_title": saved.name if saved else dict(VIEWS).get(view, ""),
        "sorts": SORTS,
        "counts": counts,
        "view": view,
        "sort": sort,
        "q": q,
        "page": page,
        "result": result,
        "error": error,
        "flash": flash,
        "selected": selected,
        "statuses": STATUSES,
        "priorities": PRIORITIES,
    }
    return render(request, "inbox.html", context, status=status)


# -- ticket ---------------------------------------------------------------------------------------
def ticket_context(session: Session, ctx: AgentContext, ticket_id: int, **extra: Any) -> dict[str, Any]:
    get_visible_ticket(session, ctx.actor, ticket_id)
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).options(*ticket_load_options()))
    assert ticket is not None
    messages = list_messages(session, ctx.actor, ticket_id, after_id=None, limit=MAX_MESSAGES)
    customer = get_customer(session, ctx.actor, ticket.requester_id)
    past = list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.requester_id == customer.id,
                Ticket.id != ticket.id,
                Ticket.merged_into_id.is_(None),
                visible_tickets(ctx.actor),
            )
            .order_by(Ticket.id.desc())
            .limit(PAST_TICKETS)
        )
    )
    teams = list(session.scalars(select(Team).order_by(Team.name)))
    agents = list(session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.name)))
    return {
        "ctx": ctx,
        "area": "agent",
        "ticket": ticket,
        "messages": messages,
        "entries": timeline(session, ticket.id, messages, for_customer=False),
        "people": {u.id: u.name for u in agents},
        "team_names": {t.id: t.name for t in teams},
        "customer": customer,
        "past": past,
        "sla": ticket_sla(session, ctx.actor, ticket_id),
        "teams": teams,
        "agents": agents,
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "composer": {"text": "", "mode": "reply", "status": "", "error": ""},
        "last_message_id": max((m.id for m in messages), default=0),
        "canned_replies": list_canned_replies(session, ctx.actor),
        "macros": list_macros(session, ctx.actor),
        "macro_error": "",
        "fields_form": None,
        "fields_error": "",
        "flash": "",
        **copilot_context(session, messages),
        **extra,
    }


def _ticket_response(
    request: Request, session: Session, ctx: AgentContext, ticket_id: int, status: int = 200, **extra: Any
) -> Response:
    context = ticket_context(session, ctx, ticket_id, **extra)
    if is_htmx(request):
        return render(request, "_ticket.html", context, status=status)
    if status == 200 and request.method == "POST":
        return redirect(f"/agent/tickets/{ticket_id}?done={extra.get('flash_key', '')}")
    return render(request, "ticket.html", context, status=status)


FLASHES = {
    "reply": "Reply sent.",
    "note": "Internal note added.",
    "fields": "Ticket updated.",
    "assign_me": "Assigned to you.",
    "solve": "Ticket solved.",
    "macro": "Macro applied.",
    "merged": "The selected tickets were merged into this one.",
}


@router.get("/tickets/{ticket_id}")
def ticket_view(request: Request, session: DbSession, ctx: Agent, ticket_id: int, done: str = "") -> Response:
    return render(
        request, "ticket.html", ticket_context(session, ctx, ticket_id, flash=FLASHES.get(done, ""))
    )


@router.post("/tickets/{ticket_id}/messages")
def post_message(
    request: Request,
    session: DbSession,
    ctx: Agent,
    ticket_id: int,
    text: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "reply",
    status: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
    seen: Annotated[int | None, Form()] = None,
) -> Response:
    check_csrf(request, ctx.web, csrf_token, kept=text)
    composer: dict[str, Any] = {"text": text, "mode": mode, "status": status, "error": ""}
    max_bytes = request.app.state.settings.attachment_max_bytes
    get_visible_ticket(session, ctx.actor, ticket_id)
    others = written_since(session, ticket_id, seen, ctx.user.id) if seen is not None else []
    if others:
        composer["error"] = (
            "{names} wrote on this ticket while you were writing. Read it above, then send again."
        )
        composer["values"] = {"names": ", ".join(others)}
        return _ticket_response(request, session, ctx, ticket_id, status=409, composer=composer)
    try:
        if mode not in ("reply", "note"):
            raise Invalid.field("mode", "choose a public reply or an internal note")
        if status and status not in STATUSES:
            raise Invalid.field("status", f"{status!r} is not a status")
        attachments = read_uploads(files, max_bytes)
        if not text.strip() and not attachments:
            raise Invalid.field("text", "Write a message before sending.")
        add_message(
            session,
            ctx.actor,
            ticket_id,
            NewMessage(
                text=text,
                internal=mode == "note",
                channel="web" if mode == "reply" else None,
                attachments=attachments,
            ),
            status=status or UNSET,
            max_attachment_bytes=max_bytes,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        composer["error"] = exc.errors[0].message if exc.errors else exc.detail
        return _ticket_response(request, session, ctx, ticket_id, status=422, composer=composer)
    flash = "note" if mode == "note" else "reply"
    return _ticket_response(request, session, ctx, ticket_id, flash=FLASHES[flash], flash_key=flash)


def _optional_id(name: str, raw: str) -> int | None:
    if raw in ("", "none"):
        return None
    if not raw.isdigit():
        raise Invalid.field(name, "choose one of the listed options")
    return int(raw)


@router.post("/tickets/{ticket_id}/fields")
def post_fields(
    request: Request,
    session: DbSession,
    ctx: Agent,
    ticket_id: int,
    status: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
    assignee_id: Annotated[str, Form()] = "",
    team_id: Annotated[str, Form()] = "",
    tags: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, ctx.web, csrf_token)
    typed = {
        "status": status,
        "priority": priority,
        "assignee_id": assignee_id,
        "team_id": team_id,
        "tags": tags,
    }
    try:
        update_ticket(
            session,
            ctx.actor,
            ticket_id,
            status=status or UNSET,
            priority=priority or UNSET,
            assignee_id=_optional_id("assignee_id", assignee_id),
            team_id=_optional_id("team_id", team_id),
            tags=[t for t in tags.replace(",", " ").split() if t],
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        error = exc.errors[0].message if exc.errors else exc.detail
        return _ticket_response(
            request, session, ctx, ticket_id, status=422, fields_form=typed, fields_error=error
        )
    return _ticket_response(request, session, ctx, ticket_id, flash=FLASHES["fields"], flash_key="fields")


@router.post("/tickets/{ticket_id}/quick")
def post_quick(
    request: Request,
    session: DbSession,
    ctx: Agent,
    ticket_id: int,
    action: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, ctx.web, csrf_token)
    try:
        if action == "assign_me":
            update_ticket(session, ctx.actor, ticket_id, assignee_id=ctx.user.id)
        elif action == "solve":
            update_ticket(session, ctx.actor, ticket_id, status="solved")
        else:
            raise Invalid.field("action", "unknown action")
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        error = exc.errors[0].message if exc.errors else exc.detail
        return _ticket_response(request, session, ctx, ticket_id, status=422, fields_error=error)
    return _ticket_response(request, session, ctx, ticket_id, flash=FLASHES[action], flash_key=action)


@router.get("/tickets/{ticket_id}/presence")
def presence(request: Request, session: DbSession, ctx: Agent, ticket_id: int, typing: str = "") -> Response:
    """Heartbeat from an open ticket page: answers who else is viewing or typing there."""
    get_visible_ticket(session, ctx.actor, ticket_id)
    registry: Presence = request.app.state.web_presence
    others = registry.beat(ticket_id, ctx.user.id, ctx.user.name, typing == "1")
    return render(request, "_presence.html", {"others": others})


@router.get("/attachments/{attachment_id}")
def attachment(session: DbSession, ctx: Agent, attachment_id: int) -> Response:
    return attachment_response(get_attachment(session, ctx.actor, attachment_id))
