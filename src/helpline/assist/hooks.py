"""Connect enrichment to every channel: each inbound customer message queues an ``assist.enrich`` job.

The job is queued in the transaction that stores the message (a new ticket's first message, a reply, a
follow-up of a closed ticket — from email, chat, the portal, the API or a webhook alike), so it
exists exactly when the message does; the runner enriches it after commit, off the request path.
Importing this module registers the hooks and the job handler.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.assist import retrain as _retrain  # noqa: F401  (retrain intents when labels change)
from helpline.assist.enrich import enrich_message, enrich_texts, workspace_languages
from helpline.assist.models import AssistSettings, MessageInsight
from helpline.core.db import Database
from helpline.outbox.runner import Job, batch_handler, handler
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


def _refresh_policies(session: Session, insights: Sequence[MessageInsight | None]) -> None:
    """A ticket's mood or intent may choose another SLA policy (when a policy looks at them)."""
    from helpline.sla.service import refresh_ticket_sla, uses_insights

    ticket_ids = sorted({i.ticket_id for i in insights if i is not None})
    if not ticket_ids or not uses_insights(session):
        return
    for ticket_id in ticket_ids:
        ticket = session.get(Ticket, ticket_id)
        if ticket is not None:
            refresh_ticket_sla(session, ticket)


@handler(ENRICH_JOB, background=True)
def enrich_job(db: Database, job: Job) -> None:
    with db.transaction() as session:
        insight = enrich_message(session, int(job.payload["message_id"]))
        _refresh_policies(session, [insight])


@batch_handler(ENRICH_JOB)
def enrich_jobs(db: Database, jobs: Sequence[Job]) -> list[BaseException | None]:
    """Many messages: the models run once over all their texts, before the write transaction (so
    the database's write lock is not held while they think), then one transaction stores them."""
    ids = [int(job.payload["message_id"]) for job in jobs]
    with db.read_sessions() as session:
        settings = session.get(AssistSettings, 1)
        if settings is not None and not settings.enrich:
            return [None] * len(jobs)
        texts = {
            row.id: row.text or row.full_text
            for row in session.execute(
                select(Message.id, Message.text, Message.full_text).where(
                    Message.id.in_(ids), Message.author_kind == "customer", Message.internal.is_(False)
                )
            )
        }
        languages = workspace_languages(session)
    wanted = [i for i in ids if i in texts]
    found = dict(zip(wanted, enrich_texts([texts[i] for i in wanted], languages), strict=True))
    with db.transaction() as session:
        stored = [enrich_message(session, message_id, found[message_id]) for message_id in wanted]
        _refresh_policies(session, stored)
    return [None] * len(jobs)
