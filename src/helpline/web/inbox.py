"""The agent inbox: named views, their counts in one query, sorting, search and pages.

Every statement starts from ``visible_tickets(actor)``, so a view can never show a ticket the agent
may not open, and that holds for the agent's own saved views (``macros.saved_views``) too. Counts for
all views come from a single aggregate query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, select
from sqlalchemy.orm import Session

from helpline.assist.insights import awaiting_our_reply, frustrated_tickets
from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.core.errors import Invalid
from helpline.macros.models import SavedView
from helpline.macros.saved_views import condition as saved_condition
from helpline.sla.models import SlaTarget
from helpline.tickets.access import visible_tickets
from helpline.tickets.models import Ticket
from helpline.tickets.queries import ticket_load_options
from helpline.tickets.search import matching_tickets, terms

UNSOLVED = ("new", "open", "pending", "on-hold")
RECENT_DAYS = 7
PAGE_SIZE = 25
MAX_PAGE = 400

# (key, label): labels are message ids, translated in the template.
VIEWS = (
    ("mine", "My tickets"),
    ("unassigned", "Unassigned"),
    ("team", "My teams"),
    ("open", "All open"),
    ("upset", "Upset customers waiting"),
    ("pending", "Pending"),
    ("solved", "Recently solved"),
)
SORTS = (
    ("priority", "Priority"),
    ("waiting", "Waiting longest"),
    ("newest", "Newest"),
    ("updated", "Recently updated"),
    ("due", "SLA due first"),
)
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def view_condition(view: str, actor: Actor, now: dt.datetime) -> ColumnElement[bool]:
    if view == "mine":
        return and_(Ticket.assignee_id == actor.id, Ticket.status.in_(UNSOLVED))
    if view == "unassigned":
        return and_(Ticket.assignee_id.is_(None), Ticket.status.in_(("new", "open")))
    if view == "team":
        if not actor.team_ids:
            return false()
        return and_(Ticket.team_id.in_(sorted(actor.team_ids)), Ticket.status.in_(UNSOLVED))
    if view == "open":
        return Ticket.status.in_(("new", "open"))
    if view == "upset":  # frustrated or angry, and the next move is ours
        return and_(
            Ticket.status.in_(("new", "open")), Ticket.id.in_(frustrated_tickets()), awaiting_our_reply()
        )
    if view == "pending":
        return Ticket.status.in_(("pending", "on-hold"))
    if view == "solved":
        since = now - dt.timedelta(days=RECENT_DAYS)
        return and_(
            Ticket.status.in_(("solved", "closed")),
            func.coalesce(Ticket.solved_at, Ticket.updated_at) >= since,
        )
    raise Invalid.field("view", f"must be one of {', '.join(k for k, _ in VIEWS)}")


def _base(actor: Actor) -> list[ColumnElement[bool]]:
    return [visible_tickets(actor), Ticket.merged_into_id.is_(None)]


def view_counts(session: Session, actor: Actor, saved: Sequence[SavedView] = ()) -> dict[str, int]:
    """How many tickets each view holds (the agent's saved views too), in one query."""
    now = utcnow()
    columns = [func.count().filter(view_condition(key, actor, now)).label(key) for key, _ in VIEWS]
    columns += [
        func.count().filter(saved_condition(session, actor, v.filters)).label(f"saved_{v.id}") for v in saved
    ]
    row = session.execute(select(*columns).select_from(Ticket).where(*_base(actor))).one()
    counts = {key: int(row._mapping[key] or 0) for key, _ in VIEWS}
    counts.update({saved_key(v): int(row._mapping[f"saved_{v.id}"] or 0) for v in saved})
    return counts


def saved_key(view: SavedView) -> str:
    return f"saved:{view.id}"


def waiting_since() -> Any:
    return func.coalesce(Ticket.last_customer_message_at, Ticket.created_at)


def _next_due() -> Any:
    """The ticket's earliest running SLA clock (met and paused clocks have no due time), read per
    listed ticket through the (ticket_id, kind) index."""
    return (
        select(func.min(SlaTarget.due_at))
        .where(SlaTarget.ticket_id == Ticket.id, SlaTarget.met_at.is_(None), SlaTarget.due_at.is_not(None))
        .correlate(Ticket)
        .scalar_subquery()
    )


def _order(sort: str, due: Any) -> list[Any]:
    if sort == "due":  # overdue first, then soonest; tickets with no running clock last
        return [due.is_(None), due, Ticket.id]
    if sort == "priority":
        rank = case(PRIORITY_RANK, value=Ticket.priority, else_=9)
        return [rank, waiting_since(), Ticket.id]
    if sort == "waiting":
        return [waiting_since(), Ticket.id]
    if sort == "updated":
        return [Ticket.updated_at.desc(), Ticket.id.desc()]
    if sort == "newest":
        return [Ticket.id.desc()]
    raise Invalid.field("sort", f"must be one of {', '.join(k for k, _ in SORTS)}")


@dataclass
class InboxPage:
    tickets: list[Ticket]
    page: int
    has_next: bool
    due: dict[int, dt.datetime]  # ticket id -> earliest running SLA due time


def inbox_page(
    session: Session,
    actor: Actor,
    *,
    view: str,
    sort: str,
    q: str = "",
    page: int = 1,
    saved: SavedView | None = None,
) -> InboxPage:
    """One page of a view (or of search results across every ticket the agent may see)."""
    if page < 1 or page > MAX_PAGE:
        raise Invalid.field("page", f"must be between 1 and {MAX_PAGE}")
    where = _base(actor)
    q = q.strip()
    if q:
        if not terms(q):
            raise Invalid.field("q", "give at least one word to search for")
        where.append(matching_tickets(session, q, include_internal=actor.is_staff))
    elif saved is not None:
        where.append(saved_condition(session, actor, saved.filters))
    else:
        where.append(view_condition(view, actor, utcnow()))
    due = _next_due()
    stmt = (
        select(Ticket, due)
        .where(*where)
        .order_by(*_order(sort, due))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
        .options(*ticket_load_options())
    )
    rows = [(row[0], row[1]) for row in session.execute(stmt)]
    shown = rows[:PAGE_SIZE]
    return InboxPage(
        [t for t, _ in shown], page, len(rows) > PAGE_SIZE, {t.id: d for t, d in shown if d is not None}
    )
