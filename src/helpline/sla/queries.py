"""Reading a ticket's SLA: its targets, due times and what is left, scoped by who asks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.sla.calendars import load_calendar
from helpline.sla.clock import business_seconds_between
from helpline.sla.models import TARGET_KINDS, BusinessHours, SlaPolicy, SlaTarget, TicketSla
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Ticket

# What a customer may see of their own ticket's SLA: when to expect the first answer.
CUSTOMER_KINDS = ("first_response",)


@dataclass
class TargetView:
    kind: str
    target_minutes: int
    status: str  # running, paused, met, breached, met_late, stopped
    started_at: dt.datetime
    due_at: dt.datetime | None
    remaining_minutes: float | None
    met_at: dt.datetime | None
    warned_at: dt.datetime | None
    breached_at: dt.datetime | None


@dataclass
class TicketSlaView:
    ticket_id: int
    policy_id: int | None = None
    policy_name: str | None = None
    business_hours_id: int | None = None
    timezone: str = "UTC"
    paused: bool = False
    paused_since: dt.datetime | None = None
    first_response_due_at: dt.datetime | None = None
    next_response_due_at: dt.datetime | None = None
    resolution_due_at: dt.datetime | None = None
    targets: list[TargetView] = field(default_factory=list)


def _status(t: SlaTarget) -> str:
    if t.met_at is not None:
        return "met_late" if t.breached_at is not None else "met"
    if t.breached_at is not None:
        return "breached"
    return "running" if t.running_since is not None else "paused"


def ticket_sla(
    session: Session, actor: Actor, ticket_id: int, now: dt.datetime | None = None
) -> TicketSlaView:
    """The SLA of a ticket the actor may see (404 otherwise); customers see only the first response."""
    ticket = get_visible_ticket(session, actor, ticket_id)
    now = now or utcnow()
    view = TicketSlaView(ticket_id=ticket.id)
    state = session.get(TicketSla, ticket.id)
    if state is None:
        return view
    kinds = CUSTOMER_KINDS if actor.is_customer else TARGET_KINDS
    policy = session.get(SlaPolicy, state.policy_id) if state.policy_id else None
    hours = session.get(BusinessHours, state.business_hours_id) if state.business_hours_id else None
    view.policy_id = policy.id if policy else None
    view.policy_name = policy.name if policy and not actor.is_customer else None
    view.business_hours_id = state.business_hours_id
    view.timezone = hours.timezone if hours else "UTC"
    view.paused, view.paused_since = state.paused_since is not None, state.paused_since
    view.first_response_due_at = state.first_response_due_at
    if not actor.is_customer:
        view.next_response_due_at = state.next_response_due_at
        view.resolution_due_at = state.resolution_due_at
    calendar = load_calendar(session, state.business_hours_id)
    rows = session.scalars(
        select(SlaTarget).where(SlaTarget.ticket_id == ticket.id, SlaTarget.kind.in_(kinds))
    )
    for t in sorted(rows, key=lambda r: TARGET_KINDS.index(r.kind)):
        remaining = None
        if t.met_at is None:
            used = t.elapsed_seconds
            if t.running_since is not None and now > t.running_since:
                used += business_seconds_between(t.running_since, now, calendar)
            remaining = round((t.target_minutes * 60 - used) / 60, 1)
        view.targets.append(
            TargetView(
                kind=t.kind,
                target_minutes=t.target_minutes,
                status=_status(t),
                started_at=t.started_at,
                due_at=t.due_at,
                remaining_minutes=remaining,
                met_at=t.met_at,
                warned_at=t.warned_at,
                breached_at=t.breached_at,
            )
        )
    return view


def first_response_due(session: Session, ticket_id: int) -> dt.datetime | None:
    """When the customer can expect the first answer (for acknowledgements and the portal)."""
    state = session.get(TicketSla, ticket_id)
    return state.first_response_due_at if state else None


@dataclass(frozen=True)
class ExpectedReply:
    """When the customer can expect the team's next answer, and the business hours' time zone."""

    due_at: dt.datetime
    timezone: str


def expected_reply(session: Session, ticket: Ticket) -> ExpectedReply | None:
    """The due time of the answer the customer is waiting for (the first response, or the next one
    after they wrote again), while the clock runs; ``None`` if no policy applies or it is paused."""
    state = session.get(TicketSla, ticket.id)
    if state is None or ticket.status not in ("new", "open"):
        return None
    due = state.next_response_due_at
    if due is None and ticket.last_agent_reply_at is None:
        due = state.first_response_due_at
    if due is None:
        return None
    hours = session.get(BusinessHours, state.business_hours_id) if state.business_hours_id else None
    return ExpectedReply(due, hours.timezone if hours else "UTC")
