"""HTTP adapters for tickets, their conversation and events. Thin: parse, call a service, shape."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from helpline.core.deps import AppSettings, CurrentActor, DbSession
from helpline.core.errors import Invalid
from helpline.core.pagination import decode_cursor, encode_cursor
from helpline.customers.service import get_customer, identify_or_create
from helpline.tickets import conversation, service
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Ticket, TicketEvent
from helpline.tickets.queries import TicketFilter, list_tickets, ticket_load_options
from helpline.tickets.schemas import (
    EventOut,
    MergeIn,
    MessageIn,
    MessageOut,
    MessagePage,
    ReplyIn,
    TicketCreate,
    TicketOut,
    TicketPage,
    TicketUpdate,
)

router = APIRouter(tags=["tickets"])


def _new_message(body: MessageIn, channel: str | None = None) -> service.NewMessage:
    return service.NewMessage(
        text=body.text,
        full_text=body.full_text,
        internal=body.internal,
        channel=channel,
        attachments=[
            service.NewAttachment(a.filename, a.content_type, a.decoded()) for a in body.attachments
        ],
    )


def _load(session: DbSession, actor: CurrentActor, ticket_id: int) -> TicketOut:
    get_visible_ticket(session, actor, ticket_id)
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).options(*ticket_load_options()))
    assert ticket is not None
    return TicketOut.of(ticket)


@router.post(
    "/tickets",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketOut,
    summary="Open a ticket; the requester is found or created by email",
)
def create_ticket(
    body: TicketCreate, session: DbSession, actor: CurrentActor, response: Response
) -> TicketOut:
    if actor.is_customer:
        requester = get_customer(session, actor, actor.id or 0)
    elif body.customer is None:
        raise Invalid.field("customer", "give the requester's email (and optionally name)")
    else:
        requester = identify_or_create(session, actor, "email", body.customer.email, body.customer.name)
    ticket = service.create_ticket(
        session,
        actor,
        subject=body.subject,
        requester=requester,
        message=_new_message(body.message, body.channel),
        channel=body.channel,
        priority=body.priority,
        tags=body.tags,
        team_id=body.team_id,
        assignee_id=body.assignee_id,
    )
    session.flush()
    response.headers["Location"] = f"/api/v1/tickets/{ticket.id}"
    return _load(session, actor, ticket.id)


@router.get("/tickets", response_model=TicketPage, summary="List tickets visible to you")
def get_tickets(
    session: DbSession,
    actor: CurrentActor,
    settings: AppSettings,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    priority: str | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    team_id: int | None = None,
    tag: str | None = None,
    requester_id: int | None = None,
    channel: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: str = "-id",
    limit: Annotated[int, Query(ge=1)] = 50,
    cursor: str | None = None,
) -> TicketPage:
    statuses = [s for item in status_ or [] for s in item.split(",") if s] or None
    f = TicketFilter(
        status=statuses,
        priority=priority,
        assignee_id=assignee_id,
        unassigned=unassigned,
        team_id=team_id,
        tag=tag,
        requester_id=requester_id,
        channel=channel,
        q=q,
    )
    rows, next_cursor = list_tickets(
        session, actor, f, limit=min(limit, settings.page_size_max), cursor=cursor, sort=sort
    )
    return TicketPage(items=[TicketOut.of(t) for t in rows], next_cursor=next_cursor)


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: int, session: DbSession, actor: CurrentActor) -> TicketOut:
    return _load(session, actor, ticket_id)


@router.patch(
    "/tickets/{ticket_id}",
    response_model=TicketOut,
    summary="Change status, priority, assignee, team, tags or subject",
)
def patch_ticket(ticket_id: int, body: TicketUpdate, session: DbSession, actor: CurrentActor) -> TicketOut:
    fields = body.changes()
    service.update_ticket(session, actor, ticket_id, **fields)
    session.flush()
    return _load(session, actor, ticket_id)


@router.post(
    "/tickets/{ticket_id}/merge",
    response_model=TicketOut,
    summary="Merge another ticket (source_id) into this one",
)
def merge_ticket(ticket_id: int, body: MergeIn, session: DbSession, actor: CurrentActor) -> TicketOut:
    target = service.merge_tickets(session, actor, body.source_id, ticket_id)
    return _load(session, actor, target.id)


@router.get(
    "/tickets/{ticket_id}/messages",
    response_model=MessagePage,
    summary="The conversation, oldest first (customers never see internal notes)",
)
def get_messages(
    ticket_id: int,
    session: DbSession,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    cursor: str | None = None,
) -> MessagePage:
    after = decode_cursor(cursor, 1)
    rows = conversation.list_messages(
        session, actor, ticket_id, after_id=int(after[0]) if after else None, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return MessagePage(
        items=[MessageOut.of(m) for m in rows], next_cursor=encode_cursor([rows[-1].id]) if more else None
    )


@router.post(
    "/tickets/{ticket_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageOut,
    summary="Reply publicly or add an internal note",
)
def post_message(
    ticket_id: int, body: ReplyIn, session: DbSession, actor: CurrentActor, settings: AppSettings
) -> MessageOut:
    row = conversation.add_message(
        session,
        actor,
        ticket_id,
        _new_message(body),
        status=body.status if body.status is not None else service.UNSET,
        max_attachment_bytes=settings.attachment_max_bytes,
    )
    session.flush()
    session.refresh(row, ["attachments", "author_user", "author_customer"])
    return MessageOut.of(row)


@router.get(
    "/tickets/{ticket_id}/events",
    response_model=list[EventOut],
    summary="Lifecycle events (created, assigned, status changed, merged, …)",
)
def get_events(ticket_id: int, session: DbSession, actor: CurrentActor) -> list[EventOut]:
    get_visible_ticket(session, actor, ticket_id)
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    if actor.is_customer:
        stmt = stmt.where(TicketEvent.kind.in_(("created", "status_changed", "reopened", "merged_into")))
    return [EventOut.of(e) for e in session.scalars(stmt)]


@router.get("/attachments/{attachment_id}", summary="Download an attachment", response_class=Response)
def get_attachment(attachment_id: int, session: DbSession, actor: CurrentActor) -> Response:
    att = conversation.get_attachment(session, actor, attachment_id)
    ascii_name = att.filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != att.filename:
        disposition += f"; filename*=UTF-8''{quote(att.filename)}"
    return Response(
        att.data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Original-Content-Type": att.content_type,
        },
    )
