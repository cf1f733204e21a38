"""Routing: hand a team's waiting tickets to an available agent, and explain every decision.

Modes per team: ``manual`` (nobody is assigned automatically), ``round_robin`` (the next online agent
after the last one assigned, by user id) and ``least_loaded`` (the online agent with the fewest
active tickets, the longest-idle first on a tie). Only agents who are online and under capacity are
chosen; active means ``new`` or ``open``, and chats count against ``chat_capacity``, everything else
against ``capacity``.

Capacity and presence hold under concurrent assigners, in one process or many: the decision is
taken inside the ticket's transaction with the team's routing row, then the ticket, then the
candidates' rows locked (``SELECT … FOR UPDATE`` on PostgreSQL, always in that order, agents by
id, values re-read after the lock), and the load is counted after the locks are held, so a second
assigner waits and then sees the first one's ticket; a presence change waits for the agent's row,
so nobody is given a ticket after going offline. On SQLite writers are serialized by ``BEGIN
IMMEDIATE``. Tickets leave the queue in the order of ``routing/queue.py``.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, TeamMember, User
from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Forbidden, Invalid, NotFound
from helpline.outbox.service import emit, enqueue
from helpline.routing.models import MODES, PRESENCES, AgentRouting, RoutingOffer, TeamRouting
from helpline.routing.queue import ACTIVE, place, waiting_ahead, waiting_tickets
from helpline.routing.skills import choose_by_skill, skills_of, ticket_needs
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Ticket
from helpline.tickets.service import add_event, update_ticket

DRAIN_JOB = "routing.drain"
REQUEUE_JOB = "routing.requeue"
ACCEPT_JOB = "routing.accept_check"
MAX_ACCEPT_MINUTES = 7 * 24 * 60


class Keep(enum.Enum):
    """A setting left as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


def locked(session: Session, stmt: Select[Any]) -> Select[Any]:
    """``stmt`` with the rows locked on PostgreSQL (SQLite serializes writers with ``BEGIN
    IMMEDIATE``), and always with fresh values: an object already in the session is refreshed
    from the row, so a value read before the lock was taken is never trusted."""
    stmt = stmt.execution_options(populate_existing=True)
    return stmt.with_for_update() if session.get_bind().dialect.name == "postgresql" else stmt


def lock_team(session: Session, team_id: int | None) -> TeamRouting | None:
    """The team's routing row, locked: every routing decision of a team is taken under this lock,
    which is always the first routing lock a transaction takes (then the ticket, then agents)."""
    if team_id is None:
        return None
    txn = session.get_transaction()
    held: tuple[object, set[int]] | None = session.info.get("routing_teams_locked")
    if held is None or held[0] is not txn:
        held = (txn, set())
        session.info["routing_teams_locked"] = held
    if team_id in held[1]:  # locked earlier in this transaction: its values are current
        return session.get(TeamRouting, team_id)
    stmt = select(TeamRouting).where(TeamRouting.team_id == team_id)
    team = session.scalars(locked(session, stmt)).first()
    held[1].add(team_id)
    return team


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


def _explain(a: AgentRouting | None, load: int, cap: int, excluded: bool) -> str | None:
    if excluded:
        return "did not accept this ticket in time"
    if a is None:
        return "offline (no presence set)"
    if a.presence != "online":
        return a.presence
    if load >= cap:
        return f"at capacity ({load}/{cap})"
    return None


def route_ticket(
    session: Session,
    actor: Actor,
    ticket_id: int,
    *,
    exclude: frozenset[int] = frozenset(),
    note_queued: bool = True,
) -> int | None:
    """Assign the ticket if its team routes automatically and someone can take it; returns the
    assignee. The decision is written on the ticket as a ``routed`` event, or a ``routing_queued``
    one when it enters the queue (not again on each later try from the queue: ``note_queued``),
    listing every member considered and why (``exclude``: agents not to give it to now)."""
    known = session.get(Ticket, ticket_id) if actor is SYSTEM else None  # in hand on arrival
    ticket = known or get_visible_ticket(session, actor, ticket_id)
    team = lock_team(session, ticket.team_id)
    ticket = session.scalars(locked(session, select(Ticket).where(Ticket.id == ticket_id))).one()
    if ticket.assignee_id is not None or ticket.merged_into_id is not None or ticket.status not in ACTIVE:
        return None
    if team is None or team.team_id != ticket.team_id or team.mode == "manual":
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
    agents = {a.user_id: a for a in session.scalars(locked(session, agent_stmt))}
    chat = ticket.channel == "chat"
    load = loads(session, members, chat=chat)
    considered: list[dict[str, Any]] = []
    available: list[AgentRouting] = []
    for uid in members:
        a = agents.get(uid)
        cap = (a.chat_capacity if chat else a.capacity) if a else 0
        why = _explain(a, load.get(uid, 0), cap, uid in exclude)
        considered.append({"user_id": uid, "load": load.get(uid, 0), "capacity": cap, "skipped": why})
        if why is None and a is not None:
            available.append(a)
    if not available and not note_queued:
        return None
    queue = place(session, ticket)
    if not available:
        add_event(
            session,
            ticket,
            SYSTEM,
            "routing_queued",
            mode=team.mode,
            team_id=team.team_id,
            reason="no member of the team is online with free capacity",
            queue=queue,
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
        queue=queue,
        considered=considered,
    )
    offer(session, team, ticket.id, chosen.user_id, now)
    emit(
        session,
        "ticket.routed",
        {"ticket_id": ticket.id, "assignee_id": chosen.user_id, "team_id": team.team_id, "mode": team.mode},
    )
    return chosen.user_id


def offer(session: Session, team: TeamRouting, ticket_id: int, user_id: int, now: dt.datetime) -> None:
    """With an acceptance timeout on the team, the agent must act on the routed ticket in time:
    record the offer and queue the check that returns it to the queue otherwise. (Without one,
    nothing is written: a stale offer of an earlier routing is dropped by its check.)"""
    if not team.accept_minutes:
        return
    accept_by = now + dt.timedelta(minutes=team.accept_minutes)
    row = session.get(RoutingOffer, ticket_id)
    if row is None:
        row = RoutingOffer(ticket_id=ticket_id)
        session.add(row)
    row.user_id, row.offered_at, row.accept_by = user_id, now, accept_by
    enqueue(session, ACCEPT_JOB, {"ticket_id": ticket_id}, delay=accept_by - utcnow())


def _choose(team: TeamRouting, available: list[AgentRouting], load: dict[int, int]) -> AgentRouting:
    if team.mode == "round_robin":
        after = [a for a in available if team.last_user_id is None or a.user_id > team.last_user_id]
        return (after or available)[0]
    epoch = utcnow().replace(year=1970, month=1, day=1)
    return min(available, key=lambda a: (load.get(a.user_id, 0), a.last_assigned_at or epoch, a.user_id))


def route_arrival(session: Session, ticket: Ticket, *, created: bool = False) -> int | None:
    """Route a ticket that just arrived (``created``) or moved in, in queue order: tickets already
    waiting that go before it (more urgent, or a frustrated customer at the same priority, or as
    urgent and older) are given out first, so a new arrival never takes the place of one ahead
    of it. (A ticket being created has no mood yet: the assist layer reads it after commit.)"""
    team = lock_team(session, ticket.team_id)
    if team is None or team.mode == "manual":
        return None
    for waiting_id in waiting_ahead(session, ticket, frustrated=False if created else None):
        if route_ticket(session, SYSTEM, waiting_id, note_queued=False) is None:
            break
    return route_ticket(session, SYSTEM, ticket.id)


def route_next(session: Session, team_id: int) -> int | None:
    """Give the first ticket of the team's queue to whoever has room (one step of a drain);
    returns the ticket routed, ``None`` when the queue is empty or nobody has room."""
    team = lock_team(session, team_id)
    if team is None or team.mode == "manual":
        return None
    waiting = waiting_tickets(session, team_id, limit=1)
    if not waiting or route_ticket(session, SYSTEM, waiting[0], note_queued=False) is None:
        return None
    return waiting[0]


def route_waiting(session: Session, team_id: int, limit: int = 50) -> list[int]:
    """Give waiting tickets of a team to whoever has room; returns the tickets assigned."""
    assigned = []
    for _ in range(limit):
        routed = route_next(session, team_id)
        if routed is None:
            break
        assigned.append(routed)
    return assigned


# -- settings ------------------------------------------------------------------------------------


def set_team_mode(
    session: Session,
    actor: Actor,
    team_id: int,
    mode: str | None = None,
    *,
    accept_minutes: int | Keep | None = KEEP,
) -> TeamRouting:
    """Set how a team routes (admins): its ``mode`` and its acceptance timeout in minutes
    (``None``: a routed ticket stays with its agent however long they take)."""
    if not actor.is_admin:
        raise Forbidden("only admins can change how a team routes tickets")
    if mode is not None and mode not in MODES:
        raise Invalid.field("mode", f"{mode!r} is not one of {', '.join(MODES)}")
    if isinstance(accept_minutes, int) and not 1 <= accept_minutes <= MAX_ACCEPT_MINUTES:
        raise Invalid.field("accept_minutes", f"must be between 1 and {MAX_ACCEPT_MINUTES} minutes, or null")
    if session.get(Team, team_id) is None:
        raise NotFound(f"team {team_id} does not exist")
    row = lock_team(session, team_id)
    if row is None:
        row = TeamRouting(team_id=team_id, mode="manual")
        session.add(row)
    before = {"mode": row.mode, "accept_minutes": row.accept_minutes}
    if mode is not None:
        row.mode = mode
    if not isinstance(accept_minutes, Keep):
        row.accept_minutes = accept_minutes
    row.updated_at = utcnow()
    session.flush()
    after = {"mode": row.mode, "accept_minutes": row.accept_minutes}
    if after != before:
        record(session, actor, "routing.team.update", "team", team_id, before, after)
    if row.mode != "manual":
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
