"""A ticket's SLA clocks: choose the policy, start, pause, resume, meet and reschedule targets.

Called from the ticket lifecycle hooks (``helpline.sla.hooks``) inside the transaction of the ticket
action, so the clocks always agree with the ticket. The rules:

- the first policy (by ``position``) whose conditions match the ticket applies, re-chosen on every
  change of the ticket; no matching policy means no clocks;
- first response and resolution clocks start when the ticket is created; an agent's first public
  reply meets the first response; a customer message after an agent's reply starts the next-response
  clock, which the agent's next public reply meets; solving meets the resolution, reopening resumes it;
- every clock pauses while the ticket is pending or on hold, and stops when it is solved or closed;
- business time runs on the policy's business hours, else the ticket team's, else 24/7 (UTC).

Each clock keeps the business seconds it used before its current run (``elapsed_seconds``), so a
change of policy, team or calendar takes effect from now on without rewriting the past.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.assist.models import TicketInsight
from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.customers.models import Customer
from helpline.sla.calendars import load_calendar, team_hours_id
from helpline.sla.checks import fire_due, record_breach, schedule_check
from helpline.sla.clock import Calendar, CalendarError, add_business_seconds, business_seconds_between
from helpline.sla.models import TARGET_KINDS, SlaPolicy, SlaTarget, TicketSla
from helpline.tickets.models import Ticket
from helpline.tickets.service import add_event

PAUSED = frozenset({"pending", "on-hold"})
STOPPED = frozenset({"solved", "closed"})
CONDITION_KEYS = ("priority", "channel", "team_id", "tags", "tier", "organization_id", "intent", "mood")
# Conditions read from the assist layer's rollup; a policy using them is re-chosen after enrichment.
INSIGHT_KEYS = ("intent", "mood")


def ticket_facts(session: Session, ticket: Ticket) -> dict[str, Any]:
    customer = session.get(Customer, ticket.requester_id)
    insight = session.get(TicketInsight, ticket.id)
    mood = None
    if insight is not None:
        mood = "frustrated" if insight.frustrated else insight.sentiment
    return {
        "intent": insight.intent if insight else None,
        "mood": mood,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "team_id": ticket.team_id,
        "tags": ticket.tags,
        "tier": customer.tier if customer else None,
        "organization_id": customer.organization_id if customer else None,
    }


def policy_matches(conditions: dict[str, Any], facts: dict[str, Any]) -> bool:
    for key, allowed in conditions.items():
        if not allowed:
            continue
        if key == "tags":
            if not set(allowed) & set(facts.get("tags") or ()):
                return False
        elif key == "mood":  # frustrated is the strongest negative: "negative" includes it
            mood = facts.get("mood")
            moods = {mood, "negative"} if mood == "frustrated" else {mood}
            if not set(allowed) & moods:
                return False
        elif facts.get(key) not in allowed:
            return False
    return True


def uses_insights(session: Session) -> bool:
    """Whether any active policy looks at intent or mood (so enrichment must re-choose the policy)."""
    policies = session.scalars(select(SlaPolicy.conditions).where(SlaPolicy.active.is_(True)))
    return any(any(conditions.get(k) for k in INSIGHT_KEYS) for conditions in policies)


def select_policy(session: Session, ticket: Ticket) -> SlaPolicy | None:
    if ticket.merged_into_id is not None:
        return None
    stmt = select(SlaPolicy).where(SlaPolicy.active.is_(True)).order_by(SlaPolicy.position, SlaPolicy.id)
    facts: dict[str, Any] | None = None
    for policy in session.scalars(stmt):
        facts = facts if facts is not None else ticket_facts(session, ticket)
        if policy_matches(policy.conditions or {}, facts):
            return policy
    return None


def warn_threshold(target_minutes: int, policy: SlaPolicy | None) -> float | None:
    """Elapsed business seconds at which a clock warns: the earlier of ``warn_percent`` of the
    target and ``warn_minutes_before`` the due time."""
    total = target_minutes * 60
    candidates = []
    if policy is not None and policy.warn_percent:
        candidates.append(total * policy.warn_percent / 100)
    if policy is not None and policy.warn_minutes_before:
        candidates.append(total - policy.warn_minutes_before * 60)
    candidates = [c for c in candidates if 0 <= c < total]
    return min(candidates) if candidates else None


def _checkpoint(target: SlaTarget, now: dt.datetime, calendar: Calendar) -> None:
    if target.running_since is not None and target.met_at is None and now > target.running_since:
        target.elapsed_seconds += business_seconds_between(target.running_since, now, calendar)
        target.running_since = now


def _meet(session: Session, ticket: Ticket, target: SlaTarget, now: dt.datetime) -> None:
    if target.met_at is not None:
        return
    if target.breached_at is None and target.due_at is not None and target.due_at < now:
        record_breach(session, ticket, target, target.due_at)
    target.met_at = now
    target.running_since = None
    add_event(session, ticket, SYSTEM, "sla_met", target=target.kind, late=target.breached_at is not None)


def _schedule(
    session: Session,
    ticket: Ticket,
    target: SlaTarget,
    policy: SlaPolicy | None,
    cal: Calendar,
    now: dt.datetime,
) -> None:
    if target.met_at is not None:
        target.warn_at = None
        return
    before = (target.due_at, target.warn_at)
    if target.running_since is None:
        target.due_at = target.warn_at = None
        return
    remaining = target.target_minutes * 60 - target.elapsed_seconds
    threshold = warn_threshold(target.target_minutes, policy)
    try:
        if remaining > 0:
            target.due_at = add_business_seconds(now, remaining, cal)
        else:
            target.due_at = target.breached_at or before[0] or now
        if target.warned_at is None and threshold is not None:
            left = threshold - target.elapsed_seconds
            target.warn_at = add_business_seconds(now, left, cal) if left > 0 else now
        else:
            target.warn_at = None
    except CalendarError:  # a calendar with no business time left: no due time to promise
        target.due_at = target.warn_at = None
    fire_due(session, ticket, target, now)
    if (_moved(before[0], target.due_at) or _moved(before[1], target.warn_at)) and target.breached_at is None:
        upcoming = target.warn_at if target.warned_at is None and target.warn_at else target.due_at
        schedule_check(session, ticket.id, upcoming)


def _moved(old: dt.datetime | None, new: dt.datetime | None) -> bool:
    if old is None or new is None:
        return old is not new
    return abs((new - old).total_seconds()) >= 1


def _targets(session: Session, ticket_id: int) -> dict[str, SlaTarget]:
    rows = session.scalars(select(SlaTarget).where(SlaTarget.ticket_id == ticket_id))
    return {t.kind: t for t in rows}


def refresh_ticket_sla(
    session: Session,
    ticket: Ticket,
    now: dt.datetime | None = None,
    *,
    agent_replied: bool = False,
    customer_wrote: bool = False,
    actor: Actor = SYSTEM,
) -> TicketSla | None:
    """Bring a ticket's clocks up to date with the ticket as it is now (the hooks' single entry)."""
    now = now or utcnow()
    state = session.get(TicketSla, ticket.id)
    policy = select_policy(session, ticket)
    if state is None and policy is None:
        return None
    targets = _targets(session, ticket.id)
    old_hours = state.business_hours_id if state else None
    old_cal = load_calendar(session, old_hours)
    for target in targets.values():
        _checkpoint(target, now, old_cal)
        fire_due(session, ticket, target, now)
    if state is None:
        state = TicketSla(ticket_id=ticket.id)
        session.add(state)
    if policy is not None:
        hours_id = policy.business_hours_id or team_hours_id(session, ticket.team_id)
    else:
        hours_id = old_hours
    cal = old_cal if hours_id == old_hours else load_calendar(session, hours_id)
    if (policy.id if policy else None) != state.policy_id:
        _apply_policy(session, ticket, state, policy, actor)
    state.business_hours_id = hours_id

    if agent_replied:
        for kind in ("first_response", "next_response"):
            if kind in targets:
                _meet(session, ticket, targets[kind], now)
    for kind in TARGET_KINDS:
        minutes = policy.minutes_for(kind) if policy else None
        row = targets.get(kind)
        if minutes is None:
            if row is not None and row.met_at is None:
                if row.breached_at is None:
                    session.delete(row)
                    del targets[kind]
                else:
                    row.running_since = row.due_at = row.warn_at = None
            continue
        assert policy is not None
        if kind == "next_response" and customer_wrote and ticket.last_agent_reply_at is not None:
            if row is None or row.met_at is not None:
                row = _start(session, targets, ticket, kind, now, 0)
        elif row is None and kind != "next_response":
            if kind == "first_response" and ticket.last_agent_reply_at is not None:
                continue  # answered before any policy applied
            used = business_seconds_between(ticket.created_at, now, cal)
            row = _start(session, targets, ticket, kind, now, used)
        if row is not None:
            row.policy_id, row.target_minutes = policy.id, minutes

    active = {k for k in TARGET_KINDS if policy is not None and policy.minutes_for(k)}
    _apply_status(session, ticket, state, targets, active, now)
    for target in targets.values():
        _schedule(session, ticket, target, policy, cal, now)
    state.first_response_due_at = _due(targets, "first_response")
    state.next_response_due_at = _due(targets, "next_response")
    state.resolution_due_at = _due(targets, "resolution")
    state.updated_at = now
    return state


def _start(
    session: Session, targets: dict[str, SlaTarget], ticket: Ticket, kind: str, now: dt.datetime, used: float
) -> SlaTarget:
    target = targets.get(kind)
    if target is None:
        target = SlaTarget(ticket_id=ticket.id, kind=kind, target_minutes=0)
        session.add(target)
        targets[kind] = target
    target.started_at = now if kind == "next_response" else ticket.created_at
    target.elapsed_seconds = used
    target.running_since = now
    target.due_at = target.warn_at = target.met_at = target.warned_at = target.breached_at = None
    return target


def _apply_policy(
    session: Session, ticket: Ticket, state: TicketSla, policy: SlaPolicy | None, actor: Actor
) -> None:
    before = {"sla_policy_id": state.policy_id}
    after = {"sla_policy_id": policy.id if policy else None}
    state.policy_id = policy.id if policy else None
    add_event(
        session,
        ticket,
        actor,
        "sla_policy_applied" if policy else "sla_policy_removed",
        policy_id=after["sla_policy_id"],
        policy=policy.name if policy else None,
        previous_policy_id=before["sla_policy_id"],
    )
    record(session, actor, "ticket.sla_policy", "ticket", ticket.id, before, after)


def _apply_status(
    session: Session,
    ticket: Ticket,
    state: TicketSla,
    targets: dict[str, SlaTarget],
    active: set[str],
    now: dt.datetime,
) -> None:
    resolution = targets.get("resolution")
    if resolution is not None:
        if ticket.status in STOPPED and resolution.met_at is None:
            _meet(session, ticket, resolution, now)
        elif ticket.status not in STOPPED and resolution.met_at is not None:
            resolution.met_at = None  # reopened: the resolution clock goes on where it stopped
            add_event(session, ticket, SYSTEM, "sla_resumed", target="resolution")
    running = ticket.status not in PAUSED | STOPPED
    for kind, target in targets.items():
        if target.met_at is None:
            if running and kind in active:
                target.running_since = target.running_since or now
            else:
                target.running_since = None
    if ticket.status in PAUSED:
        state.paused_since = state.paused_since or now
    else:
        state.paused_since = None


def _due(targets: dict[str, SlaTarget], kind: str) -> dt.datetime | None:
    target = targets.get(kind)
    return target.due_at if target is not None and target.met_at is None else None
