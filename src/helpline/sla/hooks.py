"""Connect the SLA clocks to the ticket lifecycle (imported for its side effect by ``sla.routes``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from helpline.sla.service import PAUSED, STOPPED, refresh_ticket_sla
from helpline.tickets.hooks import on_customer_message, on_public_reply, on_ticket_changed, on_ticket_created
from helpline.tickets.models import Message, Ticket

# Fields whose change can select another policy or calendar, or pause/resume the clocks.
WATCHED = frozenset({"status", "priority", "team_id", "tags", "channel"})


@on_ticket_created
def sla_on_created(session: Session, ticket: Ticket) -> None:
    refresh_ticket_sla(session, ticket, ticket.created_at)


def _still_running(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """A status change between two running statuses (``new`` to ``open`` when a ticket is
    assigned) pauses nothing and selects no other policy: the clocks stay as they are."""
    halted = PAUSED | STOPPED
    return old["status"] not in halted and new["status"] not in halted


@on_ticket_changed
def sla_on_changed(session: Session, ticket: Ticket, old: dict[str, Any], new: dict[str, Any]) -> None:
    changed = WATCHED & set(new)
    if changed == {"status"} and _still_running(old, new):
        return
    if changed:
        refresh_ticket_sla(session, ticket)


@on_public_reply
def sla_on_public_reply(session: Session, ticket: Ticket, message: Message) -> None:
    if message.author_kind == "agent":
        refresh_ticket_sla(session, ticket, message.created_at, agent_replied=True)


@on_customer_message
def sla_on_customer_message(session: Session, ticket: Ticket, message: Message) -> None:
    refresh_ticket_sla(session, ticket, message.created_at, customer_wrote=True)
