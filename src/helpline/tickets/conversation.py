"""The conversation: appending messages and notes, reopening on customer reply, attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from helpline.audit.service import record
from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.core.errors import Forbidden, Invalid, NotFound
from helpline.customers.models import Customer
from helpline.outbox.service import emit
from helpline.tickets.access import get_visible_ticket, visible_messages, visible_tickets
from helpline.tickets.hooks import (
    run_customer_message_hooks,
    run_public_reply_hooks,
    run_ticket_created_hooks,
)
from helpline.tickets.models import Attachment, Message, Ticket, TicketTag
from helpline.tickets.search import index_ticket
from helpline.tickets.service import UNSET, NewMessage, add_event, update_ticket

MAX_TEXT = 200_000
MAX_ATTACHMENTS = 20
_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+")


def safe_filename(name: str) -> str:
    """Strip paths, control characters and anything a shell or header could trip on."""
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._") or "attachment"
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return stem[: 200 - len(ext)] + "." + ext
    return name[:200]


def _check(message: NewMessage, max_bytes: int) -> None:
    if not message.text.strip() and not message.attachments:
        raise Invalid.field("text", "must not be empty")
    if len(message.text) > MAX_TEXT or len(message.full_text or "") > MAX_TEXT:
        raise Invalid.field("text", f"must be at most {MAX_TEXT} characters")
    if len(message.attachments) > MAX_ATTACHMENTS:
        raise Invalid.field("attachments", f"at most {MAX_ATTACHMENTS} per message")
    for att in message.attachments:
        if len(att.data) > max_bytes:
            raise Invalid.field(
                "attachments", f"{att.filename!r} is {len(att.data)} bytes; the limit is {max_bytes}"
            )


def append_message(
    session: Session,
    actor: Actor,
    ticket: Ticket,
    message: NewMessage,
    *,
    on_behalf_of: Customer | None = None,
    max_attachment_bytes: int = 20 * 1024 * 1024,
    at: dt.datetime | None = None,
) -> Message:
    """Write one message row (and its attachments). Callers handle status and audit."""
    _check(message, max_attachment_bytes)
    if actor.is_customer and message.internal:
        raise Forbidden("customers cannot write internal notes")
    by_customer = actor.is_customer or (on_behalf_of is not None and not message.internal)
    if by_customer:
        author_kind, user_id = "customer", None
        customer_id = actor.id if actor.is_customer else on_behalf_of.id if on_behalf_of else None
    else:
        author_kind = "agent" if actor.kind.value in ("agent", "admin") else "system"
        user_id, customer_id = (actor.id if author_kind == "agent" else None), None
    row = Message(
        ticket_id=ticket.id,
        author_kind=author_kind,
        author_user_id=user_id,
        author_customer_id=customer_id,
        internal=message.internal,
        channel=message.channel or ticket.channel,
        text=message.text,
        full_text=message.full_text if message.full_text is not None else message.text,
        meta=message.meta,
        created_at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    for att in message.attachments:
        content_type = att.content_type or mimetypes.guess_type(att.filename)[0] or ""
        session.add(
            Attachment(
                message_id=row.id,
                filename=safe_filename(att.filename),
                content_type=content_type or "application/octet-stream",
                size=len(att.data),
                sha256=hashlib.sha256(att.data).hexdigest(),
                data=att.data,
            )
        )
    now = row.created_at
    ticket.updated_at = now
    if author_kind == "customer":
        ticket.last_customer_message_at = now
    elif author_kind == "agent" and not message.internal:
        ticket.last_agent_reply_at = now
    emit(
        session,
        "message.created",
        {"ticket_id": ticket.id, "message_id": row.id, "internal": row.internal, "author_kind": author_kind},
    )
    return row


def add_message(
    session: Session,
    actor: Actor,
    ticket_id: int,
    message: NewMessage,
    *,
    status: str = UNSET,
    max_attachment_bytes: int = 20 * 1024 * 1024,
    on_behalf_of: Customer | None = None,
) -> Message:
    """Reply or add a note. A customer reply reopens a solved ticket; a closed one gets a follow-up.

    Channels that receive a customer's message (email, chat) act as the system ``on_behalf_of`` the
    customer, so the message is authored by the customer even when they are only copied on the ticket.
    """
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    if ticket.merged_into_id is not None:
        ticket = get_visible_ticket(session, actor, ticket.merged_into_id, lock=True)
    if actor.is_customer and status is not UNSET:
        raise Forbidden("customers cannot set the status when replying")
    from_customer = actor.is_customer or (on_behalf_of is not None and not message.internal)
    if from_customer and ticket.status == "closed":
        return _follow_up(session, actor, ticket, message, max_attachment_bytes, on_behalf_of)
    row = append_message(
        session, actor, ticket, message, on_behalf_of=on_behalf_of, max_attachment_bytes=max_attachment_bytes
    )
    if row.author_kind == "customer" and ticket.status in ("solved", "pending"):
        old = ticket.status
        ticket.status = "open"
        add_event(
            session, ticket, actor, "reopened" if old == "solved" else "status_changed", old=old, new="open"
        )
        record(session, actor, "ticket.reopen", "ticket", ticket.id, {"status": old}, {"status": "open"})
    elif row.author_kind == "agent" and not row.internal and ticket.status == "new" and status is UNSET:
        status = "open"
    run_customer_message_hooks(session, ticket, row)
    if row.author_kind in ("agent", "system") and not row.internal:
        run_public_reply_hooks(session, ticket, row)
    what = "ticket.note" if row.internal else "ticket.reply"
    record(
        session,
        actor,
        what,
        "ticket",
        ticket.id,
        None,
        {"message_id": row.id, "internal": row.internal, "attachments": len(message.attachments)},
    )
    if status is not UNSET:
        update_ticket(session, actor, ticket.id, status=status)
    index_ticket(session, ticket.id)
    return row


def _follow_up(
    session: Session,
    actor: Actor,
    closed: Ticket,
    message: NewMessage,
    max_bytes: int,
    on_behalf_of: Customer | None = None,
) -> Message:
    follow = Ticket(
        subject=closed.subject,
        channel=message.channel or closed.channel,
        priority=closed.priority,
        requester_id=closed.requester_id,
        team_id=closed.team_id,
        follow_up_of_id=closed.id,
        status="new",
    )
    follow.tag_rows = [TicketTag(tag=t) for t in closed.tags]
    session.add(follow)
    session.flush()
    add_event(session, follow, actor, "created", channel=follow.channel, follow_up_of=closed.id)
    row = append_message(
        session, actor, follow, message, on_behalf_of=on_behalf_of, max_attachment_bytes=max_bytes
    )
    record(
        session,
        actor,
        "ticket.create",
        "ticket",
        follow.id,
        None,
        {"follow_up_of_id": closed.id, "status": "new"},
    )
    emit(session, "ticket.created", {"ticket_id": follow.id, "requester_id": follow.requester_id})
    run_ticket_created_hooks(session, follow)
    index_ticket(session, follow.id)
    return row


def conversation_ids(ticket_id: int) -> Any:
    return select(Ticket.id).where((Ticket.id == ticket_id) | (Ticket.merged_into_id == ticket_id))


def list_messages(
    session: Session, actor: Actor, ticket_id: int, *, after_id: int | None, limit: int
) -> list[Message]:
    """The visible conversation of a ticket, oldest first, including tickets merged into it."""
    get_visible_ticket(session, actor, ticket_id)
    stmt = (
        select(Message)
        .where(Message.ticket_id.in_(conversation_ids(ticket_id)), visible_messages(actor))
        .options(
            selectinload(Message.attachments),
            selectinload(Message.author_user),
            selectinload(Message.author_customer),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    if after_id is not None:
        stmt = stmt.where(Message.id > after_id)
    return list(session.scalars(stmt))


def get_attachment(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    stmt = (
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Attachment.id == attachment_id, visible_tickets(actor), visible_messages(actor))
        .options(undefer(Attachment.data))
    )
    attachment = session.scalar(stmt)
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} does not exist")
    return attachment
