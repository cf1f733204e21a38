"""Admin pages for the channels: mailboxes (inbound addresses mapped to teams) and chat widgets.

Each form posts to one service action (``email.mailboxes``, ``chat.service``) and comes back to its
page: with a confirmation on success, or with the reason next to the form and everything that was
typed on failure. ``?edit=<id>`` opens a row's edit form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team
from helpline.chat import service as chat
from helpline.chat.models import PRECHAT, ChatWidget
from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Forbidden, Invalid
from helpline.email import mailboxes
from helpline.web.deps import Agent, AgentContext, check_csrf
from helpline.web.render import WebRoute, redirect, render

router = APIRouter(prefix="/agent/admin", route_class=WebRoute, include_in_schema=False)

DONE = {
    "mailbox": "Mailbox saved.",
    "mailbox_disabled": "Mailbox disabled: mail to it no longer goes to its team.",
    "mailbox_enabled": "Mailbox enabled.",
    "widget": "Chat widget saved.",
    "widget_removed": "Chat widget removed: it no longer opens on any site. Its chats and tickets are kept.",
}
PRECHAT_LABELS = {
    "off": "No form: visitors start chatting at once",
    "optional": "Ask for name and email, visitors may skip it",
    "required": "Ask for name and email before the chat starts",
}


def require_admin(ctx: AgentContext) -> None:
    if not ctx.actor.is_admin:
        raise Forbidden("Only admins can open the admin pages.")


def problem(exc: DomainError) -> tuple[str, str]:
    """The message to show and the field it belongs to (empty when it concerns the whole form)."""
    if exc.errors:
        return exc.errors[0].message, exc.errors[0].field
    return exc.detail, ""


def team_choice(session: Session, raw: str, field: str = "team_id") -> int | None:
    if raw in ("", "none"):
        return None
    if not raw.isdigit() or session.get(Team, int(raw)) is None:
        raise Invalid.field(field, "Choose one of the listed teams.")
    return int(raw)


def teams_of(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))


# -- mailboxes ------------------------------------------------------------------------------------


def _mailbox_page(
    request: Request, session: Session, ctx: AgentContext, status: int = 200, **extra: Any
) -> Response:
    teams = teams_of(session)
    context = {
        "ctx": ctx,
        "area": "agent",
        "boxes": mailboxes.list_mailboxes(session, ctx.actor),
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "editing": None,
        "error": "",
        "error_field": "",
        "form": {},
        "flash": "",
        **extra,
    }
    return render(request, "admin_mailboxes.html", context, status=status)


def _mailbox_failed(
    request: Request,
    session: Session,
    ctx: AgentContext,
    exc: DomainError,
    kept: dict[str, Any],
    mailbox_id: int | None = None,
) -> Response:
    session.rollback()
    error, field = problem(exc)
    editing = mailboxes.get_mailbox(session, ctx.actor, mailbox_id) if mailbox_id else None
    return _mailbox_page(
        request, session, ctx, status=422, error=error, error_field=field, form=kept, editing=editing
    )


@router.get("/mailboxes")
def admin_mailboxes(
    request: Request, session: DbSession, ctx: Agent, edit: int = 0, done: str = ""
) -> Response:
    require_admin(ctx)
    editing = mailboxes.get_mailbox(session, ctx.actor, edit) if edit else None
    form: dict[str, Any] = {}
    if editing is not None:
        form = {
            "address": editing.address,
            "name": editing.name,
            "team_id": str(editing.team_id or ""),
            "auto_acknowledge": "1" if editing.auto_acknowledge else "",
            "bot_enabled": "1" if editing.bot_enabled else "",
            "imap_host": editing.imap_host or "",
            "imap_port": str(editing.imap_port or ""),
            "imap_security": editing.imap_security,
            "imap_username": editing.imap_username or "",
            "imap_folder": editing.imap_folder,
        }
    return _mailbox_page(request, session, ctx, editing=editing, form=form, flash=DONE.get(done, ""))


def mailbox_form(
    address: Annotated[str, Form(max_length=254)] = "",
    name: Annotated[str, Form(max_length=120)] = "",
    team_id: Annotated[str, Form()] = "",
    auto_acknowledge: Annotated[str, Form()] = "",
    bot_enabled: Annotated[str, Form()] = "",
    imap_host: Annotated[str, Form(max_length=253)] = "",
    imap_port: Annotated[str, Form(max_length=10)] = "",
    imap_security: Annotated[str, Form(max_length=16)] = "ssl",
    imap_username: Annotated[str, Form(max_length=254)] = "",
    imap_password: Annotated[str, Form(max_length=300)] = "",
    imap_folder: Annotated[str, Form(max_length=200)] = "INBOX",
    csrf_token: Annotated[str, Form()] = "",
) -> dict[str, str]:
    """The mailbox form's fields, as typed (shared by adding and editing)."""
    return dict(
        address=address,
        name=name,
        team_id=team_id,
        auto_acknowledge=auto_acknowledge,
        bot_enabled=bot_enabled,
        imap_host=imap_host,
        imap_port=imap_port,
        imap_security=imap_security,
        imap_username=imap_username,
        imap_password=imap_password,
        imap_folder=imap_folder,
        csrf_token=csrf_token,
    )


MailboxForm = Annotated[dict[str, str], Depends(mailbox_form)]


def _mailbox_fields(session: Session, form: dict[str, str]) -> dict[str, Any]:
    port = form["imap_port"].strip()
    if port and not port.isdigit():
        raise Invalid.field("imap_port", "Give the port as a number, e.g. 993.")
    return {
        "address": form["address"],
        "name": form["name"],
        "team_id": team_choice(session, form["team_id"]),
        "auto_acknowledge": form["auto_acknowledge"] == "1",
        "bot_enabled": form["bot_enabled"] == "1",
        "imap_host": form["imap_host"].strip() or None,
        "imap_port": int(port) if port else None,
        "imap_security": form["imap_security"],
        "imap_username": form["imap_username"].strip() or None,
        "imap_password": form["imap_password"] or None,
        "imap_folder": form["imap_folder"].strip() or "INBOX",
    }


def _save_mailbox(
    request: Request, session: Session, ctx: AgentContext, mailbox_id: int | None, form: dict[str, str]
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, form.pop("csrf_token"))
    kept = {k: v for k, v in form.items() if k != "imap_password"}  # a password is never sent back
    secret_key = request.app.state.settings.secret_key
    try:
        fields = _mailbox_fields(session, form)
        if mailbox_id is None:
            mailboxes.create_mailbox(session, ctx.actor, secret_key=secret_key, **fields)
        else:
            mailboxes.update_mailbox(session, ctx.actor, mailbox_id, secret_key=secret_key, **fields)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _mailbox_failed(request, session, ctx, exc, kept, mailbox_id)
    return redirect("/agent/admin/mailboxes?done=mailbox")


@router.post("/mailboxes")
def create_mailbox(request: Request, session: DbSession, ctx: Agent, form: MailboxForm) -> Response:
    return _save_mailbox(request, session, ctx, None, form)


@router.post("/mailboxes/{mailbox_id}")
def update_mailbox(
    request: Request, session: DbSession, ctx: Agent, mailbox_id: int, form: MailboxForm
) -> Response:
    return _save_mailbox(request, session, ctx, mailbox_id, form)


@router.post("/mailboxes/{mailbox_id}/active")
def set_mailbox_active(
    request: Request,
    session: DbSession,
    ctx: Agent,
    mailbox_id: int,
    active: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    mailboxes.update_mailbox(session, ctx.actor, mailbox_id, active=active == "1")
    return redirect(
        f"/agent/admin/mailboxes?done={'mailbox_enabled' if active == '1' else 'mailbox_disabled'}"
    )


# -- chat widgets ---------------------------------------------------------------------------------


def snippet(request: Request, widget: ChatWidget) -> str:
    base = request.app.state.settings.base_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f'<script src="{base}/chat/widget.js" data-widget="{widget.key}" async></script>'


def _widget_page(
    request: Request, session: Session, ctx: AgentContext, status: int = 200, **extra: Any
) -> Response:
    require_admin(ctx)
    teams = teams_of(session)
    widgets = chat.list_widgets(session)
    context = {
        "ctx": ctx,
        "area": "agent",
        "widgets": widgets,
        "snippets": {w.id: snippet(request, w) for w in widgets},
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "prechat_options": [(p, PRECHAT_LABELS[p]) for p in PRECHAT],
        "editing": None,
        "error": "",
        "error_field": "",
        "form": {"prechat": "optional", "followup_minutes": "5"},
        "flash": "",
        **extra,
    }
    return render(request, "admin_chat_widgets.html", context, status=status)


def _widget_fields(session: Session, form: dict[str, str]) -> dict[str, Any]:
    raw = form["followup_minutes"].strip() or "5"
    if not raw.isdigit():
        raise Invalid.field("followup_minutes", "Give a whole number of minutes between 0 and 1440.")
    return {
        "name": form["name"],
        "allowed_origins": form["allowed_origins"].replace(",", " ").split(),
        "prechat": form["prechat"],
        "team_id": team_choice(session, form["team_id"]),
        "followup_minutes": int(raw),
        "bot_enabled": form.get("bot_enabled") == "on",
    }


def _get_widget(session: Session, widget_id: int) -> ChatWidget:
    return chat.get_widget(session, widget_id)


@router.get("/chat-widgets")
def admin_chat_widgets(
    request: Request, session: DbSession, ctx: Agent, edit: int = 0, done: str = ""
) -> Response:
    require_admin(ctx)
    extra: dict[str, Any] = {"flash": DONE.get(done, "")}
    if edit:
        w = _get_widget(session, edit)
        extra["editing"] = w
        extra["form"] = {
            "name": w.name,
            "allowed_origins": "\n".join(w.allowed_origins or []),
            "prechat": w.prechat,
            "team_id": str(w.team_id or ""),
            "followup_minutes": str(w.followup_minutes),
            "bot_enabled": "on" if w.bot_enabled else "",
        }
    return _widget_page(request, session, ctx, **extra)


def _save_widget(
    request: Request, session: Session, ctx: AgentContext, widget_id: int | None, form: dict[str, str]
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, form.pop("csrf_token"), kept=form["allowed_origins"])
    try:
        fields = _widget_fields(session, form)
        if widget_id is None:
            widget = chat.create_widget(session, ctx.actor, **fields)
        else:
            widget = chat.update_widget(session, ctx.actor, widget_id, **fields)
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        error, field = problem(exc)
        editing = _get_widget(session, widget_id) if widget_id else None
        return _widget_page(
            request, session, ctx, 422, error=error, error_field=field, form=form, editing=editing
        )
    return redirect(f"/agent/admin/chat-widgets?done=widget#widget-{widget.id}")


def widget_form(
    name: Annotated[str, Form(max_length=120)] = "",
    allowed_origins: Annotated[str, Form(max_length=5000)] = "",
    prechat: Annotated[str, Form()] = "optional",
    team_id: Annotated[str, Form()] = "",
    followup_minutes: Annotated[str, Form(max_length=10)] = "5",
    bot_enabled: Annotated[str, Form(max_length=3)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> dict[str, str]:
    """The chat widget form's fields, as typed (shared by adding and editing)."""
    form = dict(
        name=name,
        allowed_origins=allowed_origins,
        prechat=prechat,
        team_id=team_id,
        followup_minutes=followup_minutes,
        bot_enabled=bot_enabled,
        csrf_token=csrf_token,
    )
    return form


WidgetForm = Annotated[dict[str, str], Depends(widget_form)]


@router.post("/chat-widgets")
def create_chat_widget(request: Request, session: DbSession, ctx: Agent, form: WidgetForm) -> Response:
    return _save_widget(request, session, ctx, None, form)


@router.post("/chat-widgets/{widget_id}")
def update_chat_widget(
    request: Request, session: DbSession, ctx: Agent, widget_id: int, form: WidgetForm
) -> Response:
    return _save_widget(request, session, ctx, widget_id, form)


@router.post("/chat-widgets/{widget_id}/remove")
def remove_chat_widget(
    request: Request,
    session: DbSession,
    ctx: Agent,
    widget_id: int,
    confirm: Annotated[str, Form(max_length=3)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    widget = _get_widget(session, widget_id)
    if confirm != "on":
        error = "Tick the box to confirm that the chat should stop working on these sites."
        return _widget_page(request, session, ctx, 422, error=error, error_field=f"remove-{widget.id}")
    chat.remove_widget(session, ctx.actor, widget.id)
    return redirect("/agent/admin/chat-widgets?done=widget_removed")
