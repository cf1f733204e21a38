"""What a customer may do to their own ticket besides replying: close it, or ask to escalate it.

Narrow on purpose: ``update_ticket`` stays staff-only. The ticket is found through
``visible_tickets(actor)``, so a customer can only act on tickets they requested.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden
from helpline.outbox.service import emit
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.conversation import append_message
from helpline.tickets.hooks import run_ticket_changed_hooks
from helpline.tickets.models import Ticket, TicketTag
from helpline.tickets.search import index_ticket
from helpline.tickets.service import NewMessage, add_event

ESCALATION_TAG = "escalation-requested"
MAX_REASON = 2000


def _own_open_ticket(session: Session, actor: Actor, ticket_id: int) -> Ticket:
    if not actor.is_customer:
        raise Forbidden("this action is for the customer who asked")
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket_id} was merged into ticket {ticket.merged_into_id}")
    return ticket


def close_own_ticket(session: Session, actor: Actor, ticket_id: int) -> Ticket:
    """The requester marks their ticket solved ("my problem is fixed"). A later reply reopens it."""
    ticket = _own_open_ticket(session, actor, ticket_id)
    if ticket.status in ("solved", "closed"):
        return ticket
    old = ticket.status
    now = utcnow()
    ticket.status, ticket.solved_at, ticket.updated_at = "solved", now, now
    add_event(session, ticket, actor, "status_changed", old=old, new="solved", by_customer=True)
    record(
        session, actor, "ticket.close_by_customer", "ticket", ticket.id, {"status": old}, {"status": "solved"}
    )
    emit(session, "ticket.updated", {"ticket_id": ticket.id, "changes": {"status": "solved"}})
    run_ticket_changed_hooks(session, ticket, {"status": old}, {"status": "solved"})
    return ticket


def ask_to_escalate(session: Session, actor: Actor, ticket_id: int, reason: str = "") -> bool:
    """The requester asks for escalation: an event, the ``escalation-requested`` tag and an internal
    note for the team. Asking again while the tag is on the ticket changes nothing (returns False)."""
    ticket = _own_open_ticket(session, actor, ticket_id)
    if ticket.status == "closed":
        raise Conflict("this request is closed; send a new message to open a new one")
    if ESCALATION_TAG in ticket.tags:
        return False
    reason = reason.strip()[:MAX_REASON]
    old_tags = ticket.tags
    ticket.tag_rows.append(TicketTag(tag=ESCALATION_TAG))
    ticket.updated_at = utcnow()
    add_event(session, ticket, actor, "escalation_requested", reason=reason)
    new_tags = sorted([*old_tags, ESCALATION_TAG])
    add_event(session, ticket, actor, "tags_changed", old=old_tags, new=new_tags)
    note = "The customer asked to escalate this request." + (f"\n\nTheir reason: {reason}" if reason else "")
    append_message(session, SYSTEM, ticket, NewMessage(text=note, internal=True))
    record(session, actor, "ticket.escalation_request", "ticket", ticket.id, None, {"reason": reason})
    emit(session, "ticket.escalation_requested", {"ticket_id": ticket.id, "reason": reason})
    run_ticket_changed_hooks(session, ticket, {"tags": old_tags}, {"tags": new_tags})
    session.flush()
    index_ticket(session, ticket.id)
    return True
