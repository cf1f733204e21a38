from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from helpline.core.schemas import Email, Name, Out, ShortText, Strict
from helpline.customers.models import Customer

IdentityKind = Literal["email", "phone", "chat", "social"]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=16)]
Tier = Literal["free", "standard", "premium", "enterprise", "vip"]


class IdentityIn(Strict):
    kind: IdentityKind
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]


class CustomerCreate(Strict):
    name: Name = ""
    email: Email | None = None
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)
    organization: Name | None = None
    tier: Tier = "standard"
    language: Language | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    notes: ShortText = ""


class CustomerUpdate(Strict):
    name: Name | None = None
    organization: Name | None = None
    tier: Tier | None = None
    language: Language | None = None
    attributes: dict[str, Any] | None = None
    notes: ShortText | None = None
    add_identities: list[IdentityIn] = Field(default_factory=list, max_length=20)


class MergeCustomersIn(Strict):
    source_id: int = Field(description="The customer folded into this one")


class IdentityOut(Out):
    kind: str
    value: str
    is_primary: bool
    bounced_at: dt.datetime | None


class TimelineEntryOut(Out):
    type: str
    id: int
    ticket_id: int
    ticket_subject: str
    at: dt.datetime
    data: dict[str, Any]


class CustomerOut(Out):
    id: int
    name: str
    email: str | None
    identities: list[IdentityOut]
    organization: str | None
    tier: str
    language: str | None
    attributes: dict[str, Any]
    notes: str | None
    merged_into_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, c: Customer, *, staff: bool = True) -> CustomerOut:
        return cls(
            id=c.id,
            name=c.name,
            email=c.primary_email,
            identities=[IdentityOut.model_validate(i) for i in c.identities],
            organization=c.organization.name if c.organization else None,
            tier=c.tier,
            language=c.language,
            attributes=c.attributes or {},
            notes=c.notes if staff else None,
            merged_into_id=c.merged_into_id,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class CustomerDetail(CustomerOut):
    timeline: list[TimelineEntryOut]
    timeline_next_cursor: str | None


class CustomerPage(Out):
    items: list[CustomerOut]
    next_cursor: str | None


class TimelinePage(Out):
    items: list[TimelineEntryOut]
    next_cursor: str | None
