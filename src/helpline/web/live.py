"""Live inbox updates over server-sent events, without a page reload.

Each open inbox holds one ``/agent/events`` stream, subscribed to the ``inbox`` channel of the
real-time broker (``helpline.realtime``): any committed change to a ticket, a message or its tags, in
this process or (with Redis) any other, wakes the stream. It then reads a tiny fingerprint of the
ticket table (the newest ``updated_at`` and the highest id: two index lookups, the same cost whatever
the number of tickets) and sends ``event: inbox`` when it moved. A burst of changes is coalesced into
one event per ``interval``. The fingerprint is the event id: it says only "something changed", so it
reveals nothing an agent may not see, and a reconnecting browser (``Last-Event-ID``) hears at once
about what changed while it was away. A comment line every ``heartbeat`` seconds keeps proxies from
closing the stream, and the fingerprint is re-read then too (changes committed by a process without
a broker still show). A stream ends after ``lifetime`` seconds and the browser reconnects.
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
from helpline.realtime import INBOX, broker_of
from helpline.tickets.models import Ticket
from helpline.web.deps import current_agent
from helpline.web.render import WebRoute

router = APIRouter(prefix="/agent", route_class=WebRoute, include_in_schema=False)


@dataclass
class StreamTiming:
    interval: float = 1.0  # at most one "inbox" event per interval (a burst is coalesced)
    lifetime: float = 300.0
    heartbeat: float = 15.0


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
    broker = broker_of(request.app)
    # A browser reconnecting sends the header; a tab taking the stream over from another tab
    # (``static/shared_stream.js``) can only put the id it last heard in the address.
    last = request.headers.get("last-event-id") or request.query_params.get("last_event_id", "")[:100]

    async def stream() -> AsyncIterator[str]:
        nonlocal last
        ends = time.monotonic() + timing.lifetime
        sub = await broker.subscribe(INBOX)  # before the first look, so no change falls in between
        try:
            yield f"retry: {int(min(timing.interval, 3.0) * 1000)}\n\n"
            current = await run_in_threadpool(fingerprint, db)
            if not last:
                yield f"id: {current}\nevent: ready\ndata: {current}\n\n"
            elif current != last:
                yield f"id: {current}\nevent: inbox\ndata: {current}\n\n"
            last = current
            while (left := ends - time.monotonic()) > 0:
                got = await sub.get(timeout=min(timing.heartbeat, left))
                if await request.is_disconnected():
                    return
                if got is None:
                    yield ": heartbeat\n\n"
                else:
                    await asyncio.sleep(min(timing.interval, max(ends - time.monotonic(), 0)))
                    sub.pending()  # one look at the table answers the whole burst
                current = await run_in_threadpool(fingerprint, db)
                if current != last:
                    yield f"id: {current}\nevent: inbox\ndata: {current}\n\n"
                last = current
        finally:
            sub.close()

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
