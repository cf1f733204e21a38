"""Live inbox updates over server-sent events, without a page reload.

Each open inbox holds one ``/agent/events`` stream. Every few seconds the stream reads a tiny
fingerprint of the ticket table (the newest ``updated_at`` and the highest id: two index lookups, the
same cost whatever the number of tickets) and sends ``event: inbox`` when it moved. The page then
re-fetches its own, access-scoped view. The fingerprint says only "something changed", so it reveals
nothing an agent may not see, and because it is read from the database it works across any number of
web processes. A stream ends after a few minutes and the browser reconnects (``Last-Event-ID``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from helpline.core.db import Database
from helpline.tickets.models import Ticket
from helpline.web.deps import current_agent
from helpline.web.render import WebRoute

router = APIRouter(prefix="/agent", route_class=WebRoute, include_in_schema=False)


@dataclass
class StreamTiming:
    interval: float = 3.0
    lifetime: float = 300.0


def fingerprint(db: Database) -> str:
    with db.read_sessions() as session:
        newest, top = session.execute(select(func.max(Ticket.updated_at), func.max(Ticket.id))).one()
    return f"{newest.timestamp() if newest else 0:.6f}-{top or 0}"


def _signed_in(request: Request) -> bool:
    db: Database = request.app.state.db
    with db.read_sessions() as session:
        current_agent(request, session)
    return True


@router.get("/events")
async def events(request: Request) -> StreamingResponse:
    await run_in_threadpool(_signed_in, request)  # raises SignInRequired -> sign-in page
    db: Database = request.app.state.db
    timing: StreamTiming = request.app.state.web_stream_timing
    last = request.headers.get("last-event-id", "")

    async def stream() -> AsyncIterator[str]:
        nonlocal last
        ends = time.monotonic() + timing.lifetime
        yield f"retry: {int(timing.interval * 1000)}\n\n"
        while time.monotonic() < ends:
            current = await run_in_threadpool(fingerprint, db)
            if not last:
                yield f"id: {current}\nevent: ready\ndata: {current}\n\n"
            elif current != last:
                yield f"id: {current}\nevent: inbox\ndata: {current}\n\n"
            last = current
            if await request.is_disconnected():
                return
            await asyncio.sleep(timing.interval)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
