"""Which ticket does an incoming email belong to?

In order: (1) any Message-ID it names in In-Reply-To/References, or its own Message-ID named by a
message that arrived earlier (replies that overtake their parent); (2) a ``[#123]`` ticket reference
in the subject, honoured only when the sender is that ticket's requester or a participant; (3) a
careful fallback: same requester, same normalised subject, still open, active in the last 14 days.
Two different customers' mails are never joined by the fallback.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.core.db import utcnow
from helpline.email.models import EmailReference, TicketParticipant
from helpline.tickets.models import Ticket

_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|doorst|rif|r|tr|enc|res|odp|ynt|atb|vl)\s*(\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
_TAG = re.compile(r"\[#(\d{1,12})\]")
FALLBACK_WINDOW = dt.timedelta(days=14)
MAX_ID = 512


@dataclass
class ThreadMatch:
    ticket: Ticket
    how: str


def normalize_subject(subject: str) -> str:
    """'Re: AW: Fwd: [#12] Parcel  missing' → 'parcel missing'."""
    text = _TAG.sub(" ", subject or "")
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text)
    return " ".join(text.lower().split())


def subject_ticket_id(subject: str) -> int | None:
    match = _TAG.search(subject or "")
    return int(match.group(1)) if match else None


def clean_ids(ids: list[str]) -> list[str]:
    out: list[str] = []
    for raw in ids:
        value = raw.strip().strip("<>").strip()
        if value and value not in out:
            out.append(value[:MAX_ID])
    return out


def _resolve(session: Session, ticket_id: int) -> Ticket | None:
    ticket = session.get(Ticket, ticket_id)
    seen = set()
    while ticket is not None and ticket.merged_into_id is not None and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = session.get(Ticket, ticket.merged_into_id)
    return ticket


def find_ticket(
    session: Session,
    *,
    message_id: str | None,
    references: list[str],
    subject: str,
    requester_id: int | None,
    sender: str | None,
) -> ThreadMatch | None:
    ids = clean_ids(references + ([message_id] if message_id else []))
    if ids:
        ticket_id = session.scalar(
            select(EmailReference.ticket_id)
            .where(EmailReference.message_id.in_(ids))
            .order_by(EmailReference.ticket_id)
            .limit(1)
        )
        if ticket_id is not None and (ticket := _resolve(session, ticket_id)) is not None:
            return ThreadMatch(ticket, "message-id")
    tagged = subject_ticket_id(subject)
    if tagged is not None and (ticket := _resolve(session, tagged)) is not None:
        participant = sender is not None and session.get(TicketParticipant, (ticket.id, sender)) is not None
        if ticket.requester_id == requester_id or participant:
            return ThreadMatch(ticket, "subject-reference")
    normalized = normalize_subject(subject)
    if requester_id is not None and normalized:
        candidates = session.scalars(
            select(Ticket)
            .where(
                Ticket.requester_id == requester_id,
                Ticket.channel == "email",
                Ticket.status.not_in(("closed",)),
                Ticket.merged_into_id.is_(None),
                Ticket.updated_at >= utcnow() - FALLBACK_WINDOW,
            )
            .order_by(Ticket.id.desc())
            .limit(20)
        )
        for ticket in candidates:
            if normalize_subject(ticket.subject) == normalized:
                return ThreadMatch(ticket, "subject-fallback")
    return None


def remember(
    session: Session,
    ticket_id: int,
    own: str | None,
    referenced: list[str],
    kind: str,
    *,
    new_ticket: bool = False,
) -> None:
    """Record Message-IDs against a ticket so later replies (and early children) find it
    (``new_ticket``: the ticket was opened just now, so it has none yet to look up)."""
    wanted = [(i, kind) for i in clean_ids([own] if own else [])]
    wanted += [(i, "referenced") for i in clean_ids(referenced)]
    if not wanted:
        return
    known: set[str] = set()
    if not new_ticket:
        known.update(
            session.scalars(
                select(EmailReference.message_id).where(
                    EmailReference.ticket_id == ticket_id,
                    EmailReference.message_id.in_([i for i, _ in wanted]),
                )
            )
        )
    for message_id, how in wanted:
        if message_id not in known:
            session.add(EmailReference(message_id=message_id, ticket_id=ticket_id, kind=how))
            known.add(message_id)
