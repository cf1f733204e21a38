"""Reading insights: a ticket's moods, the "angry customers waiting" view, a customer's trend.

Every query is scoped by ``visible_tickets(actor)`` in SQL, so an agent never learns about the mood
of a ticket they cannot open.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from helpline.assist.models import MessageInsight, TicketInsight
from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.core.errors import Forbidden
from helpline.customers.service import get_customer
from helpline.tickets.access import get_visible_ticket, visible_tickets
from helpline.tickets.conversation import conversation_ids
from helpline.tickets.models import Ticket

WAITING_STATUSES = ("new", "open")


def _staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden("insights are for agents and admins")


def ticket_insights(
    session: Session, actor: Actor, ticket_id: int
) -> tuple[TicketInsight | None, list[MessageInsight]]:
    """The ticket's rollup and each enriched message of its conversation (merged tickets included)."""
    _staff(actor)
    get_visible_ticket(session, actor, ticket_id)
    rollup = session.get(TicketInsight, ticket_id)
    rows = session.scalars(
        select(MessageInsight)
        .where(MessageInsight.ticket_id.in_(conversation_ids(ticket_id)))
        .order_by(MessageInsight.message_id)
    ).all()
    return rollup, list(rows)


def frustrated_waiting(
    session: Session, actor: Actor, *, limit: int = 50
) -> list[tuple[Ticket, TicketInsight]]:
    """Open tickets whose latest customer message was angry or frustrated and has no answer yet,
    longest waiting first."""
    _staff(actor)
    stmt = (
        select(Ticket, TicketInsight)
        .join(TicketInsight, TicketInsight.ticket_id == Ticket.id)
        .where(
            TicketInsight.frustrated.is_(True),
            Ticket.status.in_(WAITING_STATUSES),
            Ticket.merged_into_id.is_(None),
            awaiting_our_reply(),
            visible_tickets(actor),
        )
        .order_by(Ticket.last_customer_message_at, Ticket.id)
        .limit(limit)
    )
    return [(ticket, insight) for ticket, insight in session.execute(stmt).all()]


def frustrated_tickets() -> Select[int]:
    """Ids of tickets whose latest customer message was angry or frustrated (for views and filters)."""
    return select(TicketInsight.ticket_id).where(TicketInsight.frustrated.is_(True))


def awaiting_our_reply() -> ColumnElement[bool]:
    """The customer wrote last: no agent reply yet, or only older ones."""
    return and_(
        Ticket.last_customer_message_at.is_not(None),
        (Ticket.last_agent_reply_at.is_(None))
        | (Ticket.last_agent_reply_at < Ticket.last_customer_message_at),
    )


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    average: float
    messages: int
    negative: int


def sentiment_trend(session: Session, actor: Actor, customer_id: int, *, days: int = 90) -> list[TrendPoint]:
    """Average sentiment score per UTC day of the customer's messages on tickets the actor can see."""
    _staff(actor)
    get_customer(session, actor, customer_id)
    since = utcnow() - dt.timedelta(days=days)
    rows = session.execute(
        select(MessageInsight.created_at, MessageInsight.sentiment_score, MessageInsight.sentiment)
        .join(Ticket, Ticket.id == MessageInsight.ticket_id)
        .where(
            MessageInsight.customer_id == customer_id,
            MessageInsight.created_at >= since,
            visible_tickets(actor),
        )
        .order_by(MessageInsight.created_at)
    ).all()
    by_day: dict[dt.date, list[tuple[float, str]]] = defaultdict(list)
    for created_at, score, label in rows:
        by_day[created_at.astimezone(dt.UTC).date()].append((float(score), label))
    return [
        TrendPoint(
            day=day,
            average=round(sum(s for s, _ in items) / len(items), 4),
            messages=len(items),
            negative=sum(1 for _, label in items if label == "negative"),
        )
        for day, items in sorted(by_day.items())
    ]
