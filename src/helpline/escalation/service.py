"""Escalation: tiers (tier 1 → tier 2 → specialists, each handled by a team), escalating a ticket
with a note, customers' escalation requests that a lead answers, and automatic escalation.

A ticket's tier is the one it was last escalated to, else the tier its team handles, else none
(below tier 1). Escalating moves the ticket to the next tier's team (or a chosen higher tier),
unassigns it so the new team's routing hands it out, and records an ``escalations`` row, an
``escalated`` event and an internal note with the reason on the ticket, an audit entry, and the
``ticket.escalated`` event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team
from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound
from helpline.escalation.leads import require_lead
from helpline.escalation.models import REASONS, Escalation, EscalationRequest, EscalationTier, TicketTier
from helpline.outbox.service import emit
from helpline.sla.models import TARGET_KINDS
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Ticket
from helpline.tickets.service import NewMessage, add_event, update_ticket

MAX_NOTE = 4000

# -- tiers ---------------------------------------------------------------------------------------


def list_tiers(session: Session) -> list[EscalationTier]:
    return list(session.scalars(select(EscalationTier).order_by(EscalationTier.level)))


def get_tier(session: Session, tier_id: int) -> EscalationTier:
    tier = session.get(EscalationTier, tier_id)
    if tier is None:
        raise NotFound(f"escalation tier {tier_id} does not exist")
    return tier


def _check_tier_fields(session: Session, tier_id: int | None, values: dict[str, Any]) -> None:
    if "name" in values:
        values["name"] = str(values["name"]).strip()
        if not values["name"]:
            raise Invalid.field("name", "must not be empty")
        same = session.scalar(select(EscalationTier.id).where(EscalationTier.name == values["name"]))
        if same is not None and same != tier_id:
            raise Conflict(f"a tier named {values['name']!r} already exists")
    if "level" in values:
        same = session.scalar(select(EscalationTier.id).where(EscalationTier.level == values["level"]))
        if same is not None and same != tier_id:
            raise Conflict(f"tier level {values['level']} is taken")
    if "team_id" in values and session.get(Team, values["team_id"]) is None:
        raise Invalid.field("team_id", f"team {values['team_id']} does not exist")
    for kind in values.get("escalate_on_breach") or []:
        if kind not in TARGET_KINDS:
            raise Invalid.field("escalate_on_breach", f"{kind!r} is not one of {', '.join(TARGET_KINDS)}")


def _tier_dict(tier: EscalationTier) -> dict[str, Any]:
    return {
        "name": tier.name,
        "level": tier.level,
        "team_id": tier.team_id,
        "description": tier.description,
        "escalate_on_breach": list(tier.escalate_on_breach),
    }


def create_tier(
    session: Session,
    actor: Actor,
    *,
    name: str,
    level: int,
    team_id: int,
    description: str = "",
    escalate_on_breach: list[str] | None = None,
) -> EscalationTier:
    if not actor.is_admin:
        raise Forbidden("only admins set up escalation tiers")
    values: dict[str, Any] = {
        "name": name,
        "level": level,
        "team_id": team_id,
        "description": description,
        "escalate_on_breach": sorted(set(escalate_on_breach or [])),
    }
    _check_tier_fields(session, None, values)
    tier = EscalationTier(**values)
    session.add(tier)
    session.flush()
    record(session, actor, "escalation.tier.create", "escalation_tier", tier.id, None, _tier_dict(tier))
    return tier


def update_tier(session: Session, actor: Actor, tier_id: int, **values: Any) -> EscalationTier:
    if not actor.is_admin:
        raise Forbidden("only admins set up escalation tiers")
    tier = get_tier(session, tier_id)
    if "escalate_on_breach" in values:
        values["escalate_on_breach"] = sorted(set(values["escalate_on_breach"] or []))
    _check_tier_fields(session, tier.id, values)
    before = _tier_dict(tier)
    for key, value in values.items():
        setattr(tier, key, value)
    session.flush()
    record(session, actor, "escalation.tier.update", "escalation_tier", tier.id, before, _tier_dict(tier))
    return tier


def delete_tier(session: Session, actor: Actor, tier_id: int) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins set up escalation tiers")
    tier = get_tier(session, tier_id)
    record(session, actor, "escalation.tier.delete", "escalation_tier", tier.id, _tier_dict(tier), None)
    session.delete(tier)
    session.flush()


# -- a ticket's tier -----------------------------------------------------------------------------


def current_tier(session: Session, ticket: Ticket) -> EscalationTier | None:
    row = session.get(TicketTier, ticket.id)
    if row is not None and row.tier_id is not None:
        tier = session.get(EscalationTier, row.tier_id)
        if tier is not None:
            return tier
    if ticket.team_id is None:
        return None
    stmt = (
        select(EscalationTier).where(EscalationTier.team_id == ticket.team_id).order_by(EscalationTier.level)
    )
    return session.scalars(stmt).first()


def next_tier(session: Session, tier: EscalationTier | None) -> EscalationTier | None:
    stmt = select(EscalationTier).order_by(EscalationTier.level)
    if tier is not None:
        stmt = stmt.where(EscalationTier.level > tier.level)
    return session.scalars(stmt).first()


def escalate_ticket(
    session: Session,
    actor: Actor,
    ticket_id: int,
    *,
    note: str,
    tier_id: int | None = None,
    reason: str = "agent",
    request: EscalationRequest | None = None,
) -> Escalation:
    """Move a ticket up to ``tier_id`` (or the next tier) with a required note."""
    if not actor.is_staff:
        raise Forbidden("customers request escalation; staff escalate")
    if reason not in REASONS:
        raise Invalid.field("reason", f"{reason!r} is not one of {', '.join(REASONS)}")
    note = note.strip()
    if not note:
        raise Invalid.field("note", "say why the ticket needs the next tier")
    if len(note) > MAX_NOTE:
        raise Invalid.field("note", f"must be at most {MAX_NOTE} characters")
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    return escalate_locked(session, actor, ticket, note=note, tier_id=tier_id, reason=reason, request=request)


def escalate_locked(
    session: Session,
    actor: Actor,
    ticket: Ticket,
    *,
    note: str,
    tier_id: int | None,
    reason: str,
    request: EscalationRequest | None,
) -> Escalation:
    ticket_id = ticket.id
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket_id} was merged into ticket {ticket.merged_into_id}")
    if ticket.status == "closed":
        raise Conflict(f"ticket {ticket_id} is closed")
    source = current_tier(session, ticket)
    if tier_id is not None:
        target: EscalationTier | None = get_tier(session, tier_id)
        assert target is not None
        if source is not None and target.level <= source.level:
            raise Invalid.field(
                "tier_id", f"{target.name} is not above the ticket's tier ({source.name}); escalation goes up"
            )
    else:
        target = next_tier(session, source)
        if target is None:
            raise Conflict(
                "the ticket is already at the highest tier" if source else "no escalation tiers are set up"
            )
    from_team = ticket.team_id
    escalation = Escalation(
        ticket_id=ticket.id,
        reason=reason,
        note=note,
        from_tier_id=source.id if source else None,
        to_tier_id=target.id,
        from_team_id=from_team,
        to_team_id=target.team_id,
        actor_kind=actor.audit_kind,
        actor_id=actor.id,
        request_id=request.id if request else None,
        created_at=utcnow(),
    )
    session.add(escalation)
    row = session.get(TicketTier, ticket.id)
    if row is None:
        session.add(TicketTier(ticket_id=ticket.id, tier_id=target.id))
    else:
        row.tier_id, row.updated_at = target.id, utcnow()
    session.flush()
    _internal_note(session, actor, ticket, target, source, reason, note)
    data = {
        "escalation_id": escalation.id,
        "reason": reason,
        "from_tier_id": escalation.from_tier_id,
        "to_tier_id": target.id,
        "to_tier": target.name,
        "level": target.level,
        "from_team_id": from_team,
        "to_team_id": target.team_id,
        "request_id": escalation.request_id,
    }
    add_event(session, ticket, actor, "escalated", note=note, **data)
    record(session, actor, "ticket.escalate", "ticket", ticket.id, {"tier_id": escalation.from_tier_id}, data)
    emit(session, "ticket.escalated", {"ticket_id": ticket.id, **data})
    # Move last: the team change runs the SLA and routing hooks (the new team's queue routes it).
    changes: dict[str, Any] = {"assignee_id": None}
    if from_team != target.team_id:
        changes["team_id"] = target.team_id
    update_ticket(session, SYSTEM, ticket.id, **changes)
    return escalation


def _internal_note(
    session: Session,
    actor: Actor,
    ticket: Ticket,
    target: EscalationTier,
    source: EscalationTier | None,
    reason: str,
    note: str,
) -> None:
    from helpline.tickets.conversation import append_message

    why = {"agent": "", "customer_request": " at the customer's request", "sla_breach": " on an SLA breach"}
    start = f" from {source.name}" if source else ""
    text = f"Escalated{start} to {target.name}{why[reason]}: {note}"
    append_message(session, actor, ticket, NewMessage(text=text, internal=True, channel="api"))


def escalations_of(session: Session, ticket_id: int) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.ticket_id == ticket_id).order_by(Escalation.id)
    return list(session.scalars(stmt))


# -- customers' requests -------------------------------------------------------------------------


def request_escalation(
    session: Session,
    actor: Actor,
    ticket_id: int,
    *,
    reason: str,
    source: str = "portal",
    message_id: int | None = None,
    announced: bool = False,
) -> tuple[EscalationRequest, bool]:
    """A customer (or staff on their behalf) asks for escalation; returns the request and whether it
    is new. A ticket has at most one open request: asking again returns the open one. ``announced``:
    the caller has already put the customer's request on the ticket's timeline and in the audit log
    (the portal's button does), so only the lead's queue entry and its event are added."""
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket_id} was merged into ticket {ticket.merged_into_id}")
    open_request = session.scalar(
        select(EscalationRequest).where(
            EscalationRequest.ticket_id == ticket.id, EscalationRequest.status == "open"
        )
    )
    if open_request is not None:
        return open_request, False
    if actor.is_customer or actor.id is None:  # a channel acting for the customer (email keyword)
        by_kind, by_id = "customer", ticket.requester_id
    else:
        by_kind, by_id = actor.audit_kind, actor.id
    request = EscalationRequest(
        ticket_id=ticket.id,
        source=source[:16],
        reason=reason.strip()[:MAX_NOTE],
        message_id=message_id,
        requested_by_kind=by_kind,
        requested_by_id=by_id,
        status="open",
        created_at=utcnow(),
    )
    session.add(request)
    session.flush()
    data = {"request_id": request.id, "source": request.source, "team_id": ticket.team_id}
    if not announced:
        add_event(session, ticket, actor, "escalation_requested", reason=request.reason, **data)
        record(session, actor, "ticket.escalation_request", "ticket", ticket.id, None, data)
    emit(session, "escalation.requested", {"ticket_id": ticket.id, **data})
    return request, True


def get_request(session: Session, request_id: int) -> EscalationRequest:
    request = session.get(EscalationRequest, request_id)
    if request is None:
        raise NotFound(f"escalation request {request_id} does not exist")
    return request


def answer_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    decision: str,
    note: str,
    tier_id: int | None = None,
) -> EscalationRequest:
    """A lead accepts (the ticket is escalated, the note becomes its reason) or declines."""
    if decision not in ("accept", "decline"):
        raise Invalid.field("decision", "must be 'accept' or 'decline'")
    if not note.strip():
        raise Invalid.field("note", "a lead's answer needs a note")
    request = get_request(session, request_id)
    ticket = get_visible_ticket(session, SYSTEM, request.ticket_id, lock=True)
    if not actor.is_staff:
        raise NotFound(f"escalation request {request_id} does not exist")
    require_lead(session, actor, ticket)
    if request.status != "open":
        raise Conflict(f"escalation request {request_id} was already {request.status}")
    if decision == "accept":
        escalation = escalate_locked(
            session, actor, ticket, note=note, tier_id=tier_id, reason="customer_request", request=request
        )
        request.escalation_id = escalation.id
    request.status = "accepted" if decision == "accept" else "declined"
    request.decided_by_id, request.decided_at, request.decision_note = actor.id, utcnow(), note.strip()
    data = {"request_id": request.id, "status": request.status, "escalation_id": request.escalation_id}
    add_event(session, ticket, actor, "escalation_request_answered", note=request.decision_note, **data)
    record(session, actor, "ticket.escalation_answer", "ticket", ticket.id, {"status": "open"}, data)
    emit(session, "escalation.answered", {"ticket_id": ticket.id, **data})
    return request
