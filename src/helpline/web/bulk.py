"""Bulk actions from the inbox: assign, set status or priority, add a tag, merge, on many tickets.

All or nothing: every ticket goes through ``update_ticket`` (or ``merge_tickets``) in one
transaction, and if one change is refused (a ticket merged meanwhile, a bad tag) nothing is changed
and the inbox says which and why.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Invalid
from helpline.tickets.models import PRIORITIES, STATUSES, TicketTag
from helpline.tickets.service import merge_tickets, update_ticket
from helpline.web.agent import render_inbox
from helpline.web.deps import Agent, AgentContext, check_csrf
from helpline.web.render import WebRoute, redirect

router = APIRouter(prefix="/agent", route_class=WebRoute, include_in_schema=False)
MAX_BULK = 100


@router.post("/bulk")
def bulk(
    request: Request,
    session: DbSession,
    ctx: Agent,
    action: Annotated[str, Form()] = "",
    tag: Annotated[str, Form(max_length=64)] = "",
    ids: Annotated[list[int] | None, Form()] = None,
    view: Annotated[str, Form()] = "",
    sort: Annotated[str, Form()] = "priority",
    q: Annotated[str, Form(max_length=200)] = "",
    page: Annotated[int, Form()] = 1,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, ctx.web, csrf_token)
    chosen = sorted(set(ids or []))
    try:
        if not chosen:
            raise Invalid.field("ids", "Select at least one ticket first.")
        if len(chosen) > MAX_BULK:
            raise Invalid.field("ids", f"Select at most {MAX_BULK} tickets at once.")
        kind, _sep, value = action.partition(":")
        if kind == "merge":
            _merge(session, ctx, chosen)
        else:
            _update_each(session, ctx, chosen, kind, value, tag)
    except DomainError as exc:
        session.rollback()
        error = exc.errors[0].message if exc.errors else exc.detail
        return render_inbox(
            request,
            session,
            ctx,
            view=view,
            sort=sort,
            q=q,
            page=page,
            error=error,
            selected=frozenset(chosen),
            status=422,
        )
    back = {"q": q} if q else {"view": view}
    if action == "merge":
        return redirect(f"/agent/tickets/{chosen[0]}?done=merged")
    return redirect("/agent/?" + urlencode({**back, "sort": sort, "page": page, "done": len(chosen)}))


def _merge(session: Session, ctx: AgentContext, chosen: list[int]) -> None:
    """Merge every selected ticket into the oldest one (the lowest number)."""
    if len(chosen) < 2:
        raise Invalid.field("ids", "Select at least two tickets to merge.")
    target, *sources = chosen
    for source in sources:
        try:
            merge_tickets(session, ctx.actor, source, target)
        except DomainError as exc:
            reason = exc.errors[0].message if exc.errors else exc.detail
            raise Invalid.field("ids", f"Ticket #{source}: {reason}. Nothing was changed.") from None


def _update_each(
    session: Session, ctx: AgentContext, chosen: list[int], kind: str, value: str, tag: str
) -> None:
    for ticket_id in chosen:
        try:
            if kind == "assign_me":
                update_ticket(session, ctx.actor, ticket_id, assignee_id=ctx.user.id)
            elif kind == "status" and value in STATUSES:
                update_ticket(session, ctx.actor, ticket_id, status=value)
            elif kind == "priority" and value in PRIORITIES:
                update_ticket(session, ctx.actor, ticket_id, priority=value)
            elif kind == "tag" and tag.strip():
                current = list(session.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id)))
                update_ticket(session, ctx.actor, ticket_id, tags=[*current, tag])
            else:
                raise Invalid.field("action", "Choose what to do with the selected tickets.")
        except DomainError as exc:
            if exc.errors and exc.errors[0].field == "action":
                raise
            reason = exc.errors[0].message if exc.errors else exc.detail
            raise Invalid.field("ids", f"Ticket #{ticket_id}: {reason}. Nothing was changed.") from None
