"""Service actions for customers: create, identify, update, merge."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from helpline.accounts.models import ApiToken
from helpline.audit.service import changes, record
from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound
from helpline.customers.identities import normalize
from helpline.customers.models import Customer, CustomerIdentity, Organization
from helpline.outbox.service import emit

TIERS = ("free", "standard", "premium", "enterprise", "vip")


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "organization_id": customer.organization_id,
        "tier": customer.tier,
        "language": customer.language,
        "attributes": dict(customer.attributes or {}),
        "notes": customer.notes,
    }


def _load(session: Session, customer_id: int) -> Customer | None:
    return session.get(
        Customer,
        customer_id,
        options=[selectinload(Customer.identities), selectinload(Customer.organization)],
    )


def get_customer(session: Session, actor: Actor, customer_id: int) -> Customer:
    """A customer can read only themselves; staff can read every customer."""
    if actor.is_customer and actor.id != customer_id:
        raise NotFound(f"customer {customer_id} does not exist")
    customer = _load(session, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    return customer


def find_by_identity(session: Session, kind: str, value: str) -> Customer | None:
    """Look a customer up by any identity; a merged customer resolves to the survivor."""
    # one query for the identity, its customer and all of the customer's identities (email intake
    # asks for every mail)
    customer = (
        session.execute(
            select(Customer)
            .join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)
            .where(CustomerIdentity.kind == kind, CustomerIdentity.value == normalize(kind, value))
            .options(joinedload(Customer.identities), selectinload(Customer.organization))
        )
        .unique()
        .scalar_one_or_none()
    )
    while customer is not None and customer.merged_into_id is not None:
        customer = _load(session, customer.merged_into_id)
    return customer


def _organization(session: Session, name: str | None) -> Organization | None:
    if not name:
        return None
    org = session.scalar(select(Organization).where(Organization.name == name.strip()))
    if org is None:
        org = Organization(name=name.strip())
        session.add(org)
        session.flush()
    return org


def _check_tier(tier: str) -> None:
    if tier not in TIERS:
        raise Invalid.field("tier", f"must be one of {', '.join(TIERS)}")


def _add_identity(session: Session, customer: Customer, kind: str, value: str, primary: bool) -> None:
    value = normalize(kind, value)
    owner = session.scalar(
        select(CustomerIdentity.customer_id).where(
            CustomerIdentity.kind == kind, CustomerIdentity.value == value
        )
    )
    if owner is not None and owner != customer.id:
        raise Conflict(f"{kind} {value} already belongs to customer {owner}; merge them instead")
    if owner is None:
        ident = CustomerIdentity(customer_id=customer.id, kind=kind, value=value, is_primary=primary)
        session.add(ident)
        customer.identities.append(ident)


def create_customer(
    session: Session,
    actor: Actor,
    *,
    name: str = "",
    identities: list[tuple[str, str]],
    organization: str | None = None,
    tier: str = "standard",
    language: str | None = None,
    attributes: dict[str, Any] | None = None,
    notes: str = "",
) -> Customer:
    if not actor.is_staff:
        raise Forbidden("customers cannot create other customers")
    if not identities:
        raise Invalid.field("identities", "give at least one way to reach the customer")
    _check_tier(tier)
    for kind, value in identities:
        if find_by_identity(session, kind, value) is not None:
            raise Conflict(f"a customer with {kind} {normalize(kind, value)} already exists")
    org = _organization(session, organization)
    customer = Customer(
        name=name.strip(),
        organization_id=org.id if org else None,
        tier=tier,
        language=language,
        attributes=attributes or {},
        notes=notes,
        identities=[],  # known to be empty: adding the first one need not load the collection
    )
    session.add(customer)
    session.flush()
    seen_kinds: set[str] = set()
    for kind, value in identities:
        _add_identity(session, customer, kind, value, primary=kind not in seen_kinds)
        seen_kinds.add(kind)
    session.flush()
    after = _snapshot(customer) | {"identities": [[i.kind, i.value] for i in customer.identities]}
    record(session, actor, "customer.create", "customer", customer.id, None, after)
    emit(session, "customer.created", {"customer_id": customer.id})
    return customer


def identify_or_create(session: Session, actor: Actor, kind: str, value: str, name: str = "") -> Customer:
    """Find the customer behind an identity, creating one on first contact."""
    found = find_by_identity(session, kind, value)
    if found is not None:
        if name and not found.name:
            found.name = name.strip()
        return found
    try:
        # Two first messages from one new address can race (two servers, two SMTP sessions): the
        # unique identity makes the slower one fail; it then takes the customer the faster one made.
        with session.begin_nested():
            return create_customer(session, actor, name=name, identities=[(kind, value)])
    except IntegrityError:
        raced = find_by_identity(session, kind, value)
        if raced is None:
            raise
        return raced


def update_customer(
    session: Session,
    actor: Actor,
    customer_id: int,
    *,
    fields: dict[str, Any],
    add_identities: list[tuple[str, str]] | None = None,
) -> Customer:
    if not actor.is_staff and not (actor.is_customer and actor.id == customer_id):
        raise NotFound(f"customer {customer_id} does not exist")
    if actor.is_customer and set(fields) - {"name", "language"}:
        raise Forbidden("customers can change only their name and language")
    customer = get_customer(session, actor, customer_id)
    if customer.merged_into_id is not None:
        raise Conflict(f"customer {customer_id} was merged into {customer.merged_into_id}")
    before = _snapshot(customer)
    if "tier" in fields:
        _check_tier(fields["tier"])
    if "organization" in fields:
        org = _organization(session, fields.pop("organization"))
        customer.organization_id = org.id if org else None
    for key in ("name", "tier", "language", "attributes", "notes"):
        if key in fields:
            setattr(customer, key, fields[key])
    for kind, value in add_identities or []:
        _add_identity(session, customer, kind, value, primary=False)
    customer.updated_at = utcnow()
    old, new = changes(before, _snapshot(customer))
    if add_identities:
        new["identities_added"] = [[k, normalize(k, v)] for k, v in add_identities]
    if new:
        record(session, actor, "customer.update", "customer", customer.id, old, new)
        emit(session, "customer.updated", {"customer_id": customer.id, "changed": sorted(new)})
    session.flush()
    return customer


def merge_customers(session: Session, actor: Actor, source_id: int, target_id: int) -> Customer:
    """Fold ``source`` into ``target``: identities, tickets, messages and tokens follow."""
    from helpline.tickets.models import Message, Ticket

    if not actor.is_staff:
        raise Forbidden("only staff can merge customers")
    if source_id == target_id:
        raise Invalid.field("source_id", "cannot merge a customer into itself")
    source = get_customer(session, actor, source_id)
    target = get_customer(session, actor, target_id)
    for c in (source, target):
        if c.merged_into_id is not None:
            raise Conflict(f"customer {c.id} was already merged into {c.merged_into_id}")
    moved_tickets = session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.requester_id == source.id)
    )
    session.execute(
        update(CustomerIdentity)
        .where(CustomerIdentity.customer_id == source.id)
        .values(customer_id=target.id, is_primary=False)
    )
    session.execute(update(Ticket).where(Ticket.requester_id == source.id).values(requester_id=target.id))
    session.execute(
        update(Message).where(Message.author_customer_id == source.id).values(author_customer_id=target.id)
    )
    session.execute(update(ApiToken).where(ApiToken.customer_id == source.id).values(customer_id=target.id))
    source.merged_into_id = target.id
    if not target.name and source.name:
        target.name = source.name
    for key, value in (source.attributes or {}).items():
        target.attributes = {**target.attributes, key: target.attributes.get(key, value)}
    now = utcnow()
    source.updated_at = target.updated_at = now
    record(
        session,
        actor,
        "customer.merge",
        "customer",
        target.id,
        None,
        {"merged_customer_id": source.id, "tickets_moved": moved_tickets},
    )
    record(session, actor, "customer.merged_into", "customer", source.id, None, {"merged_into_id": target.id})
    emit(session, "customer.merged", {"customer_id": target.id, "merged_customer_id": source.id})
    session.flush()
    session.expire(target, ["identities"])
    return get_customer(session, actor, target.id)


def search_customers(session: Session, q: str | None, after_id: int | None, limit: int) -> list[Customer]:
    stmt = (
        select(Customer)
        .where(Customer.merged_into_id.is_(None))
        .options(selectinload(Customer.identities), selectinload(Customer.organization))
        .order_by(Customer.id.desc())
        .limit(limit)
    )
    if after_id is not None:
        stmt = stmt.where(Customer.id < after_id)
    if q:
        like = f"%{q.strip().lower()}%"
        matching = select(CustomerIdentity.customer_id).where(CustomerIdentity.value.like(like))
        stmt = stmt.where(or_(func.lower(Customer.name).like(like), Customer.id.in_(matching)))
    return list(session.scalars(stmt))
