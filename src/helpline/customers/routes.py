from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from helpline.core.deps import CurrentActor, DbSession, StaffActor
from helpline.core.pagination import decode_cursor, encode_cursor
from helpline.customers import service
from helpline.customers.schemas import (
    CustomerCreate,
    CustomerDetail,
    CustomerOut,
    CustomerPage,
    CustomerUpdate,
    MergeCustomersIn,
    TimelineEntryOut,
    TimelinePage,
)
from helpline.customers.timeline import timeline

router = APIRouter(tags=["customers"])


@router.post("/customers", status_code=status.HTTP_201_CREATED, response_model=CustomerOut)
def create_customer(body: CustomerCreate, session: DbSession, actor: StaffActor) -> CustomerOut:
    identities: list[tuple[str, str]] = [(i.kind, i.value) for i in body.identities]
    if body.email:
        identities.insert(0, ("email", str(body.email)))
    customer = service.create_customer(
        session,
        actor,
        name=body.name,
        identities=identities,
        organization=body.organization,
        tier=body.tier,
        language=body.language,
        attributes=body.attributes,
        notes=body.notes,
    )
    return CustomerOut.of(service.get_customer(session, actor, customer.id))


@router.get("/customers", response_model=CustomerPage, summary="Find customers by name or identity")
def list_customers(
    session: DbSession,
    actor: StaffActor,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> CustomerPage:
    after = decode_cursor(cursor, 1)
    rows = service.search_customers(session, q, int(after[0]) if after else None, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return CustomerPage(
        items=[CustomerOut.of(c) for c in rows], next_cursor=encode_cursor([rows[-1].id]) if more else None
    )


@router.get("/customers/lookup", response_model=CustomerOut, summary="Find a customer by any identity")
def lookup_customer(
    session: DbSession,
    actor: StaffActor,
    kind: Annotated[str, Query(pattern="^(email|phone|chat|social)$")],
    value: Annotated[str, Query(min_length=1, max_length=254)],
) -> CustomerOut:
    found = service.find_by_identity(session, kind, value)
    if found is None:
        from helpline.core.errors import NotFound

        raise NotFound(f"no customer has {kind} {value}")
    return CustomerOut.of(found)


@router.get(
    "/customers/{customer_id}",
    response_model=CustomerDetail,
    summary="A customer with the latest entries of their timeline",
)
def get_customer(customer_id: int, session: DbSession, actor: CurrentActor) -> CustomerDetail:
    customer = service.get_customer(session, actor, customer_id)
    entries, next_cursor = timeline(session, actor, customer_id, limit=20)
    base = CustomerOut.of(customer, staff=actor.is_staff)
    return CustomerDetail(
        **base.model_dump(),
        timeline=[TimelineEntryOut.model_validate(e) for e in entries],
        timeline_next_cursor=next_cursor,
    )


@router.get("/customers/{customer_id}/timeline", response_model=TimelinePage)
def get_timeline(
    customer_id: int,
    session: DbSession,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> TimelinePage:
    entries, next_cursor = timeline(session, actor, customer_id, limit=limit, cursor=cursor)
    return TimelinePage(items=[TimelineEntryOut.model_validate(e) for e in entries], next_cursor=next_cursor)


@router.patch("/customers/{customer_id}", response_model=CustomerOut)
def patch_customer(
    customer_id: int, body: CustomerUpdate, session: DbSession, actor: CurrentActor
) -> CustomerOut:
    fields = body.model_dump(include=body.model_fields_set - {"add_identities"})
    customer = service.update_customer(
        session,
        actor,
        customer_id,
        fields=fields,
        add_identities=[(i.kind, i.value) for i in body.add_identities],
    )
    return CustomerOut.of(customer, staff=actor.is_staff)


@router.post(
    "/customers/{customer_id}/merge",
    response_model=CustomerOut,
    summary="Merge another customer (source_id) into this one",
)
def merge_customer(
    customer_id: int, body: MergeCustomersIn, session: DbSession, actor: StaffActor
) -> CustomerOut:
    return CustomerOut.of(service.merge_customers(session, actor, body.source_id, customer_id))
