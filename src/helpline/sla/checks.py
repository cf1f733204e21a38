"""Warnings and breaches: recorded on the target, told on the ticket, audited and emitted as events.

Two ways in, both idempotent and safe to run in any number of processes at once:

- timers: whenever a clock's next warning or due time changes, an ``sla.check`` outbox job is queued
  to become available at that instant; its handler checks that one ticket;
- ``check_due(session, now)``: a sweep over every clock that is due, for a periodic scheduler and for
  catching up after downtime.

A target's ``warned_at``/``breached_at`` is set once, inside the transaction that emits the event, so a
second run finds nothing to do. On PostgreSQL tickets are locked ``FOR UPDATE SKIP LOCKED`` (ticket
first, like every ticket action) so two sweepers never fire the same clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from helpline.audit.service import record
from helpline.core.actor import SYSTEM
from helpline.core.db import Database, utcnow
from helpline.outbox.runner import Job, handler
from helpline.outbox.service import emit, enqueue
from helpline.sla.models import SlaTarget
from helpline.tickets.models import Ticket
from helpline.tickets.service import add_event

CHECK_JOB = "sla.check"

# Called inside the transaction that records a breach (escalation subscribes here), so what they
# write commits with the breach record and runs exactly once per breached clock.
BreachHook = Callable[[Session, Ticket, SlaTarget], None]
BREACH_HOOKS: list[BreachHook] = []


def on_breach(hook: BreachHook) -> BreachHook:
    if hook not in BREACH_HOOKS:
        BREACH_HOOKS.append(hook)
    return hook


def due_clause(now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        SlaTarget.met_at.is_(None),
        SlaTarget.running_since.is_not(None),
        or_(
            and_(SlaTarget.warn_at <= now, SlaTarget.warned_at.is_(None)),
            and_(SlaTarget.due_at <= now, SlaTarget.breached_at.is_(None)),
        ),
    )


def _payload(ticket: Ticket, target: SlaTarget) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id,
        "target": target.kind,
        "policy_id": target.policy_id,
        "due_at": target.due_at.isoformat() if target.due_at else None,
        "priority": ticket.priority,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
    }


def record_breach(session: Session, ticket: Ticket, target: SlaTarget, at: dt.datetime) -> None:
    target.breached_at = at
    if target.warned_at is None:
        target.warned_at = at
    data = _payload(ticket, target)
    add_event(session, ticket, SYSTEM, "sla_breached", **{k: v for k, v in data.items() if k != "ticket_id"})
    record(session, SYSTEM, "sla.breach", "ticket", ticket.id, None, data)
    emit(session, "sla.breached", data)
    for hook in BREACH_HOOKS:
        hook(session, ticket, target)


def record_warning(session: Session, ticket: Ticket, target: SlaTarget, at: dt.datetime) -> None:
    target.warned_at = at
    data = _payload(ticket, target)
    add_event(session, ticket, SYSTEM, "sla_warning", **{k: v for k, v in data.items() if k != "ticket_id"})
    record(session, SYSTEM, "sla.warning", "ticket", ticket.id, None, data)
    emit(session, "sla.warning", data)
    schedule_check(session, ticket.id, target.due_at)


def fire_due(session: Session, ticket: Ticket, target: SlaTarget, now: dt.datetime) -> int:
    """Record the breach (or else the warning) that is due by ``now``; returns how many fired."""
    if target.met_at is not None or target.running_since is None:
        return 0
    if target.breached_at is None and target.due_at is not None and target.due_at <= now:
        record_breach(session, ticket, target, target.due_at)
        return 1
    if target.warned_at is None and target.warn_at is not None and target.warn_at <= now:
        record_warning(session, ticket, target, now)
        return 1
    return 0


def schedule_check(session: Session, ticket_id: int, at: dt.datetime | None) -> None:
    """Queue an ``sla.check`` of one ticket for the instant ``at`` (no-op for ``None``)."""
    if at is None:
        return
    item = enqueue(session, CHECK_JOB, {"ticket_id": ticket_id, "at": at.isoformat()})
    item.available_at = max(at, item.available_at)


def check_due(
    session: Session, now: dt.datetime | None = None, *, ticket_id: int | None = None, limit: int = 500
) -> int:
    """Fire every warning and breach due by ``now``; returns how many fired. Call it in a transaction
    of its own (``with db.transaction() as s: check_due(s)``), periodically or from the timer job."""
    now = now or utcnow()
    ids = select(SlaTarget.ticket_id).where(due_clause(now)).distinct().order_by(SlaTarget.ticket_id)
    if ticket_id is not None:
        ids = ids.where(SlaTarget.ticket_id == ticket_id)
    ticket_ids = list(session.scalars(ids.limit(limit)))
    if not ticket_ids:
        return 0
    stmt = select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    fired = 0
    for ticket in list(session.scalars(stmt)):
        targets = select(SlaTarget).where(SlaTarget.ticket_id == ticket.id, due_clause(now))
        for target in list(session.scalars(targets.order_by(SlaTarget.id))):
            fired += fire_due(session, ticket, target, now)
    return fired


@handler(CHECK_JOB)
def run_check(db: Database, job: Job) -> None:
    with db.transaction() as session:
        check_due(session, utcnow(), ticket_id=int(job.payload["ticket_id"]))
