"""Listing tickets: filters, full-text search and keyset pagination, scoped to the actor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from helpline.core.actor import Actor
from helpline.core.errors import Invalid
from helpline.core.pagination import decode_cursor, encode_cursor
from helpline.customers.models import Customer
from helpline.tickets.access import visible_tickets
from helpline.tickets.models import PRIORITIES, STATUSES, Ticket, TicketTag
from helpline.tickets.search import matching_tickets, terms

SORTS = ("-id", "id", "-updated_at", "updated_at")


@dataclass
class TicketFilter:
    status: list[str] | None = None
    priority: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    tag: str | None = None
    requester_id: int | None = None
    channel: str | None = None
    q: str | None = None
    include_merged: bool = False


def _filtered(session: Session, actor: Actor, f: TicketFilter) -> Select[Ticket]:
    stmt = select(Ticket).where(visible_tickets(actor))
    if not f.include_merged:
        stmt = stmt.where(Ticket.merged_into_id.is_(None))
    if f.status:
        bad = [s for s in f.status if s not in STATUSES]
        if bad:
            raise Invalid.field("status", f"{bad[0]!r} is not one of {', '.join(STATUSES)}")
        stmt = stmt.where(Ticket.status.in_(f.status) if len(f.status) > 1 else Ticket.status == f.status[0])
    if f.priority:
        if f.priority not in PRIORITIES:
            raise Invalid.field("priority", f"{f.priority!r} is not one of {', '.join(PRIORITIES)}")
        stmt = stmt.where(Ticket.priority == f.priority)
    if f.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif f.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == f.assignee_id)
    if f.team_id is not None:
        stmt = stmt.where(Ticket.team_id == f.team_id)
    if f.requester_id is not None:
        stmt = stmt.where(Ticket.requester_id == f.requester_id)
    if f.channel:
        stmt = stmt.where(Ticket.channel == f.channel)
    if f.tag:
        tagged = select(TicketTag.ticket_id).where(TicketTag.tag == f.tag.strip().lower())
        stmt = stmt.where(Ticket.id.in_(tagged))
    if f.q and f.q.strip():
        if not terms(f.q):
            raise Invalid.field("q", "give at least one word to search for")
        stmt = stmt.where(matching_tickets(session, f.q, include_internal=actor.is_staff))
    return stmt


def list_tickets(
    session: Session,
    actor: Actor,
    f: TicketFilter,
    *,
    limit: int,
    cursor: str | None = None,
    sort: str = "-id",
) -> tuple[list[Ticket], str | None]:
    if sort not in SORTS:
        raise Invalid.field("sort", f"must be one of {', '.join(SORTS)}")
    stmt = _filtered(session, actor, f)
    descending = sort.startswith("-")
    by_time = sort.endswith("updated_at")
    if by_time:
        after = decode_cursor(cursor, 2)
        stmt = stmt.order_by(
            *((Ticket.updated_at.desc(), Ticket.id.desc()) if descending else (Ticket.updated_at, Ticket.id))
        )
        if after:
            try:
                at = dt.datetime.fromisoformat(after[0])
            except (TypeError, ValueError):
                raise Invalid.field("cursor", "is not a cursor this API issued") from None
            key = int(after[1])
            if descending:
                stmt = stmt.where(or_(Ticket.updated_at < at, and_(Ticket.updated_at == at, Ticket.id < key)))
            else:
                stmt = stmt.where(or_(Ticket.updated_at > at, and_(Ticket.updated_at == at, Ticket.id > key)))
    else:
        after = decode_cursor(cursor, 1)
        stmt = stmt.order_by(Ticket.id.desc() if descending else Ticket.id)
        if after:
            stmt = stmt.where(Ticket.id < int(after[0]) if descending else Ticket.id > int(after[0]))
    stmt = stmt.limit(limit + 1).options(*ticket_load_options())
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        values: list[Any] = [last.updated_at.isoformat(), last.id] if by_time else [last.id]
        next_cursor = encode_cursor(values)
    return rows, next_cursor


def ticket_load_options() -> list[Any]:
    """Everything a ticket's API representation needs, in a fixed number of queries."""
    return [
        selectinload(Ticket.tag_rows),
        selectinload(Ticket.requester).selectinload(Customer.identities),
        selectinload(Ticket.assignee),
        selectinload(Ticket.team),
    ]
