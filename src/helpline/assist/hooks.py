"""Connect enrichment to every channel: each inbound customer message queues an ``assist.enrich`` job.

The job is queued in the transaction that stores the message (a new ticket's first message, a reply, a
follow-up of a closed ticket — from email, chat, the portal, the API or a webhook alike), so it
exists exactly when the message does; the runner enriches it after commit, off the request path.
Importing this module registers the hooks and the job handler.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.assist.enrich import enrich_message
from helpline.core.db import Database
from helpline.outbox.runner import Job, handler
from helpline.outbox.service import enqueue
from helpline.tickets.hooks import on_customer_message, on_ticket_created
from helpline.tickets.models import Message, Ticket

log = logging.getLogger(__name__)

ENRICH_JOB = "assist.enrich"


def schedule_enrichment(session: Session, message_id: int) -> None:
    enqueue(session, ENRICH_JOB, {"message_id": message_id}, dedupe_key=f"{ENRICH_JOB}:{message_id}")


@on_customer_message
def enrich_on_customer_message(session: Session, ticket: Ticket, message: Message) -> None:
    schedule_enrichment(session, message.id)


@on_ticket_created
def enrich_on_ticket_created(session: Session, ticket: Ticket) -> None:
    first = session.scalars(
        select(Message.id).where(
            Message.ticket_id == ticket.id, Message.author_kind == "customer", Message.internal.is_(False)
        )
    ).all()
    for message_id in first:
        schedule_enrichment(session, message_id)


@handler(ENRICH_JOB)
def enrich_job(db: Database, job: Job) -> None:
    from helpline.sla.service import refresh_ticket_sla, uses_insights

    with db.transaction() as session:
        insight = enrich_message(session, int(job.payload["message_id"]))
        if insight is not None and uses_insights(session):  # the mood or intent may change the policy
            ticket = session.get(Ticket, insight.ticket_id)
            if ticket is not None:
                refresh_ticket_sla(session, ticket)
