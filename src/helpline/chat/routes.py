"""HTTP and WebSocket doors of the chat: the visitor socket, the widget script, widget admin (API),
and the agent side of a chat ticket (live events and typing)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Request, Response, WebSocket
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from helpline.chat.identity import IdentityRefused, rotate_secret
from helpline.chat.identity import verify as verify_identity
from helpline.chat.models import ChatVisitor, ChatWidget
from helpline.chat.service import (
    ChatConfig,
    channel_of,
    conversations_of_ticket,
    create_widget,
    get_widget,
    origin_allowed,
    remove_widget,
    send_message,
    visitor_file,
    widget_by_key,
)
from helpline.chat.service import list_widgets as chat_list_widgets
from helpline.chat.socket import visitor_socket
from helpline.chat.tokens import verify_visitor
from helpline.chat.uploads import UploadRefused, check_upload, verify_file_sig
from helpline.core.db import Database
from helpline.core.deps import AdminActor, DbSession
from helpline.core.errors import DomainError, NotFound
from helpline.core.problems import PROBLEM, TYPE_BASE
from helpline.core.ratelimit import RateLimiter, TooManyRequests
from helpline.core.schemas import Strict
from helpline.realtime import broker_of
from helpline.tickets.access import get_visible_ticket
from helpline.web.deps import current_agent
from helpline.web.files import attachment_response

STATIC = Path(__file__).parent / "static"

public = APIRouter(include_in_schema=False)
api = APIRouter(tags=["chat"])


@public.websocket("/chat/ws")
async def chat_ws(websocket: WebSocket) -> None:
    await visitor_socket(websocket)


@public.get("/chat/widget.js")
def widget_script() -> FileResponse:
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


# -- files from the widget -----------------------------------------------------------------------


def _same_user(widget: ChatWidget, visitor: ChatVisitor, raw: object) -> bool:
    """A signed-in visitor's chat takes files only with that user's valid signed identity (the
    next person at a shared browser holds the token, not the signature)."""
    try:
        claims = verify_identity(widget, json.loads(raw) if isinstance(raw, str) else None)
    except (IdentityRefused, ValueError):
        return False
    return claims.user_id == visitor.external_id


def _refusal(request: Request, status: int, code: str, detail: str, cors: dict[str, str]) -> JSONResponse:
    """problem+json with the widget's ``code``, readable by the widget's page (CORS)."""
    title = {413: "Too large", 415: "Unsupported file type", 429: "Too many requests"}.get(status, "Refused")
    body = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail, "code": code}
    body["instance"] = request.url.path
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=cors)


@public.post("/chat/upload", status_code=201)
async def chat_upload(request: Request) -> Response:
    """A file from the widget (multipart: ``file``, ``token``, ``client_id``, optional ``text``); it
    becomes a message of the visitor's chat and reaches the widget like any other message."""
    cfg: ChatConfig = request.app.state.chat_config
    db: Database = request.app.state.db
    origin = request.headers.get("origin")

    def find() -> ChatWidget | None:
        with db.read_sessions() as session:
            return widget_by_key(session, request.query_params.get("widget", ""))

    widget = await run_in_threadpool(find)
    if widget is None:
        return _refusal(request, 404, "unknown_widget", "This chat widget does not exist.", {})
    if not origin_allowed(widget, origin):
        return _refusal(request, 403, "origin_not_allowed", f"This chat is not enabled on {origin}.", {})
    cors = {"Access-Control-Allow-Origin": origin or "*", "Vary": "Origin"}
    limit = cfg.upload_max_bytes
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > limit + 64 * 1024:
        detail = f"The file is larger than the limit of {limit / (1024 * 1024):.1f} MB."
        return _refusal(request, 413, "too_large", detail, cors)
    try:
        form = await request.form(max_files=1, max_fields=8)
    except Exception:
        return _refusal(request, 400, "bad_request", "Send the file as multipart/form-data.", cors)
    upload, token = form.get("file"), form.get("token")
    public_id = verify_visitor(request.app.state.settings.secret_key, token)
    if public_id is None:
        return _refusal(request, 401, "unknown_visitor", "Open the chat first, then send the file.", cors)
    if not isinstance(upload, UploadFile):
        return _refusal(request, 422, "no_file", "Choose a file to send.", cors)
    client_id, text, identity = form.get("client_id"), form.get("text") or "", form.get("identity")
    if not isinstance(client_id, str | None) or not isinstance(text, str) or len(text) > cfg.max_chars:
        return _refusal(request, 422, "bad_request", "client_id and text must be short text.", cors)
    try:
        attachment = check_upload(
            upload.filename or "", upload.content_type or "", await upload.read(limit + 1), limit
        )
    except UploadRefused as refused:
        return _refusal(request, refused.status, refused.code, refused.message, cors)
    limiter: RateLimiter = request.app.state.chat_limiter

    def work() -> tuple[int, int, bool]:
        with db.transaction() as session:
            visitor = session.scalar(select(ChatVisitor).where(ChatVisitor.public_id == public_id))
            if visitor is None or visitor.widget_id != widget.id:
                raise NotFound("Open the chat first, then send the file.")
            if visitor.external_id is not None and not _same_user(widget, visitor, identity):
                raise NotFound("Sign in on the site again, then send the file.")
            limiter.check(f"v{visitor.id}")
            if widget.prechat == "required" and not visitor.email:
                raise DomainError("Please leave your email address first.", kind="details_required")
            sent = send_message(
                session, visitor.id, text.strip(), client_id, [attachment], max_attachment_bytes=limit
            )
            return visitor.id, *sent

    try:
        visitor_id, message_id, new = await run_in_threadpool(work)
    except TooManyRequests as error:
        cors_retry = {**cors, "Retry-After": str(error.retry_after)}
        return _refusal(request, 429, "rate_limited", str(error), cors_retry)
    except NotFound as error:
        return _refusal(request, 401, "unknown_visitor", str(error), cors)
    except DomainError as error:
        code = error.kind if error.kind == "details_required" else "invalid"
        return _refusal(request, 422 if code == "invalid" else 409, code, str(error), cors)
    if new:
        limiter.hit(f"v{visitor_id}")
    return JSONResponse({"id": message_id, "client_id": client_id}, status_code=201, headers=cors)


@public.get("/chat/files/{attachment_id}")
def chat_file(request: Request, attachment_id: int, s: str = "") -> Response:
    """A visitor's own file, by the signed address the widget got with the message; always a download."""
    public_id = verify_file_sig(request.app.state.settings.secret_key, attachment_id, s)
    if public_id is None:
        raise NotFound(f"file {attachment_id} does not exist")
    db: Database = request.app.state.db
    with db.read_sessions() as session:
        return attachment_response(visitor_file(session, public_id, attachment_id))


# -- the agent side of a chat ticket --------------------------------------------------------------


def _visitors_of(request: Request, ticket_id: int) -> list[int]:
    db: Database = request.app.state.db
    with db.read_sessions() as session:
        ctx = current_agent(request, session)  # raises SignInRequired
        get_visible_ticket(session, ctx.actor, ticket_id)  # 404 unless the agent may see it
        return sorted({c.visitor_id for c in conversations_of_ticket(session, ticket_id)})


@public.get("/chat/agent/tickets/{ticket_id}/events")
async def agent_events(request: Request, ticket_id: int) -> StreamingResponse:
    """Server-sent events for an agent's open chat ticket: ``message`` (reload the timeline) and
    ``typing`` (the visitor is typing)."""
    visitors = await run_in_threadpool(_visitors_of, request, ticket_id)
    broker = broker_of(request.app)

    async def stream() -> AsyncIterator[str]:
        ends = time.monotonic() + 300
        sub = await broker.subscribe(*(channel_of(v) for v in visitors))
        try:
            yield "retry: 2000\n\n"
            while (left := ends - time.monotonic()) > 0:
                event = await sub.get(timeout=min(15.0, left))
                if await request.is_disconnected():
                    return
                if event is None:
                    yield ": heartbeat\n\n"
                elif event.kind == "message":
                    data = json.dumps(event.data)
                    yield f"id: {event.data.get('id', '')}\nevent: message\ndata: {data}\n\n"
                elif event.kind == "typing" and event.data.get("who") == "visitor":
                    yield f"event: typing\ndata: {json.dumps({'on': bool(event.data.get('on'))})}\n\n"
        finally:
            sub.close()

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


class TypingIn(BaseModel):
    on: bool = True


@public.post("/chat/agent/tickets/{ticket_id}/typing", status_code=204)
async def agent_typing(request: Request, ticket_id: int, body: TypingIn) -> None:
    """The agent is typing a reply on a chat ticket: the visitor's widget shows it."""

    def who() -> tuple[str, list[int]]:
        db: Database = request.app.state.db
        with db.read_sessions() as session:
            ctx = current_agent(request, session)
            get_visible_ticket(session, ctx.actor, ticket_id)
            visitors = sorted({c.visitor_id for c in conversations_of_ticket(session, ticket_id)})
            return ctx.actor.name.split(" ")[0] or "Support", visitors

    name, visitors = await run_in_threadpool(who)
    broker = broker_of(request.app)
    data = {"who": "agent", "on": body.on, "name": name}
    sends = [broker.apublish(channel_of(v), "typing", data) for v in visitors]
    await asyncio.gather(*sends, return_exceptions=True)  # a typing hint is not worth an error page


# -- widgets (REST, admins) -----------------------------------------------------------------------


class WidgetIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    allowed_origins: list[str] = Field(default_factory=list, max_length=50)
    prechat: str = "optional"
    team_id: int | None = None
    followup_minutes: int = Field(default=5, ge=0, le=1440)
    bot_enabled: bool = Field(
        default=False, description="the answer bot replies first, hands over when unsure"
    )


class WidgetOut(BaseModel):
    id: int
    key: str
    name: str
    allowed_origins: list[str]
    prechat: str
    team_id: int | None
    followup_minutes: int
    bot_enabled: bool
    identity_secret: str
    snippet: str


def _out(request: Request, widget: ChatWidget) -> WidgetOut:
    base = str(request.base_url).rstrip("/")
    snippet = f'<script src="{base}/chat/widget.js" data-widget="{widget.key}" async></script>'
    return WidgetOut(
        id=widget.id,
        key=widget.key,
        name=widget.name,
        allowed_origins=list(widget.allowed_origins or []),
        prechat=widget.prechat,
        team_id=widget.team_id,
        followup_minutes=widget.followup_minutes,
        bot_enabled=widget.bot_enabled,
        identity_secret=widget.identity_secret,
        snippet=snippet,
    )


@api.post("/chat/widgets", status_code=201, response_model=WidgetOut, summary="Create a chat widget")
def post_widget(request: Request, body: WidgetIn, session: DbSession, actor: AdminActor) -> WidgetOut:
    widget = create_widget(
        session,
        actor,
        name=body.name,
        allowed_origins=body.allowed_origins,
        prechat=body.prechat,
        team_id=body.team_id,
        followup_minutes=body.followup_minutes,
        bot_enabled=body.bot_enabled,
    )
    return _out(request, widget)


@api.get("/chat/widgets", response_model=list[WidgetOut], summary="List chat widgets")
def list_widgets(request: Request, session: DbSession, actor: AdminActor) -> list[WidgetOut]:
    return [_out(request, w) for w in sorted(chat_list_widgets(session), key=lambda w: w.id)]


@api.delete("/chat/widgets/{widget_id}", status_code=204, summary="Remove a chat widget")
def delete_widget(widget_id: int, session: DbSession, actor: AdminActor) -> Response:
    """The embed stops working at once; the widget's chats, visitors and tickets are kept."""
    remove_widget(session, actor, widget_id)
    return Response(status_code=204)


@api.post(
    "/chat/widgets/{widget_id}/identity-secret",
    response_model=WidgetOut,
    summary="Replace a chat widget's identity secret",
)
def post_identity_secret(
    request: Request, widget_id: int, session: DbSession, actor: AdminActor
) -> WidgetOut:
    widget = get_widget(session, widget_id)
    rotate_secret(session, actor, widget)
    return _out(request, widget)
