"""HTTP and WebSocket doors of the chat: the visitor socket, the widget script, widget admin (API),
and the agent side of a chat ticket (live events and typing)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from helpline.chat.models import ChatWidget
from helpline.chat.service import channel_of, conversations_of_ticket, create_widget
from helpline.chat.socket import visitor_socket
from helpline.core.db import Database
from helpline.core.deps import AdminActor, DbSession
from helpline.core.schemas import Strict
from helpline.realtime import broker_of
from helpline.tickets.access import get_visible_ticket
from helpline.web.deps import current_agent

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


class WidgetOut(BaseModel):
    id: int
    key: str
    name: str
    allowed_origins: list[str]
    prechat: str
    team_id: int | None
    followup_minutes: int
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
    )
    return _out(request, widget)


@api.get("/chat/widgets", response_model=list[WidgetOut], summary="List chat widgets")
def list_widgets(request: Request, session: DbSession, actor: AdminActor) -> list[WidgetOut]:
    return [_out(request, w) for w in session.scalars(select(ChatWidget).order_by(ChatWidget.id))]
