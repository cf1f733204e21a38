"""A customer's timeline: every message and lifecycle event on their tickets, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from helpline.core.actor import Actor
from helpline.core.errors import Invalid
from helpline.core.pagination import decode_cursor, encode_cursor
from helpline.customers.service import get_customer
from helpline.tickets.access import visible_messages, visible_tickets
from helpline.tickets.models import Message, Ticket, TicketEvent

CUSTOMER_EVENT_KINDS = ("created", "status_changed", "reopened", "merged_into")


@dataclass
class Entry:
    type: str
    id: int
    ticket_id: int
    ticket_subject: str
    at: dt.datetime
    data: dict[str, Any]


def _after(col_at: Any, col_id: Any, rank: int, cursor: list[Any] | None) -> Any:
    """Rows strictly after the cursor in (time, rank, id) descending order; rank is constant here."""
    if cursor is None:
        return true()
    at, c_rank, c_id = dt.datetime.fromisoformat(cursor[0]), int(cursor[1]), int(cursor[2])
    if rank < c_rank:
        return col_at <= at
    if rank > c_rank:
        return col_at < at
    return or_(col_at < at, and_(col_at == at, col_id < c_id))


def timeline(
    session: Session, actor: Actor, customer_id: int, *, limit: int = 50, cursor: str | None = None
) -> tuple[list[Entry], str | None]:
    get_customer(session, actor, customer_id)
    try:
        after = decode_cursor(cursor, 3)
        if after:
            dt.datetime.fromisoformat(after[0])
    except (TypeError, ValueError):
        raise Invalid.field("cursor", "is not a cursor this API issued") from None
    tickets = select(Ticket.id).where(Ticket.requester_id == customer_id, visible_tickets(actor))
    msgs = session.execute(
        select(Message, Ticket.subject)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(
            Message.ticket_id.in_(tickets),
            visible_messages(actor),
            _after(Message.created_at, Message.id, 1, after),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit + 1)
    ).all()
    ev_stmt = (
        select(TicketEvent, Ticket.subject)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.ticket_id.in_(tickets), _after(TicketEvent.created_at, TicketEvent.id, 0, after))
        .order_by(TicketEvent.created_at.desc(), TicketEvent.id.desc())
        .limit(limit + 1)
    )
    if actor.is_customer:
        ev_stmt = ev_stmt.where(TicketEvent.kind.in_(CUSTOMER_EVENT_KINDS))
    events = session.execute(ev_stmt).all()
    entries = [
        Entry(
            "message",
            m.id,
            m.ticket_id,
            subject,
            m.created_at,
            {
                "channel": m.channel,
                "author_kind": m.author_kind,
                "internal": m.internal,
                "text": m.text[:500],
            },
        )
        for m, subject in msgs
    ] + [
        Entry("event", e.id, e.ticket_id, subject, e.created_at, {"kind": e.kind, **(e.data or {})})
        for e, subject in events
    ]
    entries.sort(key=lambda x: (x.at, 1 if x.type == "message" else 0, x.id), reverse=True)
    more = len(entries) > limit
    entries = entries[:limit]
    next_cursor = None
    if more and entries:
        last = entries[-1]
        next_cursor = encode_cursor([last.at.isoformat(), 1 if last.type == "message" else 0, last.id])
    return entries, next_cursor
