"""Per-actor visibility, expressed in the query itself (never fetch-then-check)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from helpline.core.actor import Actor, ActorKind
from helpline.core.errors import NotFound
from helpline.tickets.models import Message, Ticket


def visible_tickets(actor: Actor) -> ColumnElement[bool]:
    """Which tickets an actor may read and act on.

    Admins (and agents with ``all`` access) see everything; agents with ``teams`` access see their
    teams' tickets, tickets not yet given to a team, and tickets assigned to them; ``own`` agents see
    only tickets assigned to them; a customer sees only tickets they requested.
    """
    if actor.kind in (ActorKind.ADMIN, ActorKind.SYSTEM):
        return true()
    if actor.kind is ActorKind.CUSTOMER:
        return Ticket.requester_id == actor.id if actor.id is not None else false()
    if actor.ticket_access == "all":
        return true()
    if actor.ticket_access == "own":
        return Ticket.assignee_id == actor.id
    return or_(
        Ticket.team_id.in_(sorted(actor.team_ids)) if actor.team_ids else false(),
        Ticket.team_id.is_(None),
        Ticket.assignee_id == actor.id,
    )


def visible_messages(actor: Actor) -> ColumnElement[bool]:
    """Internal notes have no customer audience: a customer's query never selects them."""
    if actor.is_customer:
        return Message.internal.is_(False)
    return true()


def get_visible_ticket(session: Session, actor: Actor, ticket_id: int, *, lock: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id, visible_tickets(actor))
    if lock:
        stmt = stmt.with_for_update()
    ticket = session.scalar(stmt)
    if ticket is None:
        # The same answer whether the ticket is missing or someone else's: no existence oracle.
        raise NotFound(f"ticket {ticket_id} does not exist")
    return ticket
