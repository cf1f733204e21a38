"""Return to queue: a routed ticket goes back (and is routed again) when its agent goes offline
before answering, or does not act on it within the team's acceptance timeout.

An agent accepts a routed ticket explicitly (``accept_ticket``) or by acting on it: any message
(reply or internal note) or any change of the ticket by them after it was routed to them. When a
team has ``accept_minutes``, routing records a ``routing_offers`` row with its ``accept_by`` and
queues a ``routing.accept_check`` job for that instant; ``check_offer`` returns the ticket unless it
was accepted. ``check_expired_offers`` does the same over every overdue offer, for a periodic sweep.

Both are safe to run in any number of workers at once: each ticket is handled in its own
transaction with the team's routing row and then the ticket locked (the order of every routing
path), and the offer is re-read after the locks: the first checker returns the ticket and removes
the offer, any later one finds nothing to do. An agent acting at the same moment waits for the
ticket's lock, so either the action counts as acceptance or it happens after the return.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden
from helpline.outbox.service import emit
from helpline.routing.models import AgentRouting, RoutingOffer, TeamRouting
from helpline.routing.queue import ACTIVE
from helpline.routing.service import lock_team, locked, route_ticket
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Message, Ticket, TicketEvent
from helpline.tickets.service import add_event, update_ticket


def acted_on(session: Session, offer: RoutingOffer) -> bool:
    """Whether the agent wrote on the ticket or changed it since it was routed to them."""
    wrote = exists().where(
        Message.ticket_id == offer.ticket_id,
        Message.author_user_id == offer.user_id,
        Message.created_at >= offer.offered_at,
    )
    changed = exists().where(
        TicketEvent.ticket_id == offer.ticket_id,
        TicketEvent.actor_kind == "user",
        TicketEvent.actor_id == offer.user_id,
        TicketEvent.created_at >= offer.offered_at,
    )
    return bool(session.scalar(select(wrote | changed)))


def accept_ticket(session: Session, actor: Actor, ticket_id: int) -> Ticket:
    """The assignee takes on a ticket routed to them: it no longer returns to the queue on timeout."""
    if not actor.is_staff:
        raise Forbidden("only staff accept tickets")
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    if ticket.assignee_id != actor.id:
        raise Conflict("only the ticket's assignee can accept it")
    offer = session.get(RoutingOffer, ticket_id)
    if offer is not None:
        session.delete(offer)
        add_event(session, ticket, actor, "accepted")
        record(session, actor, "ticket.accept", "ticket", ticket_id, {}, {"assignee_id": actor.id})
        emit(session, "ticket.accepted", {"ticket_id": ticket_id, "assignee_id": actor.id})
    return ticket


def _take_back(session: Session, ticket: Ticket, user_id: int, reason: str, **data: object) -> int | None:
    update_ticket(session, SYSTEM, ticket.id, assignee_id=None)
    add_event(
        session, ticket, SYSTEM, "routing_returned", previous_assignee_id=user_id, reason=reason, **data
    )
    emit(session, "ticket.returned_to_queue", {"ticket_id": ticket.id, "previous_assignee_id": user_id})
    return route_ticket(session, SYSTEM, ticket.id, exclude=frozenset({user_id}))


def check_offer(session: Session, ticket_id: int, now: dt.datetime | None = None) -> int | None:
    """Return the ticket to the queue if its offer is overdue and its agent has not acted on it;
    it is routed again at once, to anyone but that agent. Returns the new assignee, if any."""
    now = now or utcnow()
    team_id = session.scalar(select(Ticket.team_id).where(Ticket.id == ticket_id))
    team = lock_team(session, team_id)
    ticket = session.scalars(locked(session, select(Ticket).where(Ticket.id == ticket_id))).first()
    offer = session.scalars(
        locked(session, select(RoutingOffer).where(RoutingOffer.ticket_id == ticket_id))
    ).first()
    if ticket is None or offer is None or offer.accept_by > now:
        return None
    session.delete(offer)
    if ticket.assignee_id != offer.user_id or ticket.status not in ACTIVE or acted_on(session, offer):
        return None  # reassigned, solved or taken on: nothing to return
    if team is None or team.team_id != ticket.team_id or team.mode == "manual" or not team.accept_minutes:
        return None  # no longer routed with a timeout
    minutes = round((offer.accept_by - offer.offered_at).total_seconds() / 60)
    return _take_back(
        session,
        ticket,
        offer.user_id,
        f"the agent did not accept or act on it within {minutes} minutes",
        accept_minutes=minutes,
    )


def expired_offers(session: Session, now: dt.datetime, limit: int = 100) -> list[int]:
    stmt = (
        select(RoutingOffer.ticket_id).where(RoutingOffer.accept_by <= now).order_by(RoutingOffer.accept_by)
    )
    return list(session.scalars(stmt.limit(limit)))


def returnable_tickets(session: Session, user_id: int) -> list[int]:
    """An offline agent's tickets that go back to the queue: active, in an automatically routed
    team, and not yet answered by any agent."""
    stmt = (
        select(Ticket.id)
        .join(TeamRouting, TeamRouting.team_id == Ticket.team_id)
        .where(
            Ticket.assignee_id == user_id,
            Ticket.status.in_(ACTIVE),
            Ticket.last_agent_reply_at.is_(None),
            Ticket.merged_into_id.is_(None),
            TeamRouting.mode != "manual",
        )
        .order_by(Ticket.id)
    )
    return list(session.scalars(stmt))


def return_to_queue(session: Session, ticket_id: int, user_id: int) -> int | None:
    """Take an unanswered ticket back from an agent who went offline and route it again; returns
    the new assignee (``None``: it waits in the queue)."""
    team_id = session.scalar(select(Ticket.team_id).where(Ticket.id == ticket_id))
    lock_team(session, team_id)
    ticket = session.scalars(locked(session, select(Ticket).where(Ticket.id == ticket_id))).first()
    agent = session.scalars(
        select(AgentRouting).where(AgentRouting.user_id == user_id).execution_options(populate_existing=True)
    ).first()  # not locked: agents' rows are locked only in id order, by route_ticket
    if ticket is None or ticket.assignee_id != user_id or ticket.status not in ACTIVE:
        return None
    if ticket.last_agent_reply_at is not None or (agent is not None and agent.presence == "online"):
        return None  # answered, or back already
    offer = session.get(RoutingOffer, ticket_id)
    if offer is not None:
        session.delete(offer)
    return _take_back(session, ticket, user_id, "the agent went offline before answering")
