"""Chat's plug-ins: agents' public replies reach the visitor's socket; unanswered chats go to email;
the answer bot replies first where a widget has it switched on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpline.chat.bot import BOT_JOB, reply_as_bot
from helpline.chat.models import ChatConversation
from helpline.chat.service import FOLLOWUP_JOB, conversations_of_ticket, follow_up, queue_message
from helpline.core.db import Database
from helpline.outbox.runner import Job, handler
from helpline.tickets.hooks import on_public_reply
from helpline.tickets.models import Message, Ticket


@on_public_reply
def chat_public_reply(session: Session, ticket: Ticket, message: Message) -> None:
    """A public reply on a chat ticket goes to the visitor's open widgets once it commits; if the chat
    already turned into an email follow-up, it goes by email as well."""
    if ticket.channel != "chat":
        return
    from helpline.email import outbound

    queue_message(session, message)
    if message.author_kind != "agent" or not outbound.CONFIG.relay_url:
        return
    for conv in conversations_of_ticket(session, ticket.id):
        if conv.followup_at is not None:
            signature = f"\n\n--\n{message.author_user.name if message.author_user else 'Support'}"
            outbound.queue_email(
                session, ticket, text=message.text + signature, kind="reply", message=message
            )


@handler(FOLLOWUP_JOB)
def chat_unanswered(db: Database, job: Job) -> None:
    with db.transaction() as session:
        conv = session.get(ChatConversation, int(job.payload["conversation_id"]))
        if conv is not None:
            follow_up(session, conv)


@handler(BOT_JOB)
def chat_bot_reply(db: Database, job: Job) -> None:
    with db.transaction() as session:
        reply_as_bot(session, int(job.payload["ticket_id"]), int(job.payload["message_id"]))
