"""Team leads: who answers customers' escalation requests and approves goodwill above authority.

A lead is an admin, or a member of staff named lead of a team (``escalation_team_leads``). A lead
answers for the tickets of the teams they lead; admins answer for every ticket.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, User
from helpline.audit.service import record
from helpline.core.actor import Actor
from helpline.core.errors import Forbidden, Invalid, NotFound
from helpline.escalation.models import TeamLead
from helpline.tickets.models import Ticket


def led_team_ids(session: Session, actor: Actor) -> list[int]:
    if actor.id is None or not actor.is_staff or actor.is_customer:
        return []
    return list(session.scalars(select(TeamLead.team_id).where(TeamLead.user_id == actor.id)))


def is_lead(session: Session, actor: Actor) -> bool:
    return actor.is_admin or bool(led_team_ids(session, actor))


def leads_ticket(session: Session, actor: Actor, ticket: Ticket) -> bool:
    """May ``actor`` answer requests and approvals on this ticket?"""
    if actor.is_admin:
        return True
    return ticket.team_id is not None and ticket.team_id in led_team_ids(session, actor)


def led_tickets(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The tickets whose requests and approvals ``actor`` answers, as a query condition."""
    if actor.is_admin:
        return true()
    teams = led_team_ids(session, actor)
    return Ticket.team_id.in_(teams) if teams else false()


def require_lead(session: Session, actor: Actor, ticket: Ticket) -> None:
    if not leads_ticket(session, actor, ticket):
        raise Forbidden("only an admin or a lead of the ticket's team can decide this")


def team_leads(session: Session, team_id: int) -> list[User]:
    stmt = (
        select(User)
        .join(TeamLead, TeamLead.user_id == User.id)
        .where(TeamLead.team_id == team_id)
        .order_by(User.id)
    )
    return list(session.scalars(stmt))


def set_team_lead(session: Session, actor: Actor, team_id: int, user_id: int, lead: bool) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins name team leads")
    if session.get(Team, team_id) is None:
        raise NotFound(f"team {team_id} does not exist")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    row = session.get(TeamLead, (team_id, user_id))
    if lead and row is None:
        if not user.is_active:
            raise Invalid.field("user_id", f"{user.name} is deactivated")
        session.add(TeamLead(team_id=team_id, user_id=user_id))
        record(session, actor, "team.lead.add", "team", team_id, None, {"user_id": user_id})
    elif not lead and row is not None:
        session.delete(row)
        record(session, actor, "team.lead.remove", "team", team_id, {"user_id": user_id}, None)
    session.flush()
