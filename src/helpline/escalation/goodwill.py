"""Empowerment: goodwill actions (refund, credit …) within an authority limit, approval above it.

An authority limit allows one person to grant a kind of goodwill alone up to ``max_amount_cents``
per action and ``max_per_month`` actions per calendar month (UTC) — grants within authority count,
approved requests do not. A user's own limit wins over their role's; roles are tried admin, lead,
agent (the first the person holds that has a row). Admins without a row are unlimited; anyone else
without a row needs approval for every grant.

Every action is recorded on the ticket (a ``goodwill`` row, a ticket event, an audit entry and a
``goodwill.*`` event). Above authority it waits as ``pending`` until a lead of the ticket's team (or
an admin), never the requester, approves or denies it with a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.accounts.models import User
from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound
from helpline.escalation.leads import is_lead, led_tickets, require_lead
from helpline.escalation.models import GOODWILL_KINDS, AuthorityLimit, GoodwillAction
from helpline.outbox.service import emit
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Ticket
from helpline.tickets.service import add_event

ROLES = ("admin", "lead", "agent")
MAX_CENTS = 100_000_000


def money(cents: int, currency: str) -> str:
    return f"{cents // 100}.{cents % 100:02d} {currency}"


def _check_kind(kind: str) -> None:
    if kind not in GOODWILL_KINDS:
        raise Invalid.field("kind", f"{kind!r} is not one of {', '.join(GOODWILL_KINDS)}")


def _check_currency(currency: str) -> str:
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise Invalid.field("currency", "use a three-letter ISO 4217 code such as EUR")
    return currency


# -- limits --------------------------------------------------------------------------------------


def _limit_dict(row: AuthorityLimit) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "role": row.role,
        "user_id": row.user_id,
        "currency": row.currency,
        "max_amount_cents": row.max_amount_cents,
        "max_per_month": row.max_per_month,
    }


def set_limit(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    role: str | None = None,
    user_id: int | None = None,
    currency: str = "EUR",
    max_amount_cents: int | None = None,
    max_per_month: int | None = None,
) -> AuthorityLimit:
    """Create or replace the limit for (kind, role or user, currency)."""
    if not actor.is_admin:
        raise Forbidden("only admins set authority limits")
    _check_kind(kind)
    currency = _check_currency(currency)
    if (role is None) == (user_id is None):
        raise Invalid.field("role", "give either a role or a user_id")
    if role is not None and role not in ROLES:
        raise Invalid.field("role", f"{role!r} is not one of {', '.join(ROLES)}")
    if user_id is not None and session.get(User, user_id) is None:
        raise Invalid.field("user_id", f"user {user_id} does not exist")
    for name, value in (("max_amount_cents", max_amount_cents), ("max_per_month", max_per_month)):
        if value is not None and not 0 <= value <= MAX_CENTS:
            raise Invalid.field(name, f"must be between 0 and {MAX_CENTS}")
    row = session.scalar(
        select(AuthorityLimit).where(
            AuthorityLimit.kind == kind,
            AuthorityLimit.currency == currency,
            AuthorityLimit.role.is_(None) if role is None else AuthorityLimit.role == role,
            AuthorityLimit.user_id.is_(None) if user_id is None else AuthorityLimit.user_id == user_id,
        )
    )
    before = _limit_dict(row) if row else None
    if row is None:
        row = AuthorityLimit(kind=kind, role=role, user_id=user_id, currency=currency)
        session.add(row)
    row.max_amount_cents, row.max_per_month, row.updated_at = max_amount_cents, max_per_month, utcnow()
    session.flush()
    record(session, actor, "authority.limit.set", "authority_limit", row.id, before, _limit_dict(row))
    return row


def delete_limit(session: Session, actor: Actor, limit_id: int) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins set authority limits")
    row = session.get(AuthorityLimit, limit_id)
    if row is None:
        raise NotFound(f"authority limit {limit_id} does not exist")
    record(session, actor, "authority.limit.delete", "authority_limit", row.id, _limit_dict(row), None)
    session.delete(row)
    session.flush()


def list_limits(session: Session) -> list[AuthorityLimit]:
    stmt = select(AuthorityLimit).order_by(AuthorityLimit.kind, AuthorityLimit.currency, AuthorityLimit.id)
    return list(session.scalars(stmt))


@dataclass
class Authority:
    limit: AuthorityLimit | None
    unlimited: bool
    used_this_month: int
    source: str  # "user", a role, or "none"


def authority_of(session: Session, actor: Actor, kind: str, currency: str, now: dt.datetime) -> Authority:
    base = select(AuthorityLimit).where(AuthorityLimit.kind == kind, AuthorityLimit.currency == currency)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = session.scalar(
        select(func.count()).where(
            GoodwillAction.user_id == actor.id,
            GoodwillAction.kind == kind,
            GoodwillAction.status == "granted",
            GoodwillAction.created_at >= month,
        )
    )
    count = int(used or 0)
    own = session.scalar(base.where(AuthorityLimit.user_id == actor.id))
    if own is not None:
        return Authority(own, False, count, "user")
    roles = [r for r in ROLES if _holds(session, actor, r)]
    rows = {r.role: r for r in session.scalars(base.where(AuthorityLimit.role.in_(roles)))}
    for role in roles:
        if role in rows:
            return Authority(rows[role], False, count, role)
    return Authority(None, actor.is_admin, count, "none")


def _holds(session: Session, actor: Actor, role: str) -> bool:
    if role == "admin":
        return actor.is_admin
    if role == "lead":
        return is_lead(session, actor)
    return actor.is_staff


def _needs_approval(authority: Authority, cents: int, currency: str) -> str | None:
    if authority.unlimited:
        return None
    limit = authority.limit
    if limit is None:
        return "no authority limit is set for you for this kind of goodwill"
    if limit.max_amount_cents is not None and cents > limit.max_amount_cents:
        return f"above your limit of {money(limit.max_amount_cents, currency)} per action"
    if limit.max_per_month is not None and authority.used_this_month >= limit.max_per_month:
        return f"you have used your {limit.max_per_month} grants this month"
    return None


# -- actions -------------------------------------------------------------------------------------


def _data(action: GoodwillAction) -> dict[str, Any]:
    return {
        "goodwill_id": action.id,
        "goodwill_kind": action.kind,
        "amount_cents": action.amount_cents,
        "currency": action.currency,
        "status": action.status,
        "user_id": action.user_id,
    }


def grant_goodwill(
    session: Session,
    actor: Actor,
    ticket_id: int,
    *,
    kind: str,
    amount_cents: int,
    note: str,
    currency: str = "EUR",
) -> GoodwillAction:
    """Grant within authority (``granted``) or ask a lead (``pending``)."""
    if not actor.is_staff or actor.id is None:
        raise Forbidden("goodwill is granted by a member of staff")
    _check_kind(kind)
    currency = _check_currency(currency)
    if not 0 < amount_cents <= MAX_CENTS:
        raise Invalid.field("amount", "must be more than 0 and at most 1,000,000")
    if not note.strip():
        raise Invalid.field("note", "say why the customer gets it")
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket_id} was merged into ticket {ticket.merged_into_id}")
    # One grant at a time per person, so two at once cannot both fit the monthly count.
    session.scalar(select(User.id).where(User.id == actor.id).with_for_update())
    now = utcnow()
    authority = authority_of(session, actor, kind, currency, now)
    why = _needs_approval(authority, amount_cents, currency)
    action = GoodwillAction(
        ticket_id=ticket.id,
        user_id=actor.id,
        kind=kind,
        amount_cents=amount_cents,
        currency=currency,
        note=note.strip()[:4000],
        status="pending" if why else "granted",
        approval_reason=why,
        created_at=now,
    )
    session.add(action)
    session.flush()
    data = _data(action)
    if why:
        data["approval_reason"] = why
    add_event(
        session, ticket, actor, "goodwill_requested" if why else "goodwill_granted", note=action.note, **data
    )
    record(session, actor, "ticket.goodwill", "ticket", ticket.id, None, data)
    emit(session, "goodwill.requested" if why else "goodwill.granted", {"ticket_id": ticket.id, **data})
    return action


def decide_goodwill(
    session: Session, actor: Actor, goodwill_id: int, *, decision: str, note: str
) -> GoodwillAction:
    """A lead of the ticket's team (or an admin) approves or denies a pending request, with a note."""
    if decision not in ("approve", "deny"):
        raise Invalid.field("decision", "must be 'approve' or 'deny'")
    if not note.strip():
        raise Invalid.field("note", "a decision needs a note")
    action = session.get(GoodwillAction, goodwill_id)
    if action is None or not actor.is_staff:
        raise NotFound(f"goodwill request {goodwill_id} does not exist")
    ticket = get_visible_ticket(session, SYSTEM, action.ticket_id, lock=True)
    require_lead(session, actor, ticket)
    session.refresh(action, with_for_update=True)
    if action.status != "pending":
        raise Conflict(f"goodwill request {goodwill_id} was already {action.status}")
    if action.user_id == actor.id:
        raise Forbidden("someone other than the requester decides a goodwill request")
    action.status = "approved" if decision == "approve" else "denied"
    action.decided_by_id, action.decided_at, action.decision_note = actor.id, utcnow(), note.strip()[:4000]
    data = {**_data(action), "decided_by_id": actor.id}
    add_event(session, ticket, actor, f"goodwill_{action.status}", note=action.decision_note, **data)
    record(session, actor, f"goodwill.{decision}", "ticket", ticket.id, {"status": "pending"}, data)
    emit(session, f"goodwill.{action.status}", {"ticket_id": ticket.id, **data})
    return action


def goodwill_of(session: Session, actor: Actor, ticket_id: int) -> list[GoodwillAction]:
    get_visible_ticket(session, actor, ticket_id)
    if actor.is_customer:
        raise Forbidden("goodwill records are for staff")
    stmt = select(GoodwillAction).where(GoodwillAction.ticket_id == ticket_id).order_by(GoodwillAction.id)
    return list(session.scalars(stmt))


def pending_approvals(session: Session, actor: Actor, limit: int = 100) -> list[GoodwillAction]:
    """Pending requests this actor may decide, oldest first."""
    if not actor.is_staff:
        raise Forbidden("approvals are for leads")
    stmt = (
        select(GoodwillAction)
        .join(Ticket, Ticket.id == GoodwillAction.ticket_id)
        .where(GoodwillAction.status == "pending", led_tickets(session, actor))
        .order_by(GoodwillAction.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
