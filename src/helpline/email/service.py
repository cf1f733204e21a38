"""The inbound pipeline: store the raw message durably, then parse, thread and acknowledge it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.audit.service import record
from helpline.core.actor import SYSTEM
from helpline.core.db import Database, utcnow
from helpline.core.errors import DomainError
from helpline.customers.models import Customer, CustomerIdentity
from helpline.customers.service import find_by_identity, identify_or_create
from helpline.email.acknowledge import render_acknowledgement
from helpline.email.models import InboundEmail, Mailbox, TicketParticipant
from helpline.email.outbound import CONFIG, queue_email
from helpline.email.parse import ParsedEmail, parse_message
from helpline.email.quotes import split_reply
from helpline.email.threading import clean_ids, find_ticket, remember
from helpline.outbox.runner import Job, handler
from helpline.outbox.service import enqueue
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Message, Ticket
from helpline.tickets.service import NewAttachment, NewMessage, add_event, create_ticket

log = logging.getLogger(__name__)
INGEST = "email.ingest"
ACK_LIMIT_PER_HOUR = 10
UNKNOWN_SENDER = "unknown-email-sender"


def _dedupe_key(raw: bytes) -> tuple[str, str | None]:
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:65536])
        message_id = clean_ids([str(headers.get("Message-ID") or "")])
    except Exception:  # any header junk: fall back to the content hash
        message_id = []
    if message_id:
        return "mid:" + hashlib.sha256(message_id[0].encode()).hexdigest(), message_id[0]
    return "sha:" + hashlib.sha256(raw).hexdigest(), None


def receive_email(
    db: Database, raw: bytes, *, source: str, envelope_from: str = "", envelope_to: list[str] | None = None
) -> tuple[int, bool]:
    """Store ``raw`` once (by Message-ID, else content hash); returns (inbound id, newly stored).

    When this returns, the message is committed: the SMTP server answers 250 only after it.
    """
    key, message_id = _dedupe_key(raw)
    with db.transaction() as session:
        existing = session.scalar(select(InboundEmail.id).where(InboundEmail.dedupe_key == key))
        if existing is not None:
            return existing, False
        try:
            with session.begin_nested():
                row = InboundEmail(
                    dedupe_key=key,
                    message_id=message_id,
                    source=source,
                    envelope_from=envelope_from[:512],
                    envelope_to=[a.lower() for a in envelope_to or []],
                    raw=raw,
                    size=len(raw),
                )
                session.add(row)
                session.flush()
        except IntegrityError:  # another process stored it a moment ago
            found = session.scalar(select(InboundEmail.id).where(InboundEmail.dedupe_key == key))
            assert found is not None
            return found, False
        enqueue(session, INGEST, {"inbound_id": row.id}, dedupe_key=f"ingest:{row.id}")
        return row.id, True


def _mailbox(session: Session, addresses: list[str]) -> Mailbox | None:
    wanted = [a.lower() for a in addresses if a]
    if wanted:
        found = session.scalar(select(Mailbox).where(Mailbox.address.in_(wanted), Mailbox.active.is_(True)))
        if found is not None:
            return found
    return session.scalar(select(Mailbox).where(Mailbox.active.is_(True)).order_by(Mailbox.id))


def _requester(session: Session, parsed: ParsedEmail) -> Customer:
    if parsed.from_address:
        try:
            return identify_or_create(session, SYSTEM, "email", parsed.from_address, parsed.from_name or "")
        except DomainError:
            pass
    found = find_by_identity(session, "chat", UNKNOWN_SENDER)
    return found or identify_or_create(session, SYSTEM, "chat", UNKNOWN_SENDER, "Unknown sender")


def _meta(parsed: ParsedEmail, inbound: InboundEmail) -> dict[str, Any]:
    return {
        "direction": "inbound",
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "from": parsed.from_address,
        "to": [a for _, a in parsed.to],
        "cc": [a for _, a in parsed.cc],
        "subject": parsed.subject,
        "date": parsed.date.isoformat() if parsed.date else None,
        "html": parsed.html,
        "inbound_email_id": inbound.id,
        "auto_reply": parsed.is_auto_reply,
        "list": parsed.is_list_mail,
        "defects": parsed.defects[:20],
    }


def _handle_bounce(session: Session, parsed: ParsedEmail, inbound: InboundEmail) -> None:
    for address in parsed.bounce_recipients:
        ident = session.scalar(
            select(CustomerIdentity).where(
                CustomerIdentity.kind == "email", CustomerIdentity.value == address
            )
        )
        if ident is not None and ident.bounced_at is None:
            ident.bounced_at = utcnow()
            record(
                session,
                SYSTEM,
                "customer.email_bounced",
                "customer",
                ident.customer_id,
                None,
                {"address": address},
            )
    match = find_ticket(
        session,
        message_id=None,
        references=parsed.in_reply_to + parsed.references,
        subject="",
        requester_id=None,
        sender=None,
    )
    if match is not None:
        failed = ", ".join(parsed.bounce_recipients) or "the recipient"
        add_event(session, match.ticket, SYSTEM, "email_bounced", recipients=parsed.bounce_recipients)
        add_message(
            session,
            SYSTEM,
            match.ticket.id,
            NewMessage(
                text=f"Our email to {failed} bounced; check the address.", internal=True, channel="email"
            ),
        )
        inbound.ticket_id = match.ticket.id
    inbound.status = "bounce"


def _sent_recently(session: Session, customer_id: int) -> int:
    since = utcnow() - dt.timedelta(hours=1)
    return (
        session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.author_customer_id == customer_id,
                Message.channel == "email",
                Message.created_at >= since,
            )
        )
        or 0
    )


def process_inbound(session: Session, inbound_id: int) -> None:
    inbound = session.get(InboundEmail, inbound_id)
    if inbound is None or inbound.status != "stored":
        return  # already handled: processing is idempotent
    parsed = parse_message(inbound.raw)
    inbound.processed_at = utcnow()
    if parsed.is_bounce:
        _handle_bounce(session, parsed, inbound)
        return
    mailbox = _mailbox(session, inbound.envelope_to + [a for _, a in parsed.to + parsed.cc])
    inbound.mailbox_id = mailbox.id if mailbox else None
    requester = _requester(session, parsed)
    reply = split_reply(parsed.text or "")
    text = reply.new_text.strip() or (parsed.text or "").strip() or "(this email had no readable text)"
    message = NewMessage(
        text=text,
        full_text=parsed.text or text,
        channel="email",
        meta=_meta(parsed, inbound),
        attachments=[NewAttachment(a.filename, a.content_type, a.data) for a in parsed.attachments],
    )
    match = find_ticket(
        session,
        message_id=parsed.message_id,
        references=parsed.in_reply_to + parsed.references,
        subject=parsed.subject or "",
        requester_id=requester.id,
        sender=parsed.from_address,
    )
    recent = _sent_recently(session, requester.id)
    if match is not None:
        row = add_message(session, SYSTEM, match.ticket.id, message, on_behalf_of=requester)
        ticket = session.get(Ticket, row.ticket_id)
        assert ticket is not None
        is_new = ticket.id != match.ticket.id  # a follow-up to a closed ticket
    else:
        ticket = create_ticket(
            session,
            SYSTEM,
            subject=parsed.subject or "(no subject)",
            requester=requester,
            message=message,
            channel="email",
            team_id=mailbox.team_id if mailbox else None,
        )
        first = session.scalars(
            select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
        ).first()
        assert first is not None
        row = first
        is_new = True
    remember(session, ticket.id, parsed.message_id, parsed.in_reply_to + parsed.references, "inbound")
    ours = {mailbox.address} if mailbox else set()
    copied = [(n, a) for n, a in parsed.cc + parsed.to if a and a not in ours and a != parsed.from_address]
    if match is not None and match.ticket.requester_id != requester.id and parsed.from_address:
        copied.append((parsed.from_name or "", parsed.from_address))  # a Cc'd person who replied
    for name, address in dict((a, (n, a)) for n, a in copied).values():
        if session.get(TicketParticipant, (ticket.id, address)) is None:
            session.add(TicketParticipant(ticket_id=ticket.id, address=address, name=name or ""))
    inbound.status, inbound.ticket_id, inbound.message_row_id = "processed", ticket.id, row.id
    quiet = parsed.is_auto_reply or parsed.is_list_mail or not parsed.from_address
    if is_new and not quiet and (mailbox is None or mailbox.auto_acknowledge) and CONFIG.relay_url:
        if recent >= ACK_LIMIT_PER_HOUR:
            inbound.note = "no acknowledgement: sender over the hourly limit"
            return
        team = mailbox.name if mailbox and mailbox.name else "Support"
        subject, body = render_acknowledgement(ticket, requester.language, team)
        queue_email(session, ticket, text=body, kind="acknowledgement", subject=subject)
    elif quiet:
        inbound.note = "no acknowledgement: automatic, list or sender-less mail"


def _keep_unreadable(session: Session, inbound_id: int, error: Exception) -> None:
    """Processing failed in a way we did not foresee: still make a ticket, with the raw original."""
    inbound = session.get(InboundEmail, inbound_id)
    if inbound is None or inbound.status != "stored":
        return
    requester = identify_or_create(session, SYSTEM, "chat", UNKNOWN_SENDER, "Unknown sender")
    note = f"Helpline could not read this email ({type(error).__name__}); the original is attached."
    ticket = create_ticket(
        session,
        SYSTEM,
        subject="(unreadable email)",
        requester=requester,
        channel="email",
        message=NewMessage(
            text=note,
            channel="email",
            meta={"direction": "inbound", "inbound_email_id": inbound.id},
            attachments=[NewAttachment("original.eml", "message/rfc822", inbound.raw)],
        ),
    )
    inbound.status, inbound.ticket_id, inbound.note = "processed", ticket.id, f"unreadable: {error}"[:500]


@handler(INGEST)
def ingest_job(db: Database, job: Job) -> None:
    inbound_id = int(job.payload["inbound_id"])
    try:
        with db.transaction() as session:
            process_inbound(session, inbound_id)
    except Exception as error:
        log.exception(
            "inbound email %s could not be processed; keeping it as an unreadable ticket", inbound_id
        )
        with db.transaction() as session:
            _keep_unreadable(session, inbound_id, error)
