"""Chat actions: widgets, visitors, sending, the visitor's transcript, and the email follow-up.

A conversation is a ticket of channel ``chat``; the visitor's messages are authored by the customer
(``add_message`` on their behalf), agents answer from the ticket view and their public replies reach
the visitor's socket through the ``on_public_reply`` hook. Live events go out only after commit
(``realtime.queue_event``); the socket then reads what is new from the database by message id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload, undefer

from helpline.audit.service import changes, record
from helpline.chat.bot import BOT_NAME, bot_is_listening, schedule_bot_reply
from helpline.chat.identity import Claims, identify_visitor, new_secret
from helpline.chat.models import PRECHAT, ChatClientMessage, ChatConversation, ChatVisitor, ChatWidget
from helpline.chat.status import is_open
from helpline.chat.tokens import new_public_id, sign_visitor, verify_visitor
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Forbidden, Invalid, NotFound
from helpline.customers.identities import normalize_email
from helpline.customers.models import Customer
from helpline.customers.service import create_customer, find_by_identity
from helpline.outbox.service import enqueue
from helpline.realtime import queue_event
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Attachment, Message, Ticket
from helpline.tickets.service import NewAttachment, NewMessage, create_ticket

FOLLOWUP_JOB = "chat.unanswered"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class ChatConfig:
    """Limits of the visitor socket (per process); tests and benchmarks shorten the timings."""

    max_chars: int = 4000
    max_frame_bytes: int = 64 * 1024
    rate_limit: int = 20  # messages per visitor per window
    rate_window: float = 60.0
    new_visitors_per_minute: int = 60  # per client address
    heartbeat: float = 20.0
    recheck_beats: int = 3  # read the database for missed messages every this many heartbeats
    lifetime: float = 3600.0
    hello_timeout: float = 10.0
    typing_interval: float = 1.0
    history_limit: int = 200
    upload_max_bytes: int = 10 * 1024 * 1024
    identity_max_age: int = 24 * 3600
    status_ttl: float = 15.0
    transcripts_per_hour: int = 3  # per visitor


def channel_of(visitor_id: int) -> str:
    return f"chat:v{visitor_id}"


# -- widgets -------------------------------------------------------------------------------------


def normalize_origin(value: str) -> str:
    value = value.strip().rstrip("/")
    if value == "*":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise Invalid.field("allowed_origins", f"{value!r} is not an origin like https://www.example.com")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def origin_allowed(widget: ChatWidget, origin: str | None) -> bool:
    allowed = widget.allowed_origins or []
    if "*" in allowed:
        return True
    if not origin:
        return False
    try:
        return normalize_origin(origin) in allowed
    except Invalid:
        return False


def create_widget(
    session: Session,
    actor: Actor,
    *,
    name: str,
    allowed_origins: list[str],
    prechat: str = "optional",
    team_id: int | None = None,
    followup_minutes: int = 5,
    bot_enabled: bool = False,
) -> ChatWidget:
    if not actor.is_admin:
        raise Forbidden("only admins can set up chat widgets")
    if prechat not in PRECHAT:
        raise Invalid.field("prechat", f"must be one of {', '.join(PRECHAT)}")
    if not 0 <= followup_minutes <= 24 * 60:
        raise Invalid.field("followup_minutes", "must be between 0 and 1440")
    if not name.strip():
        raise Invalid.field("name", "must not be empty")
    origins = sorted({normalize_origin(o) for o in allowed_origins})
    widget = ChatWidget(
        key=new_public_id()[:20],
        name=name.strip()[:120],
        allowed_origins=origins,
        prechat=prechat,
        team_id=team_id,
        followup_minutes=followup_minutes,
        identity_secret=new_secret(),
        bot_enabled=bot_enabled,
    )
    session.add(widget)
    session.flush()
    created = {"origins": origins, "bot_enabled": bot_enabled}
    record(session, actor, "chat.widget.create", "chat_widget", widget.id, None, created)
    return widget


def update_widget(
    session: Session,
    actor: Actor,
    widget_id: int,
    *,
    name: str,
    allowed_origins: list[str],
    prechat: str,
    team_id: int | None,
    followup_minutes: int,
    bot_enabled: bool | None = None,
) -> ChatWidget:
    """Change a widget's settings; its key (and so the embed snippet) stays the same."""
    if not actor.is_admin:
        raise Forbidden("only admins can set up chat widgets")
    widget = get_widget(session, widget_id)
    if prechat not in PRECHAT:
        raise Invalid.field("prechat", f"must be one of {', '.join(PRECHAT)}")
    if not 0 <= followup_minutes <= 24 * 60:
        raise Invalid.field("followup_minutes", "must be between 0 and 1440")
    if not name.strip():
        raise Invalid.field("name", "must not be empty")
    before = {
        "name": widget.name,
        "origins": list(widget.allowed_origins or []),
        "prechat": widget.prechat,
        "team_id": widget.team_id,
        "followup_minutes": widget.followup_minutes,
        "bot_enabled": widget.bot_enabled,
    }
    widget.allowed_origins = sorted({normalize_origin(o) for o in allowed_origins})
    widget.name, widget.prechat, widget.team_id = name.strip()[:120], prechat, team_id
    widget.followup_minutes = followup_minutes
    if bot_enabled is not None:
        widget.bot_enabled = bot_enabled
    after = {
        "name": widget.name,
        "origins": widget.allowed_origins,
        "prechat": prechat,
        "team_id": team_id,
        "followup_minutes": followup_minutes,
        "bot_enabled": widget.bot_enabled,
    }
    old, new = changes(before, after)
    if new:
        session.flush()
        record(session, actor, "chat.widget.update", "chat_widget", widget.id, old, new)
    return widget


def get_widget(session: Session, widget_id: int) -> ChatWidget:
    """A widget that has not been removed (404 otherwise)."""
    widget = session.scalar(
        select(ChatWidget).where(ChatWidget.id == widget_id, ChatWidget.removed_at.is_(None))
    )
    if widget is None:
        raise NotFound(f"chat widget {widget_id} does not exist")
    return widget


def list_widgets(session: Session) -> list[ChatWidget]:
    stmt = select(ChatWidget).where(ChatWidget.removed_at.is_(None))
    return list(session.scalars(stmt.order_by(ChatWidget.name, ChatWidget.id)))


def remove_widget(session: Session, actor: Actor, widget_id: int) -> ChatWidget:
    """Take a widget off every site: its key stops opening chats at once (new connections, messages
    and uploads are refused as an unknown widget). Its visitors, their chats and tickets stay, so
    history and replies by email are unaffected."""
    if not actor.is_admin:
        raise Forbidden("only admins can remove chat widgets")
    widget = get_widget(session, widget_id)
    widget.removed_at = utcnow()
    session.flush()
    record(session, actor, "chat.widget.remove", "chat_widget", widget.id, {"name": widget.name}, None)
    return widget


def widget_by_key(session: Session, key: str) -> ChatWidget | None:
    if not key or len(key) > 40:
        return None
    return session.scalar(select(ChatWidget).where(ChatWidget.key == key, ChatWidget.removed_at.is_(None)))


# -- visitors ------------------------------------------------------------------------------------


def open_visitor(
    session: Session,
    widget: ChatWidget,
    token: object,
    secret_key: str,
    *,
    may_create: bool = True,
    claims: Claims | None = None,
) -> tuple[ChatVisitor | None, str]:
    """The visitor behind a signed token, or a new one; with the token the widget should keep.

    With verified ``claims`` the visitor is the site's user (``identity.identify_visitor``). Without
    them, a token of an identified visitor is not honoured: that chat belongs to a signed-in user."""
    visitor: ChatVisitor | None = None
    public_id = verify_visitor(secret_key, token)
    if public_id is not None:
        visitor = session.scalar(select(ChatVisitor).where(ChatVisitor.public_id == public_id))
        if visitor is not None and visitor.widget_id != widget.id:
            visitor = None
    if claims is not None:
        visitor = identify_visitor(session, widget, visitor, claims)
        return visitor, sign_visitor(secret_key, visitor.public_id)
    if visitor is not None and visitor.external_id is None:
        visitor.last_seen_at = utcnow()
        return visitor, sign_visitor(secret_key, visitor.public_id)
    if not may_create:
        return None, ""
    visitor = ChatVisitor(public_id=new_public_id(), widget_id=widget.id)
    session.add(visitor)
    session.flush()
    return visitor, sign_visitor(secret_key, visitor.public_id)


def set_details(session: Session, visitor: ChatVisitor, *, name: str, email: str) -> ChatVisitor:
    """The pre-chat form: a name and an email to reply to, both optional unless the widget says."""
    name, email = name.strip(), email.strip()
    if len(name) > 160:
        raise Invalid.field("name", "must be at most 160 characters")
    if email:
        visitor.email = normalize_email(email)
    if name:
        visitor.name = name
    conv = _latest(session, visitor.id)
    if conv is not None and conv.followup_at is not None and visitor.email:
        ticket = session.get(Ticket, conv.ticket_id)
        if ticket is not None and ticket.last_agent_reply_at is None:
            note = f"Thanks! We'll reply by email to {visitor.email} as soon as we can."
            add_message(session, SYSTEM, ticket.id, NewMessage(text=note, channel="chat"))
    return visitor


def _latest(session: Session, visitor_id: int) -> ChatConversation | None:
    return session.scalar(
        select(ChatConversation)
        .where(ChatConversation.visitor_id == visitor_id)
        .order_by(ChatConversation.id.desc())
        .limit(1)
    )


def _customer(session: Session, visitor: ChatVisitor) -> Customer:
    if visitor.customer_id is not None:
        found = session.get(Customer, visitor.customer_id)
        if found is not None:
            return found
    customer = find_by_identity(session, "email", visitor.email) if visitor.email else None
    customer = customer or find_by_identity(session, "chat", visitor.public_id)
    if customer is None:
        identities = [("chat", visitor.public_id)] + ([("email", visitor.email)] if visitor.email else [])
        customer = create_customer(session, SYSTEM, name=visitor.name, identities=identities)
    visitor.customer_id = customer.id
    return customer


def _still_theirs(session: Session, ticket_id: int, customer_id: int) -> bool:
    """Whether a message to ``ticket_id`` (after following merges) lands on this customer's ticket."""
    ticket = session.get(Ticket, ticket_id)
    for _ in range(10):  # merges chain at most a few times; a loop would be a bug elsewhere
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = session.get(Ticket, ticket.merged_into_id)
    return ticket is not None and ticket.requester_id == customer_id


def _new_conversation(session: Session, visitor: ChatVisitor, widget: ChatWidget, ticket_id: int) -> None:
    conv = ChatConversation(visitor_id=visitor.id, ticket_id=ticket_id)
    session.add(conv)
    session.flush()
    if not is_open(session, widget.team_id):
        follow_up(session, conv, out_of_hours=True)
    else:
        delay = dt.timedelta(minutes=widget.followup_minutes)
        enqueue(session, FOLLOWUP_JOB, {"conversation_id": conv.id}, delay=delay)


def send_message(
    session: Session,
    visitor_id: int,
    text: str,
    client_id: str | None = None,
    attachments: list[NewAttachment] | None = None,
    *,
    max_attachment_bytes: int = 20 * 1024 * 1024,
) -> tuple[int, bool]:
    """Store a visitor's message (with any files); returns its id and whether it is new (a resend
    is stored once)."""
    if client_id is not None and not _CLIENT_ID.match(client_id):
        raise Invalid.field("client_id", "must be 1-64 letters, digits, '-' or '_'")
    visitor_stmt = select(ChatVisitor).where(ChatVisitor.id == visitor_id)
    if session.get_bind().dialect.name == "postgresql":
        visitor_stmt = visitor_stmt.with_for_update()  # one visitor's first messages make one ticket
    visitor = session.scalars(visitor_stmt).one()
    if client_id is not None:
        seen = session.get(ChatClientMessage, (visitor.id, client_id))
        if seen is not None:
            return seen.message_id, False
    widget = session.get(ChatWidget, visitor.widget_id)
    assert widget is not None
    customer = _customer(session, visitor)
    message = NewMessage(
        text=text,
        channel="chat",
        meta={"client_id": client_id} if client_id else {},
        attachments=list(attachments or []),
    )
    conv = _latest(session, visitor.id)
    if conv is not None and not _still_theirs(session, conv.ticket_id, customer.id):
        conv = None  # the chat was merged into someone else's ticket: start a new one, never join theirs
    if conv is None:
        subject = f"Chat with {visitor.name or customer.name or 'a website visitor'}"
        ticket = create_ticket(
            session,
            SYSTEM,
            subject=subject,
            requester=customer,
            message=message,
            channel="chat",
            team_id=widget.team_id,
        )
        message_id = session.scalars(
            select(Message.id).where(Message.ticket_id == ticket.id).order_by(Message.id.desc()).limit(1)
        ).one()
        _new_conversation(session, visitor, widget, ticket.id)
    else:
        row = add_message(
            session,
            SYSTEM,
            conv.ticket_id,
            message,
            on_behalf_of=customer,
            max_attachment_bytes=max_attachment_bytes,
        )
        message_id = row.id
        if row.ticket_id != conv.ticket_id:  # the old chat was closed: this is a follow-up ticket
            _new_conversation(session, visitor, widget, row.ticket_id)
    if client_id is not None:
        session.add(ChatClientMessage(visitor_id=visitor.id, client_id=client_id, message_id=message_id))
    visitor.last_seen_at = utcnow()
    row_sent = session.get(Message, message_id)
    assert row_sent is not None
    queue_message(session, row_sent, visitor_id=visitor.id, client_id=client_id)
    if widget.bot_enabled and text.strip():
        chat_ticket = session.get(Ticket, row_sent.ticket_id)
        if chat_ticket is not None and bot_is_listening(chat_ticket):
            schedule_bot_reply(session, chat_ticket.id, message_id)
    return message_id, True


def message_frame(
    msg: Message, client_id: str | None, attachments: list[tuple[int, str, str, int]]
) -> dict[str, Any]:
    """A message as the widget shows it; ``attachments`` are (id, name, type, size)."""
    if msg.author_kind == "customer":
        author, name = "visitor", "You"
    elif msg.author_kind == "agent":
        author, name = "agent", (msg.author_user.name if msg.author_user else "Support")
    elif (msg.meta or {}).get("bot"):
        author, name = "bot", BOT_NAME
    else:
        author, name = "system", "Support"
    frame: dict[str, Any] = {
        "type": "message",
        "id": msg.id,
        "author": author,
        "name": name,
        "text": msg.text,
        "at": msg.created_at.isoformat(),
        "client_id": client_id,
    }
    source = (msg.meta or {}).get("source")
    if isinstance(source, dict) and source.get("url"):
        frame["source"] = {"title": str(source.get("title", "")), "url": str(source["url"])}
    if attachments:
        frame["attachments"] = [
            {"id": att_id, "name": fname, "type": kind, "size": size}
            for att_id, fname, kind, size in attachments
        ]
    return frame


def queue_message(
    session: Session, msg: Message, *, visitor_id: int | None = None, client_id: str | None = None
) -> None:
    """Tell the sockets of the message's chat (or of ``visitor_id``) about a public message once it
    commits, carrying the message itself and the id of the visitor's public message before it: a
    socket that has shown that one sends this frame as it is, without reading the database; any
    other socket reads what it missed by id."""
    mine = aliased(ChatConversation)
    prev = (
        select(func.max(Message.id))
        .where(
            Message.ticket_id.in_(
                select(mine.ticket_id).where(mine.visitor_id == ChatConversation.visitor_id)
            ),
            Message.internal.is_(False),
            Message.id < msg.id,
        )
        .scalar_subquery()
    )
    which = (
        ChatConversation.visitor_id == visitor_id
        if visitor_id is not None
        else ChatConversation.ticket_id == msg.ticket_id
    )
    visitors = session.execute(select(ChatConversation.visitor_id, prev).where(which).distinct()).all()
    if not visitors:
        return
    files = session.execute(
        select(Attachment.id, Attachment.filename, Attachment.content_type, Attachment.size)
        .where(Attachment.message_id == msg.id)
        .order_by(Attachment.id)
    ).all()
    frame = message_frame(msg, client_id, [(f[0], f[1], f[2], f[3]) for f in files])
    for visitor, before in visitors:
        data = {"id": msg.id, "prev": before or 0, "frame": frame}
        queue_event(session, channel_of(visitor), "message", data)


def messages_after(session: Session, visitor_id: int, after_id: int, limit: int) -> list[dict[str, Any]]:
    """The visitor's public conversation after ``after_id``, oldest first, as widget frames."""
    tickets = select(ChatConversation.ticket_id).where(ChatConversation.visitor_id == visitor_id)
    stmt = (
        select(Message, ChatClientMessage.client_id)
        .outerjoin(
            ChatClientMessage,
            (ChatClientMessage.message_id == Message.id) & (ChatClientMessage.visitor_id == visitor_id),
        )
        .where(Message.ticket_id.in_(tickets), Message.internal.is_(False), Message.id > after_id)
        .options(selectinload(Message.author_user), selectinload(Message.attachments))
        .order_by(Message.id)
        .limit(limit)
    )
    return [
        message_frame(msg, client_id, [(a.id, a.filename, a.content_type, a.size) for a in msg.attachments])
        for msg, client_id in session.execute(stmt)
    ]


# -- follow-up by email --------------------------------------------------------------------------


def follow_up(session: Session, conv: ChatConversation, *, out_of_hours: bool = False) -> bool:
    """Tell the visitor nobody could pick up (or that we are closed) and that email takes over."""
    from helpline.email import outbound

    ticket = session.get(Ticket, conv.ticket_id)
    visitor = session.get(ChatVisitor, conv.visitor_id)
    if conv.followup_at is not None or ticket is None or visitor is None:
        return False
    if ticket.last_agent_reply_at is not None or ticket.status in ("solved", "closed"):
        return False
    conv.followup_at = utcnow()
    opening = "We're closed right now" if out_of_hours else "Sorry, nobody could pick up your chat just now"
    if visitor.email:
        text = f"{opening}. We'll reply by email to {visitor.email} as soon as we can."
    else:
        text = f"{opening}. Leave your email address here and we'll reply by email."
    add_message(session, SYSTEM, ticket.id, NewMessage(text=text, channel="chat", meta={"chat": "followup"}))
    if visitor.email and outbound.CONFIG.relay_url:
        outbound.queue_email(
            session,
            ticket,
            text=f"Thanks for your chat message. {text}\n\nReference: #{ticket.id}",
            kind="acknowledgement",
            subject=f"We got your chat message [#{ticket.id}]",
        )
    return True


def conversations_of_ticket(session: Session, ticket_id: int) -> list[ChatConversation]:
    """The chats carried by a ticket. A merged ticket's conversation is not followed: the target may
    hold another customer's messages, which a visitor must never see."""
    return list(session.scalars(select(ChatConversation).where(ChatConversation.ticket_id == ticket_id)))


def visitor_file(session: Session, public_id: str, attachment_id: int) -> Attachment:
    """A file of a public message in the chats of the visitor ``public_id``, else ``NotFound``."""
    stmt = (
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .join(ChatConversation, ChatConversation.ticket_id == Message.ticket_id)
        .join(ChatVisitor, ChatVisitor.id == ChatConversation.visitor_id)
        .where(
            Attachment.id == attachment_id,
            Message.internal.is_(False),
            ChatVisitor.public_id == public_id,
        )
        .options(undefer(Attachment.data))
    )
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(f"file {attachment_id} does not exist")
    return found
