"""HTTP adapters for routing: team modes, agent presence and capacity, routing a ticket now.

Importing this module connects routing to the ticket lifecycle and registers the drain job.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from helpline.accounts.models import TeamMember, User
from helpline.core.deps import AdminActor, DbSession, StaffActor
from helpline.core.errors import NotFound
from helpline.core.schemas import Strict, sent_fields
from helpline.routing import jobs as _jobs  # noqa: F401  (hooks and jobs)
from helpline.routing.acceptance import accept_ticket
from helpline.routing.models import AgentRouting, TeamRouting
from helpline.routing.queue import ACTIVE
from helpline.routing.service import (
    KEEP,
    MAX_ACCEPT_MINUTES,
    loads,
    route_ticket,
    set_team_mode,
    update_agent,
)
from helpline.routing.skills import set_skills, skills_of
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Ticket

router = APIRouter(tags=["routing"])
Mode = Literal["manual", "round_robin", "least_loaded", "skills"]
Presence = Literal["online", "away", "offline"]
Capacity = Annotated[int, Field(ge=0, le=1000)]


class TeamModeIn(Strict):
    """``accept_minutes``: how long a routed ticket waits for its agent to accept or act on it
    before it goes back to the queue; ``null`` for no limit."""

    mode: Mode | None = None
    accept_minutes: Annotated[int, Field(ge=1, le=MAX_ACCEPT_MINUTES)] | None = None


class TeamRoutingOut(BaseModel):
    team_id: int
    mode: str
    last_user_id: int | None
    accept_minutes: int | None
    waiting: int


class AgentIn(Strict):
    presence: Presence | None = None
    capacity: Capacity | None = None
    chat_capacity: Capacity | None = None


class AgentOut(BaseModel):
    user_id: int
    name: str
    presence: str
    capacity: int
    chat_capacity: int
    load: int
    chat_load: int


class SkillsIn(Strict):
    """Skill name to level, 1 (basic) to 5 (expert): ``{"lang:de": 5, "billing": 3}``."""

    skills: dict[Annotated[str, Field(min_length=1, max_length=64)], Annotated[int, Field(ge=1, le=5)]]


class SkillsOut(BaseModel):
    user_id: int
    skills: dict[str, int]


class RouteOut(BaseModel):
    ticket_id: int
    assignee_id: int | None


def _team_out(session: DbSession, team_id: int) -> TeamRoutingOut:
    row = session.get(TeamRouting, team_id)
    waiting = session.scalar(
        select(func.count()).where(
            Ticket.team_id == team_id,
            Ticket.assignee_id.is_(None),
            Ticket.status.in_(ACTIVE),
            Ticket.merged_into_id.is_(None),
        )
    )
    return TeamRoutingOut(
        team_id=team_id,
        mode=row.mode if row else "manual",
        last_user_id=row.last_user_id if row else None,
        accept_minutes=row.accept_minutes if row else None,
        waiting=int(waiting or 0),
    )


def _agents(session: DbSession, user_ids: list[int]) -> list[AgentOut]:
    users = list(session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id)))
    ids = [u.id for u in users]
    rows = {a.user_id: a for a in session.scalars(select(AgentRouting).where(AgentRouting.user_id.in_(ids)))}
    tickets, chats = loads(session, ids, chat=False), loads(session, ids, chat=True)
    out = []
    for u in users:
        a = rows.get(u.id)
        out.append(
            AgentOut(
                user_id=u.id,
                name=u.name,
                presence=a.presence if a else "offline",
                capacity=a.capacity if a else 10,
                chat_capacity=a.chat_capacity if a else 3,
                load=tickets.get(u.id, 0),
                chat_load=chats.get(u.id, 0),
            )
        )
    return out


@router.get("/routing/teams/{team_id}", response_model=TeamRoutingOut)
def get_team_routing(team_id: int, session: DbSession, _actor: StaffActor) -> TeamRoutingOut:
    return _team_out(session, team_id)


@router.patch("/routing/teams/{team_id}", response_model=TeamRoutingOut, summary="Set the assignment mode")
def patch_team_routing(
    team_id: int, body: TeamModeIn, session: DbSession, actor: AdminActor
) -> TeamRoutingOut:
    sent = sent_fields(body, not_null=("mode",))
    set_team_mode(session, actor, team_id, sent.get("mode"), accept_minutes=sent.get("accept_minutes", KEEP))
    return _team_out(session, team_id)


@router.get("/routing/agents", response_model=list[AgentOut], summary="Presence, capacity and load")
def list_agents(session: DbSession, _actor: StaffActor, team_id: int | None = None) -> list[AgentOut]:
    stmt = select(User.id).where(User.is_active.is_(True))
    if team_id is not None:
        stmt = stmt.join(TeamMember, TeamMember.user_id == User.id).where(TeamMember.team_id == team_id)
    return _agents(session, list(session.scalars(stmt)))


@router.patch(
    "/routing/agents/{user_id}",
    response_model=AgentOut,
    summary="Set presence (yourself) or capacities (admins)",
)
def patch_agent(user_id: int, body: AgentIn, session: DbSession, actor: StaffActor) -> AgentOut:
    update_agent(
        session,
        actor,
        user_id,
        presence=body.presence,
        capacity=body.capacity,
        chat_capacity=body.chat_capacity,
    )
    found = _agents(session, [user_id])
    if not found:
        raise NotFound(f"user {user_id} does not exist")
    return found[0]


@router.post("/tickets/{ticket_id}/route", response_model=RouteOut, summary="Route a waiting ticket now")
def route_now(ticket_id: int, session: DbSession, actor: StaffActor) -> RouteOut:
    get_visible_ticket(session, actor, ticket_id)
    return RouteOut(ticket_id=ticket_id, assignee_id=route_ticket(session, actor, ticket_id))


@router.post(
    "/tickets/{ticket_id}/accept",
    response_model=RouteOut,
    summary="Accept a ticket routed to you (it no longer returns to the queue on timeout)",
)
def accept_now(ticket_id: int, session: DbSession, actor: StaffActor) -> RouteOut:
    ticket = accept_ticket(session, actor, ticket_id)
    return RouteOut(ticket_id=ticket_id, assignee_id=ticket.assignee_id)


@router.get("/routing/agents/{user_id}/skills", response_model=SkillsOut)
def get_skills(user_id: int, session: DbSession, _actor: StaffActor) -> SkillsOut:
    if session.get(User, user_id) is None:
        raise NotFound(f"user {user_id} does not exist")
    return SkillsOut(user_id=user_id, skills=skills_of(session, [user_id])[user_id])


@router.put(
    "/routing/agents/{user_id}/skills",
    response_model=SkillsOut,
    summary="Replace an agent's skills (languages as lang:<code>, topics named like tags)",
)
def put_skills(user_id: int, body: SkillsIn, session: DbSession, actor: AdminActor) -> SkillsOut:
    return SkillsOut(user_id=user_id, skills=set_skills(session, actor, user_id, body.skills))
