"""Routing: hand a team's waiting tickets to an available agent, and explain every decision.

Modes per team: ``manual`` (nobody is assigned automatically), ``round_robin`` (the next online agent
after the last one assigned, by user id) and ``least_loaded`` (the online agent with the fewest
active tickets, the longest-idle first on a tie). Only agents who are online and under capacity are
chosen; active means ``new`` or ``open``, and chats count against ``chat_capacity``, everything else
against ``capacity``.

Capacity holds under concurrent arrivals: the decision is taken inside the ticket's transaction with
the team's routing row and then the candidates' rows locked (``SELECT … FOR UPDATE``, always in
that order, agents by id), and the load is counted after the locks are held, so a second assigner
waits and then sees the first one's ticket. On SQLite writers are serialized by ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, TeamMember, User
from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Forbidden, Invalid, NotFound
from helpline.outbox.service import emit, enqueue
from helpline.routing.models import MODES, PRESENCES, AgentRouting, TeamRouting
from helpline.routing.skills import choose_by_skill, skills_of, ticket_needs
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Ticket
from helpline.tickets.service import add_event, update_ticket

ACTIVE = ("new", "open")
DRAIN_JOB = "routing.drain"
REQUEUE_JOB = "routing.requeue"
URGENCY = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def _locked(session: Session, stmt: Select[Any]) -> Select[Any]:
    return stmt.with_for_update() if session.get_bind().dialect.name == "postgresql" else stmt


def loads(session: Session, user_ids: list[int], *, chat: bool) -> dict[int, int]:
    """Active tickets per agent (chats or the rest)."""
    if not user_ids:
        return {}
    channel = Ticket.channel == "chat" if chat else Ticket.channel != "chat"
    stmt = (
        select(Ticket.assignee_id, func.count())
        .where(
            Ticket.assignee_id.in_(user_ids),
            Ticket.status.in_(ACTIVE),
            Ticket.merged_into_id.is_(None),
            channel,
        )
        .group_by(Ticket.assignee_id)
    )
    return {int(uid): int(n) for uid, n in session.execute(stmt) if uid is not None}


def _explain(a: AgentRouting | None, load: int, cap: int) -> str | None:
    if a is None:
        return "offline (no presence set)"
    if a.presence != "online":
        return a.presence
    if load >= cap:
        return f"at capacity ({load}/{cap})"
    return None


def route_ticket(session: Session, actor: Actor, ticket_id: int) -> int | None:
    """Assign the ticket if its team routes automatically and someone can take it; returns the
    assignee. Either way the decision is written on the ticket as a ``routed``/``routing_queued``
    event listing every member considered and why."""
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    if ticket.assignee_id is not None or ticket.team_id is None or ticket.merged_into_id is not None:
        return None
    if ticket.status not in ACTIVE:
        return None
    team = session.scalar(_locked(session, select(TeamRouting).where(TeamRouting.team_id == ticket.team_id)))
    if team is None or team.mode == "manual":
        return None
    members = list(
        session.scalars(
            select(User.id)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == team.team_id, User.is_active.is_(True))
            .order_by(User.id)
        )
    )
    agent_stmt = select(AgentRouting).where(AgentRouting.user_id.in_(members)).order_by(AgentRouting.user_id)
    agents = {a.user_id: a for a in session.scalars(_locked(session, agent_stmt))}
    chat = ticket.channel == "chat"
    load = loads(session, members, chat=chat)
    considered: list[dict[str, Any]] = []
    available: list[AgentRouting] = []
    for uid in members:
        a = agents.get(uid)
        cap = (a.chat_capacity if chat else a.capacity) if a else 0
        why = _explain(a, load.get(uid, 0), cap)
        considered.append({"user_id": uid, "load": load.get(uid, 0), "capacity": cap, "skipped": why})
        if why is None and a is not None:
            available.append(a)
    if not available:
        add_event(
            session,
            ticket,
            SYSTEM,
            "routing_queued",
            mode=team.mode,
            team_id=team.team_id,
            reason="no member of the team is online with free capacity",
            considered=considered,
        )
        return None
    now = utcnow()
    if team.mode == "skills":
        needs = ticket_needs(session, ticket)
        skills = skills_of(session, [a.user_id for a in available])
        chosen, reason = choose_by_skill(needs, available, load, skills)
    else:
        chosen = _choose(team, available, load)
    if team.mode == "round_robin":
        reason = f"round robin: next online agent with free capacity after user {team.last_user_id}"
    elif team.mode == "least_loaded":
        reason = f"least loaded: {load.get(chosen.user_id, 0)} active tickets, the fewest among those online"
    team.last_user_id, team.updated_at = chosen.user_id, now
    chosen.last_assigned_at = now
    update_ticket(session, SYSTEM, ticket.id, assignee_id=chosen.user_id)
    add_event(
        session,
        ticket,
        SYSTEM,
        "routed",
        mode=team.mode,
        team_id=team.team_id,
        assignee_id=chosen.user_id,
        reason=reason,
        considered=considered,
    )
    emit(
        session,
        "ticket.routed",
        {"ticket_id": ticket.id, "assignee_id": chosen.user_id, "team_id": team.team_id, "mode": team.mode},
    )
    return chosen.user_id


def _choose(team: TeamRouting, available: list[AgentRouting], load: dict[int, int]) -> AgentRouting:
    if team.mode == "round_robin":
        after = [a for a in available if team.last_user_id is None or a.user_id > team.last_user_id]
        return (after or available)[0]
    epoch = utcnow().replace(year=1970, month=1, day=1)
    return min(available, key=lambda a: (load.get(a.user_id, 0), a.last_assigned_at or epoch, a.user_id))


def waiting_tickets(session: Session, team_id: int, limit: int = 50) -> list[int]:
    """Unassigned active tickets of a team, urgent first, then oldest."""
    urgency = case(URGENCY, value=Ticket.priority, else_=9)
    stmt = (
        select(Ticket.id)
        .where(
            Ticket.team_id == team_id,
            Ticket.assignee_id.is_(None),
            Ticket.status.in_(ACTIVE),
            Ticket.merged_into_id.is_(None),
        )
        .order_by(urgency, Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def waiting_ahead(session: Session, ticket: Ticket, limit: int = 20) -> list[int]:
    """Waiting tickets of the ticket's team that go before it: more urgent, or as urgent and older."""
    if ticket.team_id is None:
        return []
    urgency = case(URGENCY, value=Ticket.priority, else_=9)
    mine = URGENCY.get(ticket.priority, 9)
    stmt = (
        select(Ticket.id)
        .where(
            Ticket.team_id == ticket.team_id,
            Ticket.assignee_id.is_(None),
            Ticket.status.in_(ACTIVE),
            Ticket.merged_into_id.is_(None),
            Ticket.id != ticket.id,
            or_(urgency < mine, and_(urgency == mine, Ticket.id < ticket.id)),
        )
        .order_by(urgency, Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def route_arrival(session: Session, ticket: Ticket) -> int | None:
    """Route a ticket that just arrived or moved in, urgent first: tickets already waiting that go
    before it (more urgent, or as urgent and older) are given out first, in that order, so a new
    arrival never takes the place of a more urgent ticket in the queue."""
    team = session.get(TeamRouting, ticket.team_id) if ticket.team_id is not None else None
    if team is None or team.mode == "manual":
        return None
    for waiting_id in waiting_ahead(session, ticket):
        if route_ticket(session, SYSTEM, waiting_id) is None:
            break
    return route_ticket(session, SYSTEM, ticket.id)


def route_waiting(session: Session, team_id: int, limit: int = 50) -> list[int]:
    """Give waiting tickets of a team to whoever has room; returns the tickets assigned."""
    assigned = []
    for ticket_id in waiting_tickets(session, team_id, limit):
        if route_ticket(session, SYSTEM, ticket_id) is None:
            break
        assigned.append(ticket_id)
    return assigned


# -- settings ------------------------------------------------------------------------------------


def set_team_mode(session: Session, actor: Actor, team_id: int, mode: str) -> TeamRouting:
    if not actor.is_admin:
        raise Forbidden("only admins can change how a team routes tickets")
    if mode not in MODES:
        raise Invalid.field("mode", f"{mode!r} is not one of {', '.join(MODES)}")
    if session.get(Team, team_id) is None:
        raise NotFound(f"team {team_id} does not exist")
    row = session.get(TeamRouting, team_id)
    before = {"mode": row.mode if row else "manual"}
    if row is None:
        row = TeamRouting(team_id=team_id, mode=mode)
        session.add(row)
    row.mode, row.updated_at = mode, utcnow()
    session.flush()
    record(session, actor, "routing.team.update", "team", team_id, before, {"mode": mode})
    if mode != "manual":
        schedule_drain(session, [team_id])
    return row


def agent_settings(session: Session, user_id: int) -> AgentRouting:
    row = session.get(AgentRouting, user_id)
    if row is None:
        if session.get(User, user_id) is None:
            raise NotFound(f"user {user_id} does not exist")
        row = AgentRouting(user_id=user_id, presence="offline", capacity=10, chat_capacity=3)
        session.add(row)
        session.flush()
    return row


def update_agent(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    presence: str | None = None,
    capacity: int | None = None,
    chat_capacity: int | None = None,
) -> AgentRouting:
    """Agents set their own presence; admins set anyone's presence and capacities."""
    if not actor.is_staff:
        raise Forbidden("only staff have a presence")
    if not actor.is_admin and (actor.id != user_id or capacity is not None or chat_capacity is not None):
        raise Forbidden("agents can set only their own presence; capacities are set by an admin")
    if presence is not None and presence not in PRESENCES:
        raise Invalid.field("presence", f"{presence!r} is not one of {', '.join(PRESENCES)}")
    for name, value in (("capacity", capacity), ("chat_capacity", chat_capacity)):
        if value is not None and not 0 <= value <= 1000:
            raise Invalid.field(name, "must be between 0 and 1000")
    row = agent_settings(session, user_id)
    before = {"presence": row.presence, "capacity": row.capacity, "chat_capacity": row.chat_capacity}
    if presence is not None and presence != row.presence:
        row.presence, row.presence_changed_at = presence, utcnow()
    if capacity is not None:
        row.capacity = capacity
    if chat_capacity is not None:
        row.chat_capacity = chat_capacity
    after = {"presence": row.presence, "capacity": row.capacity, "chat_capacity": row.chat_capacity}
    if after != before:
        record(session, actor, "routing.agent.update", "user", user_id, before, after)
        emit(session, "agent.presence_changed", {"user_id": user_id, **after})
        if row.presence == "online":  # room for waiting tickets
            schedule_drain(session, teams_of(session, user_id))
        elif before["presence"] == "online" and row.presence == "offline":
            enqueue(session, REQUEUE_JOB, {"user_id": user_id})
    return row


def schedule_drain(session: Session, team_ids: list[int]) -> None:
    """Queue a ``routing.drain`` of each team: its waiting tickets go to whoever has room."""
    for team_id in sorted(set(team_ids)):
        enqueue(session, DRAIN_JOB, {"team_id": team_id})


def teams_of(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


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
    ticket = get_visible_ticket(session, SYSTEM, ticket_id, lock=True)
    agent = session.get(AgentRouting, user_id)
    if ticket.assignee_id != user_id or ticket.status not in ACTIVE or ticket.last_agent_reply_at is not None:
        return None
    if agent is not None and agent.presence == "online":
        return None  # back already
    update_ticket(session, SYSTEM, ticket.id, assignee_id=None)
    add_event(
        session,
        ticket,
        SYSTEM,
        "routing_returned",
        previous_assignee_id=user_id,
        reason="the agent went offline before answering",
    )
    return route_ticket(session, SYSTEM, ticket.id)
