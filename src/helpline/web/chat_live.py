"""Live chat on the agent's side: new messages of an open chat ticket, and alerts for new chats.

The ticket view of a chat listens to the chat's own stream (``/chat/agent/tickets/{id}/events``:
``message`` and the visitor's ``typing``) and, on ``message``, fetches the messages it has not shown
yet from ``/agent/tickets/{id}/since?after=ID`` — rendered like the rest of the timeline, read by id
through the access-scoped ``list_messages``, so a repeated or late event never shows a message twice.

Every workspace page also holds ``/agent/chat-alerts``: server-sent ``chat`` events when a chat the
agent could pick up (new or open, unassigned or theirs, visible to them) gets a new visitor message.
Like the live inbox it wakes on the broker's ``inbox`` channel and re-reads the database; the event
id is the newest visitor-message time it reported, so a reconnecting browser hears only what is new.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from helpline.core.actor import Actor
from helpline.core.db import Database, utcnow
from helpline.core.deps import DbSession
from helpline.realtime import INBOX, broker_of
from helpline.tickets.access import visible_tickets
from helpline.tickets.conversation import list_messages
from helpline.tickets.models import Ticket
from helpline.web.copilot import LABELS
from helpline.web.deps import Agent, current_agent
from helpline.web.live import StreamTiming
from helpline.web.render import WebRoute, render

router = APIRouter(prefix="/agent", route_class=WebRoute, include_in_schema=False)
ALERT_STATUSES = ("new", "open")
MAX_NEW = 100
MAX_ALERTS = 20


@router.get("/tickets/{ticket_id}/since")
def messages_since(
    request: Request, session: DbSession, ctx: Agent, ticket_id: int, after: Annotated[int, Query(ge=0)] = 0
) -> Response:
    """Timeline items of the messages after ``after`` (oldest first), for the live ticket view."""
    messages = list_messages(session, ctx.actor, ticket_id, after_id=after, limit=MAX_NEW)
    return render(request, "_since.html", {"messages": messages, "moods": {}, "labels": LABELS})


def chat_activity(session: Session, actor: Actor, since: dt.datetime) -> list[dict[str, Any]]:
    """Chats with a visitor message after ``since`` that this agent could answer, oldest first."""
    rows = session.execute(
        select(Ticket.id, Ticket.subject, Ticket.created_at, Ticket.last_customer_message_at)
        .where(
            Ticket.channel == "chat",
            Ticket.updated_at > since,  # indexed; a new message always moves it
            Ticket.last_customer_message_at > since,
            Ticket.status.in_(ALERT_STATUSES),
            Ticket.merged_into_id.is_(None),
            or_(Ticket.assignee_id.is_(None), Ticket.assignee_id == actor.id),
            visible_tickets(actor),
        )
        .order_by(Ticket.last_customer_message_at, Ticket.id)
        .limit(MAX_ALERTS)
    ).all()
    return [
        {
            "ticket_id": tid,
            "subject": subject,
            "new": created_at > since,
            "at": (written or since).isoformat(),
            "url": f"/agent/tickets/{tid}",
        }
        for tid, subject, created_at, written in rows
    ]


def _parse(stamp: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _actor(request: Request) -> Actor:
    db: Database = request.app.state.db
    with db.read_sessions() as session:
        return current_agent(request, session).actor


@router.get("/chat-alerts")
async def chat_alerts(request: Request) -> StreamingResponse:
    actor = await run_in_threadpool(_actor, request)  # raises SignInRequired -> sign-in page
    db: Database = request.app.state.db
    timing: StreamTiming = request.app.state.web_stream_timing
    broker = broker_of(request.app)
    cursor = request.headers.get("last-event-id") or request.query_params.get("last_event_id", "")
    resumed = _parse(cursor[:100])
    now = utcnow()
    since = resumed if resumed is not None and now - resumed < dt.timedelta(hours=1) else now

    def look(cursor: dt.datetime) -> list[dict[str, Any]]:
        with db.read_sessions() as session:
            return chat_activity(session, actor, cursor)

    async def stream() -> AsyncIterator[str]:
        nonlocal since
        ends = time.monotonic() + timing.lifetime
        sub = await broker.subscribe(INBOX)  # before the first look, so nothing falls in between
        try:
            yield f"retry: {int(min(timing.interval, 3.0) * 1000)}\n\n"
            # The cursor as the first event id: a tab taking the stream over resumes from here.
            yield f"id: {since.isoformat()}\nevent: ready\ndata: \n\n"
            first = True
            while (left := ends - time.monotonic()) > 0:
                if not first:
                    got = await sub.get(timeout=min(timing.heartbeat, left))
                    if await request.is_disconnected():
                        return
                    if got is None:
                        yield ": heartbeat\n\n"
                    else:
                        await asyncio.sleep(min(timing.interval, max(ends - time.monotonic(), 0)))
                        sub.pending()
                first = False
                found = await run_in_threadpool(look, since)
                for item in found:
                    yield f"id: {item['at']}\nevent: chat\ndata: {json.dumps(item)}\n\n"
                if found:
                    since = max(_parse(item["at"]) or since for item in found)
        finally:
            sub.close()

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
