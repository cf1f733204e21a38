"""HTTP adapters for escalation and goodwill authority.

Importing this module also registers the escalation hooks (email keyword requests, escalation on
SLA breach) and the ``escalation.breach`` job, so wiring the router is all an application needs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from helpline.core.db import utcnow
from helpline.core.deps import AdminActor, CurrentActor, DbSession, StaffActor
from helpline.core.errors import Forbidden
from helpline.escalation import goodwill, leads, service
from helpline.escalation import hooks as _hooks  # noqa: F401  (keyword and SLA-breach hooks, job)
from helpline.escalation.models import EscalationRequest
from helpline.escalation.schemas import (
    AuthorityOut,
    DecisionIn,
    EscalateIn,
    EscalationOut,
    GoodwillDecisionIn,
    GoodwillIn,
    GoodwillOut,
    LeadOut,
    LimitIn,
    LimitOut,
    RequestIn,
    RequestOut,
    TicketEscalationOut,
    TierIn,
    TierOut,
    TierPatch,
    cents,
)
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Ticket

router = APIRouter(tags=["escalation"])

# -- tiers and leads -----------------------------------------------------------------------------


@router.get("/escalation/tiers", response_model=list[TierOut], summary="The escalation ladder")
def list_tiers(session: DbSession, _actor: StaffActor) -> list[TierOut]:
    return [TierOut.of(t) for t in service.list_tiers(session)]


@router.post("/escalation/tiers", status_code=status.HTTP_201_CREATED, response_model=TierOut)
def create_tier(body: TierIn, session: DbSession, actor: AdminActor) -> TierOut:
    return TierOut.of(service.create_tier(session, actor, **body.model_dump()))


@router.patch("/escalation/tiers/{tier_id}", response_model=TierOut)
def patch_tier(tier_id: int, body: TierPatch, session: DbSession, actor: AdminActor) -> TierOut:
    changes = body.changes()
    return TierOut.of(service.update_tier(session, actor, tier_id, **changes))


@router.delete("/escalation/tiers/{tier_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_tier(tier_id: int, session: DbSession, actor: AdminActor) -> Response:
    service.delete_tier(session, actor, tier_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/escalation/teams/{team_id}/leads", response_model=list[LeadOut])
def get_leads(team_id: int, session: DbSession, _actor: StaffActor) -> list[LeadOut]:
    return [LeadOut.model_validate(u) for u in leads.team_leads(session, team_id)]


@router.put("/escalation/teams/{team_id}/leads/{user_id}", response_model=list[LeadOut])
def put_lead(team_id: int, user_id: int, session: DbSession, actor: AdminActor) -> list[LeadOut]:
    leads.set_team_lead(session, actor, team_id, user_id, True)
    return [LeadOut.model_validate(u) for u in leads.team_leads(session, team_id)]


@router.delete("/escalation/teams/{team_id}/leads/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_lead(team_id: int, user_id: int, session: DbSession, actor: AdminActor) -> Response:
    leads.set_team_lead(session, actor, team_id, user_id, False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- a ticket's escalation -----------------------------------------------------------------------


@router.post(
    "/tickets/{ticket_id}/escalate",
    status_code=status.HTTP_201_CREATED,
    response_model=EscalationOut,
    summary="Escalate to the next tier (or a chosen higher one) with a note",
)
def escalate(ticket_id: int, body: EscalateIn, session: DbSession, actor: StaffActor) -> EscalationOut:
    escalation = service.escalate_ticket(session, actor, ticket_id, note=body.note, tier_id=body.tier_id)
    return EscalationOut.of(escalation)


@router.get("/tickets/{ticket_id}/escalation", response_model=TicketEscalationOut)
def get_ticket_escalation(ticket_id: int, session: DbSession, actor: CurrentActor) -> TicketEscalationOut:
    ticket = get_visible_ticket(session, actor, ticket_id)
    requests = session.scalars(
        select(EscalationRequest)
        .where(EscalationRequest.ticket_id == ticket.id)
        .order_by(EscalationRequest.id)
    )
    request_out = [RequestOut.of(r, staff=actor.is_staff) for r in requests]
    if actor.is_customer:
        return TicketEscalationOut(
            ticket_id=ticket.id, tier=None, next_tier=None, escalations=[], requests=request_out
        )
    tier = service.current_tier(session, ticket)
    upper = service.next_tier(session, tier)
    return TicketEscalationOut(
        ticket_id=ticket.id,
        tier=TierOut.of(tier) if tier else None,
        next_tier=TierOut.of(upper) if upper else None,
        escalations=[EscalationOut.of(e) for e in service.escalations_of(session, ticket.id)],
        requests=request_out,
    )


@router.post(
    "/tickets/{ticket_id}/escalation-requests",
    response_model=RequestOut,
    summary="Ask for escalation (customers, on their own ticket); a lead answers",
)
def post_request(
    ticket_id: int, body: RequestIn, session: DbSession, actor: CurrentActor, response: Response
) -> RequestOut:
    request, created = service.request_escalation(
        session, actor, ticket_id, reason=body.reason, source="portal" if actor.is_customer else "api"
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return RequestOut.of(request, staff=actor.is_staff)


@router.get(
    "/escalation/requests",
    response_model=list[RequestOut],
    summary="Escalation requests on the tickets of the teams you lead (admins: all)",
)
def list_requests(
    session: DbSession,
    actor: StaffActor,
    status_: Annotated[Literal["open", "accepted", "declined"], Query(alias="status")] = "open",
    limit: int = 100,
) -> list[RequestOut]:
    if not leads.is_lead(session, actor):
        raise Forbidden("escalation requests are answered by team leads and admins")
    stmt = (
        select(EscalationRequest)
        .join(Ticket, Ticket.id == EscalationRequest.ticket_id)
        .where(EscalationRequest.status == status_, leads.led_tickets(session, actor))
        .order_by(EscalationRequest.id)
        .limit(max(1, min(limit, 500)))
    )
    return [RequestOut.of(r, staff=True) for r in session.scalars(stmt)]


@router.post("/escalation/requests/{request_id}/decision", response_model=RequestOut)
def decide_request(request_id: int, body: DecisionIn, session: DbSession, actor: StaffActor) -> RequestOut:
    request = service.answer_request(
        session, actor, request_id, decision=body.decision, note=body.note, tier_id=body.tier_id
    )
    return RequestOut.of(request, staff=True)


# -- goodwill within authority -------------------------------------------------------------------


@router.get("/authority/limits", response_model=list[LimitOut])
def list_limits(session: DbSession, _actor: StaffActor) -> list[LimitOut]:
    return [LimitOut.of(r) for r in goodwill.list_limits(session)]


@router.put("/authority/limits", response_model=LimitOut, summary="Create or replace a limit")
def put_limit(body: LimitIn, session: DbSession, actor: AdminActor) -> LimitOut:
    row = goodwill.set_limit(
        session,
        actor,
        kind=body.kind,
        role=body.role,
        user_id=body.user_id,
        currency=body.currency,
        max_amount_cents=cents(body.max_amount) if body.max_amount is not None else None,
        max_per_month=body.max_per_month,
    )
    return LimitOut.of(row)


@router.delete("/authority/limits/{limit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_limit(limit_id: int, session: DbSession, actor: AdminActor) -> Response:
    goodwill.delete_limit(session, actor, limit_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/authority/me", response_model=AuthorityOut, summary="Your authority for a kind of goodwill")
def my_authority(
    session: DbSession, actor: StaffActor, kind: str = "refund", currency: str = "EUR"
) -> AuthorityOut:
    currency = currency.upper()
    return AuthorityOut.of(kind, currency, goodwill.authority_of(session, actor, kind, currency, utcnow()))


@router.post(
    "/tickets/{ticket_id}/goodwill",
    status_code=status.HTTP_201_CREATED,
    response_model=GoodwillOut,
    summary="Grant goodwill within your authority, or ask a lead above it",
)
def post_goodwill(ticket_id: int, body: GoodwillIn, session: DbSession, actor: StaffActor) -> GoodwillOut:
    action = goodwill.grant_goodwill(
        session,
        actor,
        ticket_id,
        kind=body.kind,
        amount_cents=cents(body.amount),
        currency=body.currency,
        note=body.note,
    )
    return GoodwillOut.of(action)


@router.get("/tickets/{ticket_id}/goodwill", response_model=list[GoodwillOut])
def get_goodwill(ticket_id: int, session: DbSession, actor: StaffActor) -> list[GoodwillOut]:
    return [GoodwillOut.of(g) for g in goodwill.goodwill_of(session, actor, ticket_id)]


@router.get("/authority/approvals", response_model=list[GoodwillOut], summary="Pending goodwill you decide")
def list_approvals(session: DbSession, actor: StaffActor) -> list[GoodwillOut]:
    if not leads.is_lead(session, actor):
        raise Forbidden("goodwill above authority is approved by team leads and admins")
    return [GoodwillOut.of(g) for g in goodwill.pending_approvals(session, actor)]


@router.post("/authority/approvals/{goodwill_id}/decision", response_model=GoodwillOut)
def decide_goodwill(
    goodwill_id: int, body: GoodwillDecisionIn, session: DbSession, actor: StaffActor
) -> GoodwillOut:
    action = goodwill.decide_goodwill(session, actor, goodwill_id, decision=body.decision, note=body.note)
    return GoodwillOut.of(action)
