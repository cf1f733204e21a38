"""A ticket's timeline for the pages: its messages and its lifecycle events, in time order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.tickets.models import Message, TicketEvent

# What a customer sees of the lifecycle (the same kinds the API's timeline shows them).
CUSTOMER_EVENT_KINDS = ("status_changed", "reopened")
MAX_EVENTS = 500


@dataclass
class Entry:
    at: dt.datetime
    message: Message | None = None
    event: TicketEvent | None = None


def timeline(session: Session, ticket_id: int, messages: list[Message], *, for_customer: bool) -> list[Entry]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    if for_customer:
        stmt = stmt.where(TicketEvent.kind.in_(CUSTOMER_EVENT_KINDS))
    events = list(session.scalars(stmt.limit(MAX_EVENTS)))
    entries = [Entry(m.created_at, message=m) for m in messages]
    entries += [Entry(e.created_at, event=e) for e in events]
    # At the same instant an event comes first: "created" before the first message, a status change
    # made with a reply right after it (its own timestamp is later anyway).
    entries.sort(key=lambda x: (x.at, 1 if x.message is not None else 0))
    return entries
