from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from helpline.core.schemas import Out, Strict, sent_fields
from helpline.escalation.goodwill import Authority
from helpline.escalation.models import (
    AuthorityLimit,
    Escalation,
    EscalationRequest,
    EscalationTier,
    GoodwillAction,
)

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
TargetKind = Literal["first_response", "next_response", "resolution"]
Level = Annotated[int, Field(ge=1, le=100)]
Kind = Literal["refund", "credit", "discount", "replacement", "voucher"]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Amount = Annotated[Decimal, Field(gt=0, le=1_000_000, decimal_places=2)]
MaxAmount = Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2)]
Count = Annotated[int, Field(ge=0, le=100_000)]


CENT = Decimal("0.01")


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def amount(cents_value: int | None) -> Decimal | None:
    return None if cents_value is None else (Decimal(cents_value) / 100).quantize(CENT)


# -- tiers and leads -----------------------------------------------------------------------------


class TierIn(Strict):
    name: Label
    level: Level
    team_id: int
    description: Annotated[str, StringConstraints(max_length=500)] = ""
    escalate_on_breach: list[TargetKind] = []


class TierPatch(Strict):
    name: Label | None = None
    level: Level | None = None
    team_id: int | None = None
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    escalate_on_breach: list[TargetKind] | None = None

    def changes(self) -> dict[str, Any]:
        return sent_fields(self)


class TierOut(Out):
    id: int
    name: str
    level: int
    team_id: int
    description: str
    escalate_on_breach: list[str]
    created_at: dt.datetime

    @classmethod
    def of(cls, tier: EscalationTier) -> TierOut:
        return cls.model_validate(tier)


class LeadOut(Out):
    id: int
    name: str
    email: str


# -- escalations and requests --------------------------------------------------------------------


class EscalateIn(Strict):
    note: Note
    tier_id: int | None = None


class EscalationOut(Out):
    id: int
    ticket_id: int
    reason: str
    note: str
    from_tier_id: int | None
    to_tier_id: int | None
    from_team_id: int | None
    to_team_id: int | None
    actor_kind: str
    actor_id: int | None
    request_id: int | None
    created_at: dt.datetime

    @classmethod
    def of(cls, e: Escalation) -> EscalationOut:
        return cls.model_validate(e)


class RequestIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


class RequestOut(Out):
    """A customer sees the status of their request; staff also see who decided and why."""

    id: int
    ticket_id: int
    source: str
    reason: str
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by_id: int | None = None
    decision_note: str | None = None
    escalation_id: int | None = None
    message_id: int | None = None

    @classmethod
    def of(cls, r: EscalationRequest, *, staff: bool) -> RequestOut:
        out = cls.model_validate(r)
        if not staff:
            out.decided_by_id = out.decision_note = out.escalation_id = None
        return out


class DecisionIn(Strict):
    decision: Literal["accept", "decline"]
    note: Note
    tier_id: int | None = None


class TicketEscalationOut(Out):
    ticket_id: int
    tier: TierOut | None
    next_tier: TierOut | None
    escalations: list[EscalationOut]
    requests: list[RequestOut]


# -- goodwill ------------------------------------------------------------------------------------


class LimitIn(Strict):
    kind: Kind
    role: Literal["agent", "lead", "admin"] | None = None
    user_id: int | None = None
    currency: Currency = "EUR"
    max_amount: MaxAmount | None = None
    max_per_month: Count | None = None


class LimitOut(Out):
    id: int
    kind: str
    role: str | None
    user_id: int | None
    currency: str
    max_amount: Decimal | None
    max_per_month: int | None

    @classmethod
    def of(cls, row: AuthorityLimit) -> LimitOut:
        return cls(
            id=row.id,
            kind=row.kind,
            role=row.role,
            user_id=row.user_id,
            currency=row.currency,
            max_amount=amount(row.max_amount_cents),
            max_per_month=row.max_per_month,
        )


class GoodwillIn(Strict):
    kind: Kind
    amount: Amount
    currency: Currency = "EUR"
    note: Note


class GoodwillOut(Out):
    id: int
    ticket_id: int
    user_id: int | None
    kind: str
    amount: Decimal
    currency: str
    note: str
    status: str
    approval_reason: str | None
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, g: GoodwillAction) -> GoodwillOut:
        return cls(
            id=g.id,
            ticket_id=g.ticket_id,
            user_id=g.user_id,
            kind=g.kind,
            amount=(Decimal(g.amount_cents) / 100).quantize(CENT),
            currency=g.currency,
            note=g.note,
            status=g.status,
            approval_reason=g.approval_reason,
            decided_by_id=g.decided_by_id,
            decided_at=g.decided_at,
            decision_note=g.decision_note,
            created_at=g.created_at,
        )


class GoodwillDecisionIn(Strict):
    decision: Literal["approve", "deny"]
    note: Note


class AuthorityOut(Out):
    kind: str
    currency: str
    source: str
    unlimited: bool
    max_amount: Decimal | None
    max_per_month: int | None
    used_this_month: int

    @classmethod
    def of(cls, kind: str, currency: str, a: Authority) -> AuthorityOut:
        return cls(
            kind=kind,
            currency=currency,
            source=a.source,
            unlimited=a.unlimited,
            max_amount=amount(a.limit.max_amount_cents) if a.limit else None,
            max_per_month=a.limit.max_per_month if a.limit else None,
            used_this_month=a.used_this_month,
        )
