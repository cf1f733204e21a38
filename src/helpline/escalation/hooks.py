"""Escalation's ways in from other features, registered on import (``escalation.routes`` imports it).

- A customer's message that asks for escalation ("please escalate", "speak to a manager",
  "Beschwerde" …) opens an escalation request that a lead must answer (``detect_escalation_request``);
  checked on every public customer message, and on the first message of a new ticket.
- An SLA breach of a ticket whose tier lists that target in ``escalate_on_breach`` queues an
  ``escalation.breach`` job that moves the ticket to the next tier in a transaction of its own
  (not inside the SLA refresh that recorded the breach). A clock met by then is not escalated.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.escalation.service import current_tier, escalate_locked, next_tier, request_escalation
from helpline.outbox.runner import Job, handler
from helpline.outbox.service import enqueue
from helpline.sla.checks import on_breach
from helpline.sla.models import SlaTarget
from helpline.tickets.hooks import on_customer_message, on_ticket_created
from helpline.tickets.models import Message, Ticket

BREACH_JOB = "escalation.breach"

# Phrases that ask for a higher level (English, German, French, Spanish, Dutch).
_ASKS = [
    r"escalat(?:e|ion)",
    r"(?:speak|talk|chat)(?: to| with)(?: a| an| your| the)? "
    r"(?:manager|supervisor|superior|team ?lead(?:er)?|boss)",
    r"(?:manager|supervisor) (?:please|now)",
    r"formal complaint",
    r"(?:file|lodge|make|raise) a complaint",
    r"beschwerde\w*",
    r"beschweren",
    r"eskalier\w*",
    r"eskalation",
    r"vorgesetzt\w*",
    r"teamleit\w*",
    r"mit (?:einem|ihrem|dem) (?:manager|chef|verantwortlichen) sprechen",
    r"parler (?:à|a|avec) (?:un|une|le|la|votre) (?:responsable|superviseur|manager|supérieur)",
    r"réclamation",
    r"hablar con (?:un|una|el|la|su) (?:supervisor|gerente|encargad[oa]|responsable)",
    r"queja formal",
    r"klacht indienen",
]
_PATTERN = re.compile(r"\b(?:" + "|".join(_ASKS) + r")\b", re.IGNORECASE)
_NEGATIONS = frozenset(
    [
        "not",
        "don't",
        "dont",
        "no",
        "never",
        "without",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "ne",
        "pas",
        "sin",
        "geen",
        "niet",
    ]
) | {"do not", "no need"}
_WORD = re.compile(r"[\w']+")


def detect_escalation_request(text: str) -> bool:
    """Does this text (what the customer newly wrote) ask for escalation? A phrase preceded closely
    by a negation ("no need to escalate", "keine Beschwerde") does not count."""
    for match in _PATTERN.finditer(text or ""):
        before = _WORD.findall(text[max(0, match.start() - 40) : match.start()].lower())[-4:]
        pairs = {" ".join(before[i : i + 2]) for i in range(len(before) - 1)}
        if _NEGATIONS & (set(before) | pairs):
            continue
        return True
    return False


def _request_from_message(session: Session, ticket: Ticket, message: Message) -> None:
    if message.internal or message.author_kind != "customer":
        return
    if not detect_escalation_request(message.text):
        return
    snippet = " ".join(message.text.split())[:500]
    request_escalation(
        session, SYSTEM, ticket.id, reason=snippet, source=message.channel, message_id=message.id
    )


@on_customer_message
def escalation_on_customer_message(session: Session, ticket: Ticket, message: Message) -> None:
    _request_from_message(session, ticket, message)


@on_ticket_created
def escalation_on_ticket_created(session: Session, ticket: Ticket) -> None:
    first = session.scalars(
        select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id).limit(1)
    ).first()
    if first is not None:
        _request_from_message(session, ticket, first)


@on_breach
def escalation_on_breach(session: Session, ticket: Ticket, target: SlaTarget) -> None:
    tier = current_tier(session, ticket)
    if tier is None or target.kind not in tier.escalate_on_breach or next_tier(session, tier) is None:
        return
    key = f"{BREACH_JOB}:{ticket.id}:{target.kind}:{tier.id}"
    enqueue(
        session,
        BREACH_JOB,
        {"ticket_id": ticket.id, "target": target.kind, "tier_id": tier.id},
        dedupe_key=key,
    )


def escalate_on_breach(session: Session, ticket_id: int, kind: str, tier_id: int) -> bool:
    """The ``escalation.breach`` job's work: escalate if the breach still stands and the ticket is
    still in the tier that breached; returns whether it escalated."""
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None or ticket.merged_into_id is not None or ticket.status in ("solved", "closed"):
        return False
    target = session.scalar(select(SlaTarget).where(SlaTarget.ticket_id == ticket_id, SlaTarget.kind == kind))
    if target is None or target.breached_at is None or target.met_at is not None:
        return False
    tier = current_tier(session, ticket)
    if tier is None or tier.id != tier_id or next_tier(session, tier) is None:
        return False
    due = target.due_at.strftime("%Y-%m-%d %H:%M UTC") if target.due_at else "unknown"
    label = kind.replace("_", " ")
    escalate_locked(
        session,
        SYSTEM,
        ticket,
        note=f"The {label} target was breached (due {due}).",
        tier_id=None,
        reason="sla_breach",
        request=None,
    )
    return True


@handler(BREACH_JOB)
def breach_job(db: Database, job: Job) -> None:
    with db.transaction() as session:
        escalate_on_breach(
            session, int(job.payload["ticket_id"]), str(job.payload["target"]), int(job.payload["tier_id"])
        )
