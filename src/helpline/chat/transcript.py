"""The chat transcript by email, when the visitor asks for it from the widget.

Only what the visitor could see goes in it (public messages of their chats, never internal notes).
The email is queued in the outbox inside the visitor's transaction and sent by the worker after the
commit, to the visitor's own address only (no Cc), with the ticket reference so that a reply to it
threads back into the chat's ticket.
"""

from __future__ import annotations

import datetime as dt
from email.utils import formataddr

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpline.audit.service import record
from helpline.chat.models import ChatConversation, ChatVisitor
from helpline.core.actor import SYSTEM
from helpline.core.errors import DomainError
from helpline.outbox.service import enqueue
from helpline.tickets.models import Message, Ticket

MAX_MESSAGES = 2000


class TranscriptRefused(DomainError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail, status=409, title="Transcript not sent", kind=code)
        self.code = code


def transcript_text(session: Session, visitor: ChatVisitor) -> tuple[str, int | None]:
    """The visitor's public conversation as plain text, and the latest chat's ticket id."""
    tickets = select(ChatConversation.ticket_id).where(ChatConversation.visitor_id == visitor.id)
    rows = list(
        session.scalars(
            select(Message)
            .where(Message.ticket_id.in_(tickets), Message.internal.is_(False))
            .options(selectinload(Message.attachments), selectinload(Message.author_user))
            .order_by(Message.id)
            .limit(MAX_MESSAGES)
        )
    )
    lines = []
    for msg in rows:
        if msg.author_kind == "customer":
            who = visitor.name or "You"
        elif msg.author_kind == "agent":
            who = msg.author_user.name if msg.author_user else "Support"
        else:
            who = "Support"
        at = msg.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        text = msg.text + "".join(f"\n[file: {a.filename}]" for a in msg.attachments)
        lines.append(f"[{at}] {who}:\n{text}\n")
    return "\n".join(lines), (rows[-1].ticket_id if rows else None)


def email_transcript(session: Session, visitor: ChatVisitor) -> str:
    """Queue the transcript to the visitor's address; returns that address."""
    from helpline.email import outbound
    from helpline.email.threading import remember

    if not visitor.email:
        raise TranscriptRefused("email_required", "Leave your email address first, then ask again.")
    if not outbound.CONFIG.relay_url:
        raise TranscriptRefused("unavailable", "Sorry, this site can't send emails right now.")
    text, ticket_id = transcript_text(session, visitor)
    if ticket_id is None:
        raise TranscriptRefused("empty", "There is nothing to send yet: the chat has no messages.")
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    message_id = outbound.new_message_id()
    sender = outbound.CONFIG.default_from
    payload = {
        "ticket_id": ticket.id,
        "message_row_id": None,
        "kind": "transcript",
        "from": formataddr(("Support", sender)),
        "reply_to": sender,
        "to": [visitor.email],
        "cc": [],
        "subject": f"Your chat transcript [#{ticket.id}]",
        "text": "Here is the transcript of your chat with us.\n\n"
        + text
        + f"\nReply to this email to continue the conversation.\nReference: #{ticket.id}\n",
        "message_id": message_id,
        "in_reply_to": None,
        "references": [],
    }
    enqueue(session, outbound.SEND, payload, dedupe_key=f"email:{message_id}")
    remember(session, ticket.id, message_id, [], "outbound")
    record(
        session, SYSTEM, "chat.transcript.email", "chat_visitor", visitor.id, None, {"ticket_id": ticket.id}
    )
    return visitor.email
