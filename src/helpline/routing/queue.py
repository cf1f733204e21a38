"""The order of a team's queue: urgent first, then frustrated customers, then the longest waiting.

A ticket's place is ``(urgency of its priority, frustrated customer first, ticket id)``. Priority
decides first (a plain ``high`` ticket goes before a frustrated ``normal`` one); within a priority,
a ticket whose customer's latest message was angry or frustrated (``ticket_insights.frustrated``,
written by the assist layer after each inbound message) goes before the calm ones; ties go to the
oldest ticket. Every queue read (draining, routing an arrival, the ticket's place) uses this order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.orm import Session

from helpline.assist.models import TicketInsight
from helpline.tickets.models import Ticket

ACTIVE = ("new", "open")
URGENCY = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
ORDER = "urgent first, then frustrated customers, then the longest waiting"


def _urgency() -> ColumnElement[int]:
    return case(URGENCY, value=Ticket.priority, else_=9)


def _calm() -> ColumnElement[int]:
    """0 for a frustrated customer, 1 otherwise (so frustrated sorts first)."""
    return case((TicketInsight.frustrated.is_(True), 0), else_=1)


def _waiting(team_id: int) -> Any:
    return (
        select(Ticket.id)
        .outerjoin(TicketInsight, TicketInsight.ticket_id == Ticket.id)
        .where(
            Ticket.team_id == team_id,
            Ticket.assignee_id.is_(None),
            Ticket.status.in_(ACTIVE),
            Ticket.merged_into_id.is_(None),
        )
    )


def is_frustrated(session: Session, ticket_id: int) -> bool:
    return bool(session.scalar(select(TicketInsight.frustrated).where(TicketInsight.ticket_id == ticket_id)))


def waiting_tickets(session: Session, team_id: int, limit: int = 50) -> list[int]:
    """Unassigned active tickets of a team in queue order."""
    stmt = _waiting(team_id).order_by(_urgency(), _calm(), Ticket.id).limit(limit)
    return list(session.scalars(stmt))


def waiting_ahead(
    session: Session, ticket: Ticket, limit: int = 20, *, frustrated: bool | None = None
) -> list[int]:
    """Waiting tickets of the ticket's team that go before it, in queue order (``frustrated``:
    the ticket's flag when the caller knows it, e.g. ``False`` for a ticket not yet enriched)."""
    if ticket.team_id is None:
        return []
    urgency, calm = _urgency(), _calm()
    mine_u = URGENCY.get(ticket.priority, 9)
    if frustrated is None:
        frustrated = is_frustrated(session, ticket.id)
    mine_c = 0 if frustrated else 1
    ahead = or_(
        urgency < mine_u,
        and_(urgency == mine_u, calm < mine_c),
        and_(urgency == mine_u, calm == mine_c, Ticket.id < ticket.id),
    )
    stmt = (
        _waiting(ticket.team_id)
        .where(Ticket.id != ticket.id, ahead)
        .order_by(urgency, calm, Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def place(session: Session, ticket: Ticket) -> dict[str, Any]:
    """What decided the ticket's place in the queue, for the routing event."""
    frustrated = is_frustrated(session, ticket.id)
    because = [f"{ticket.priority} priority"]
    if frustrated:
        because.append("the customer is frustrated")
    return {"priority": ticket.priority, "frustrated": frustrated, "order": ORDER, "because": because}
