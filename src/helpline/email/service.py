"""The inbound pipeline: store the raw message durably, then parse, thread and acknowledge it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

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
from helpline.outbox.runner import Job, batch_handler, handler
from helpline.outbox.service import enqueue
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Message, Ticket
from helpline.tickets.service import NewAttachment, NewMessage, add_event, create_ticket, open_ticket

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


def _new_row(
    raw: bytes, key: str, message_id: str | None, source: str, sender: str, to: list[str]
) -> InboundEmail:
    return InboundEmail(
        dedupe_key=key,
        message_id=message_id,
        source=source,
        envelope_from=sender[:512],
        envelope_to=[a.lower() for a in to],
        raw=raw,
        size=len(raw),
    )


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
                row = _new_row(raw, key, message_id, source, envelope_from, envelope_to or [])
                session.add(row)
                session.flush()
        except IntegrityError:  # another process stored it a moment ago
            found = session.scalar(select(InboundEmail.id).where(InboundEmail.dedupe_key == key))
            assert found is not None
            return found, False
        enqueue(session, INGEST, {"inbound_id": row.id}, dedupe_key=f"ingest:{row.id}")
        return row.id, True


@dataclass(frozen=True)
class Incoming:
    raw: bytes
    envelope_from: str = ""
    envelope_to: list[str] = field(default_factory=list)


def receive_many(db: Database, batch: Sequence[Incoming], *, source: str) -> list[tuple[int, bool]]:
    """``receive_email`` for many messages in one transaction (the SMTP server's group commit):
    one result per message, in order. Raises if the transaction fails, e.g. when another process
    stored one of the messages in the meantime; the caller then stores them one by one."""
    keyed = [(*_dedupe_key(item.raw), item) for item in batch]
    with db.transaction() as session:
        wanted = sorted({key for key, _, _ in keyed})
        known: dict[str, int] = dict(
            session.execute(
                select(InboundEmail.dedupe_key, InboundEmail.id).where(InboundEmail.dedupe_key.in_(wanted))
            ).all()
        )
        fresh: dict[str, InboundEmail] = {}
        for key, message_id, item in keyed:
            if key not in known and key not in fresh:
                row = _new_row(item.raw, key, message_id, source, item.envelope_from, item.envelope_to)
                fresh[key] = row
        session.add_all(fresh.values())
        session.flush()
        for row in fresh.values():
            enqueue(session, INGEST, {"inbound_id": row.id}, dedupe_key=f"ingest:{row.id}")
    ids = {**known, **{key: row.id for key, row in fresh.items()}}
    out: list[tuple[int, bool]] = []
    for key, _, _ in keyed:
        out.append((ids[key], key in fresh))
        fresh.pop(key, None)  # a second copy in the same batch is a duplicate, not new
    return out


def _mailbox(session: Session, addresses: list[str], active: list[Mailbox] | None = None) -> Mailbox | None:
    """The active mailbox the mail was sent to, else the first one; ``active`` is a batch's cache."""
    wanted = {a.lower() for a in addresses if a}
    if active is None:
        active = list(session.scalars(select(Mailbox).where(Mailbox.active.is_(True)).order_by(Mailbox.id)))
    return next((m for m in active if m.address in wanted), active[0] if active else None)


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


def process_inbound(session: Session, inbound_id: int, mailboxes: list[Mailbox] | None = None) -> None:
    inbound = session.get(InboundEmail, inbound_id)
    if inbound is None or inbound.status != "stored":
        return  # already handled: processing is idempotent
    parsed = parse_message(inbound.raw)
    if parsed.is_bounce:
        inbound.processed_at = utcnow()
        _handle_bounce(session, parsed, inbound)
        return
    mailbox = _mailbox(session, inbound.envelope_to + [a for _, a in parsed.to + parsed.cc], mailboxes)
    # Known before the ticket is made: its hooks read it (the answer bot answers only for mailboxes
    # that have it switched on, kb/email_bot.py).
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
        ticket, row = open_ticket(
            session,
            SYSTEM,
            subject=parsed.subject or "(no subject)",
            requester=requester,
            message=message,
            channel="email",
            team_id=mailbox.team_id if mailbox else None,
        )
        is_new = True
    ours = {mailbox.address} if mailbox else set()
    copied = [(n, a) for n, a in parsed.cc + parsed.to if a and a not in ours and a != parsed.from_address]
    if match is not None and match.ticket.requester_id != requester.id and parsed.from_address:
        copied.append((parsed.from_name or "", parsed.from_address))  # a Cc'd person who replied
    participants = dict((a, (n, a)) for n, a in copied)

    def record_thread() -> None:
        references = parsed.in_reply_to + parsed.references
        remember(session, ticket.id, parsed.message_id, references, "inbound", new_ticket=match is None)
        for name, address in participants.values():
            # a ticket made just now has no participants to look up yet
            if match is None or session.get(TicketParticipant, (ticket.id, address)) is None:
                session.add(TicketParticipant(ticket_id=ticket.id, address=address, name=name or ""))

    # A ticket opened just now: the acknowledgement is given its participants and Message-ID, and
    # they are written after it, in one flush with it. Otherwise they are written first, so the
    # acknowledgement of a follow-up finds them.
    if match is not None:
        record_thread()
    quiet = parsed.is_auto_reply or parsed.is_list_mail or not parsed.from_address
    if is_new and not quiet and (mailbox is None or mailbox.auto_acknowledge) and CONFIG.relay_url:
        if recent >= ACK_LIMIT_PER_HOUR:
            inbound.note = "no acknowledgement: sender over the hourly limit"
        else:
            team = mailbox.name if mailbox and mailbox.name else "Support"
            subject, body = render_acknowledgement(ticket, requester.language, team)
            known = (list(participants), parsed.message_id) if match is None else None
            queue_email(session, ticket, text=body, kind="acknowledgement", subject=subject, known=known)
    elif quiet:
        inbound.note = "no acknowledgement: automatic, list or sender-less mail"
    if match is None:
        record_thread()
    # all of the row's changes at once: one UPDATE
    inbound.status, inbound.ticket_id, inbound.message_row_id = "processed", ticket.id, row.id
    inbound.processed_at = utcnow()


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


class _Accepting:
    """Counts SMTP group commits under way in this process. Ingest ends its transaction early while
    one waits and lets it go first: on SQLite both need the single write lock, and a writer that
    sleeps in SQLite's busy handler would otherwise lose it again and again to the next chunk."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.waiting = 0

    @contextmanager
    def storing(self) -> Iterator[None]:
        with self.changed:
            self.waiting += 1
        try:
            yield
        finally:
            with self.changed:
                self.waiting -= 1
                self.changed.notify_all()

    def wait_until_stored(self, timeout: float = 1.0) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.waiting == 0, timeout)


ACCEPTING = _Accepting()

# One transaction holds SQLite's write lock, which the SMTP server needs to accept mail: commit
# after this many messages or this much time, whichever comes first, or when mail is waiting.
CHUNK_MESSAGES = 25
CHUNK_SECONDS = 0.25


def _ingest_chunk(db: Database, jobs: Sequence[Job]) -> int:
    """Process jobs in one transaction until the chunk is full; returns how many it committed."""
    ids = [int(job.payload["inbound_id"]) for job in jobs[:CHUNK_MESSAGES]]
    started = time.monotonic()
    done = 0
    with db.transaction() as session:
        # Into the identity map, raw bytes included: one query for the chunk. The session holds
        # loaded rows only weakly, so keep them referenced until the chunk is done.
        rows = session.scalars(
            select(InboundEmail).where(InboundEmail.id.in_(ids)).options(undefer(InboundEmail.raw))
        ).all()
        boxes = list(session.scalars(select(Mailbox).where(Mailbox.active.is_(True)).order_by(Mailbox.id)))
        for inbound_id in ids:
            process_inbound(session, inbound_id, boxes)
            done += 1
            if ACCEPTING.waiting or time.monotonic() - started > CHUNK_SECONDS:
                break
    del rows
    return done


@batch_handler(INGEST)
def ingest_jobs(db: Database, jobs: Sequence[Job]) -> list[BaseException | None]:
    """Process inbound emails in chunks of one transaction each, with one look-up of the mailboxes
    per chunk. If a chunk fails, its messages are processed one by one, so a poison message (which
    becomes an unreadable ticket) costs its chunk-mates nothing but the retry."""
    outcomes: list[BaseException | None] = []
    while len(outcomes) < len(jobs):
        ACCEPTING.wait_until_stored()
        rest = jobs[len(outcomes) :]
        try:
            outcomes += [None] * _ingest_chunk(db, rest)
        except Exception as error:
            chunk = rest[:CHUNK_MESSAGES]
            log.warning("a chunk of %s inbound emails failed (%s); one by one now", len(chunk), error)
            for job in chunk:
                try:
                    ingest_job(db, job)
                except Exception as single_error:
                    outcomes.append(single_error)
                else:
                    outcomes.append(None)
    return outcomes
