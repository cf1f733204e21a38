"""Inbox views: a name and filters, kept by the agent who made them or shared with one of their teams.

A view shared with a team shows in the sidebar of every member of that team (at most 30 per team);
only the agent who made it or an admin can delete it. ``assignee: "me"`` always means the agent
looking at the view.

Filters: ``status`` (list), ``priority``, ``team_id``, ``assignee`` ("me", "none" or a user id),
``tag``, ``channel``, ``mood`` ("frustrated" or "negative", from the assist rollup), ``intent`` and
``q`` (full text). ``condition`` turns them into a WHERE clause that the
inbox adds to ``visible_tickets(actor)``, so a saved view never shows a ticket the agent may not open.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, User
from helpline.assist.insights import frustrated_tickets
from helpline.assist.models import TicketInsight
from helpline.audit.service import record
from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound
from helpline.macros.models import SavedView
from helpline.tickets.models import CHANNELS, PRIORITIES, STATUSES, Ticket, TicketTag
from helpline.tickets.search import matching_tickets, terms
from helpline.tickets.service import normalize_tags

FILTER_KEYS = ("status", "priority", "team_id", "assignee", "tag", "channel", "mood", "intent", "q")
MOODS = ("frustrated", "negative")
MAX_VIEWS = 30


def _owner(actor: Actor) -> int:
    if not actor.is_staff or actor.id is None:
        raise Forbidden("saved views belong to agents")
    return actor.id


def normalize_filters(session: Session, filters: dict[str, Any]) -> dict[str, Any]:
    bad = sorted(set(filters) - set(FILTER_KEYS))
    if bad:
        raise Invalid.field("filters", f"unknown filter {bad[0]!r}; use {', '.join(FILTER_KEYS)}")
    clean: dict[str, Any] = {}
    statuses = [s for s in filters.get("status") or [] if s]
    for value in statuses:
        if value not in STATUSES:
            raise Invalid.field("status", f"{value!r} is not one of {', '.join(STATUSES)}")
    if statuses:
        clean["status"] = sorted(set(statuses), key=STATUSES.index)
    for key, choices in (("priority", PRIORITIES), ("channel", CHANNELS)):
        value = filters.get(key)
        if value:
            if value not in choices:
                raise Invalid.field(key, f"{value!r} is not one of {', '.join(choices)}")
            clean[key] = value
    team_id = filters.get("team_id")
    if team_id is not None:
        if session.get(Team, team_id) is None:
            raise Invalid.field("team_id", f"team {team_id} does not exist")
        clean["team_id"] = team_id
    assignee = filters.get("assignee")
    if assignee not in (None, ""):
        if assignee not in ("me", "none") and session.get(User, assignee) is None:
            raise Invalid.field("assignee", f"user {assignee} does not exist")
        clean["assignee"] = assignee
    tag = (filters.get("tag") or "").strip()
    if tag:
        clean["tag"] = normalize_tags([tag])[0]
    mood = filters.get("mood")
    if mood:
        if mood not in MOODS:
            raise Invalid.field("mood", f"{mood!r} is not one of {', '.join(MOODS)}")
        clean["mood"] = mood
    intent = (filters.get("intent") or "").strip()
    if intent:
        clean["intent"] = intent[:120]
    q = (filters.get("q") or "").strip()
    if q:
        if not terms(q):
            raise Invalid.field("q", "give at least one word to search for")
        clean["q"] = q[:200]
    return clean


def condition(session: Session, actor: Actor, filters: dict[str, Any]) -> ColumnElement[bool]:
    """The tickets a saved view holds (to be combined with ``visible_tickets(actor)``)."""
    parts: list[ColumnElement[bool]] = []
    if filters.get("status"):
        parts.append(Ticket.status.in_(filters["status"]))
    if filters.get("priority"):
        parts.append(Ticket.priority == filters["priority"])
    if filters.get("channel"):
        parts.append(Ticket.channel == filters["channel"])
    if filters.get("team_id") is not None:
        parts.append(Ticket.team_id == filters["team_id"])
    assignee = filters.get("assignee")
    if assignee == "me":
        parts.append(Ticket.assignee_id == actor.id)
    elif assignee == "none":
        parts.append(Ticket.assignee_id.is_(None))
    elif assignee is not None:
        parts.append(Ticket.assignee_id == assignee)
    if filters.get("tag"):
        parts.append(Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag == filters["tag"])))
    if filters.get("mood") == "frustrated":
        parts.append(Ticket.id.in_(frustrated_tickets()))
    elif filters.get("mood") == "negative":
        parts.append(
            Ticket.id.in_(select(TicketInsight.ticket_id).where(TicketInsight.sentiment == "negative"))
        )
    if filters.get("intent"):
        parts.append(
            Ticket.id.in_(select(TicketInsight.ticket_id).where(TicketInsight.intent == filters["intent"]))
        )
    if filters.get("q"):
        parts.append(matching_tickets(session, filters["q"], include_internal=actor.is_staff))
    return and_(*parts) if parts else true()


def _readable(actor: Actor) -> ColumnElement[bool]:
    """The views ``actor`` sees: their own, and those shared with their teams (admins too see only
    their own teams' views, which keeps the inbox's count query bounded on a large workspace)."""
    return or_(SavedView.user_id == actor.id, SavedView.team_id.in_(actor.team_ids))


def list_saved_views(session: Session, actor: Actor) -> list[SavedView]:
    """The agent's own views first, then the views their teams share, each by name."""
    if not actor.is_staff or actor.id is None:
        return []
    stmt = select(SavedView).where(_readable(actor))
    views = list(session.scalars(stmt.order_by(SavedView.name, SavedView.id)))
    return sorted(views, key=lambda v: v.user_id != actor.id)


def get_saved_view(session: Session, actor: Actor, view_id: int) -> SavedView:
    _owner(actor)
    view = session.scalar(select(SavedView).where(SavedView.id == view_id, _readable(actor)))
    if view is None:
        raise NotFound(f"saved view {view_id} does not exist")
    return view


def _share_with(session: Session, actor: Actor, team_id: int | None) -> int | None:
    if team_id is None:
        return None
    if session.get(Team, team_id) is None:
        raise Invalid.field("share_team_id", f"team {team_id} does not exist")
    if not actor.is_admin and team_id not in actor.team_ids:
        raise Invalid.field("share_team_id", "You can share a view only with a team you belong to.")
    shared = select(func.count()).select_from(SavedView).where(SavedView.team_id == team_id)
    if (session.scalar(shared) or 0) >= MAX_VIEWS:
        raise Invalid.field("share_team_id", f"A team can share at most {MAX_VIEWS} views; delete one first.")
    return team_id


def create_saved_view(
    session: Session,
    actor: Actor,
    *,
    name: str,
    filters: dict[str, Any],
    share_team_id: int | None = None,
) -> SavedView:
    owner = _owner(actor)
    name = name.strip()
    if not name:
        raise Invalid.field("name", "Give the view a name.")
    if len(name) > 80:
        raise Invalid.field("name", "Keep the name under 80 characters.")
    own = select(func.count()).select_from(SavedView).where(SavedView.user_id == owner)
    if (session.scalar(own) or 0) >= MAX_VIEWS:
        raise Invalid.field("name", f"You can keep at most {MAX_VIEWS} views; delete one first.")
    view = SavedView(
        user_id=owner,
        team_id=_share_with(session, actor, share_team_id),
        name=name,
        filters=normalize_filters(session, filters),
        created_at=utcnow(),
    )
    taken = select(SavedView.id).where(SavedView.user_id == owner, SavedView.name == name)
    if session.scalar(taken) is not None:
        raise Conflict(f"You already have a view called {name!r}.")
    session.add(view)
    session.flush()
    record(
        session,
        actor,
        "saved_view.create",
        "saved_view",
        view.id,
        None,
        {"name": name, "filters": view.filters, "team_id": view.team_id},
    )
    return view


def may_delete(actor: Actor, view: SavedView) -> bool:
    return view.user_id == actor.id or actor.is_admin


def delete_saved_view(session: Session, actor: Actor, view_id: int) -> None:
    view = get_saved_view(session, actor, view_id)
    if not may_delete(actor, view):
        raise Forbidden("Only the agent who made a shared view, or an admin, can delete it.")
    record(
        session,
        actor,
        "saved_view.delete",
        "saved_view",
        view.id,
        {"name": view.name, "filters": view.filters, "team_id": view.team_id},
    )
    session.delete(view)
