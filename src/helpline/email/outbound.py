"""Outbound email: replies and acknowledgements queued in the outbox, sent through an SMTP relay.

Every message we send carries our own Message-ID (remembered against the ticket so the customer's
reply threads back), In-Reply-To/References pointing at the customer's last message, a Reply-To that
routes to the mailbox, and the ticket reference ``[#id]`` in the subject.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from helpline.core.actor import SYSTEM
from helpline.core.db import Database, utcnow
from helpline.email.models import EmailReference, Mailbox, TicketParticipant
from helpline.email.threading import normalize_subject
from helpline.outbox.runner import Job, PermanentError, batch_handler, handler
from helpline.outbox.service import enqueue
from helpline.tickets.hooks import on_public_reply
from helpline.tickets.models import Message, Ticket

log = logging.getLogger(__name__)

SEND = "email.send"
DEFAULT_FROM = "support@helpline.localhost"


@dataclass
class OutboundConfig:
    relay_url: str = ""
    default_from: str = DEFAULT_FROM
    domain: str = "helpline.localhost"


CONFIG = OutboundConfig()


def configure(relay_url: str, default_from: str | None = None) -> None:
    CONFIG.relay_url = relay_url
    if default_from:
        CONFIG.default_from = default_from
        CONFIG.domain = default_from.rpartition("@")[2] or CONFIG.domain


def new_message_id() -> str:
    return f"hl.{utcnow():%Y%m%d%H%M%S}.{secrets.token_hex(8)}@{CONFIG.domain}"


MAILBOXES = "helpline.active_mailboxes"


@event.listens_for(Session, "after_transaction_end")
def _forget_mailboxes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(MAILBOXES, None)


def _mailbox_for(session: Session, ticket: Ticket) -> Mailbox | None:
    """The first active mailbox of the ticket's team, else the first active one (looked up once
    per transaction: a batch of acknowledgements asks for it again and again)."""
    active: list[Mailbox] | None = session.info.get(MAILBOXES)
    if active is None:
        active = list(session.scalars(select(Mailbox).where(Mailbox.active.is_(True)).order_by(Mailbox.id)))
        session.info[MAILBOXES] = active
    same_team = [m for m in active if ticket.team_id is not None and m.team_id == ticket.team_id]
    candidates = same_team or active
    return candidates[0] if candidates else None


def _thread_headers(session: Session, ticket: Ticket) -> tuple[str | None, list[str]]:
    """The customer's last Message-ID and the References chain of the ticket's email thread."""
    metas = session.scalars(
        select(Message.meta)
        .where(Message.ticket_id == ticket.id, Message.internal.is_(False))
        .order_by(Message.id)
    ).all()
    chain: list[str] = []
    last_inbound = None
    for meta in metas:
        mid = (meta or {}).get("message_id")
        if mid and mid not in chain:
            chain.append(mid)
            if (meta or {}).get("direction") == "inbound":
                last_inbound = mid
    return last_inbound or (chain[-1] if chain else None), chain[-20:]


def queue_email(
    session: Session,
    ticket: Ticket,
    *,
    text: str,
    kind: str,
    message: Message | None = None,
    subject: str | None = None,
    known: tuple[list[str], str | None] | None = None,
) -> str | None:
    """Queue one email about ``ticket`` to its requester (and its Cc participants). ``known`` is
    (participants, the Message-ID of the only message) when the caller has just opened the ticket
    from an email and knows both, so they are not read back."""
    to = ticket.requester.primary_email if ticket.requester else None
    if not to:
        return None
    mailbox = _mailbox_for(session, ticket)
    sender = mailbox.address if mailbox else CONFIG.default_from
    sender_name = mailbox.name if mailbox and mailbox.name else "Support"
    if known is None:
        copied = list(
            session.scalars(select(TicketParticipant.address).where(TicketParticipant.ticket_id == ticket.id))
        )
        in_reply_to, references = _thread_headers(session, ticket)
    else:
        copied, in_reply_to = known
        references = [in_reply_to] if in_reply_to else []
    cc = [address for address in copied if address not in (to, sender)]
    message_id = new_message_id()
    base = normalize_subject(ticket.subject) and ticket.subject
    subject = subject or f"Re: {base} [#{ticket.id}]"
    payload: dict[str, Any] = {
        "ticket_id": ticket.id,
        "message_row_id": message.id if message else None,
        "kind": kind,
        "from": formataddr((sender_name, sender)),
        "reply_to": sender,
        "to": [to],
        "cc": cc,
        "subject": subject,
        "text": text,
        "message_id": message_id,
        "in_reply_to": in_reply_to,
        "references": references,
    }
    enqueue(session, SEND, payload, dedupe_key=f"email:{message_id}")
    session.add(EmailReference(message_id=message_id, ticket_id=ticket.id, kind="outbound"))  # fresh id
    if message is not None:
        message.meta = {
            **(message.meta or {}),
            "message_id": message_id,
            "direction": "outbound",
            "to": [to],
            "cc": cc,
            "delivery": "queued",
        }
    return message_id


def queue_notice(session: Session, *, to: str, subject: str, text: str) -> str:
    """Queue an email that belongs to no ticket (say, a portal sign-in link), from the first active
    mailbox; it is sent by the outbox after the caller's transaction commits."""
    mailbox = session.scalar(select(Mailbox).where(Mailbox.active.is_(True)).order_by(Mailbox.id))
    sender = mailbox.address if mailbox else CONFIG.default_from
    sender_name = mailbox.name if mailbox and mailbox.name else "Support"
    message_id = new_message_id()
    payload: dict[str, Any] = {
        "ticket_id": None,
        "message_row_id": None,
        "kind": "notice",
        "from": formataddr((sender_name, sender)),
        "reply_to": sender,
        "to": [to],
        "cc": [],
        "subject": subject,
        "text": text,
        "message_id": message_id,
        "in_reply_to": None,
        "references": [],
    }
    enqueue(session, SEND, payload, dedupe_key=f"email:{message_id}")
    return message_id


@on_public_reply
def email_public_reply(session: Session, ticket: Ticket, message: Message) -> None:
    """An agent's public reply on an email ticket goes out by email."""
    if ticket.channel != "email" or message.channel not in ("email", "api", "web"):
        return
    if not CONFIG.relay_url:
        message.meta = {**(message.meta or {}), "delivery": "not sent: no outbound relay configured"}
        return
    signature = f"\n\n--\n{message.author_user.name if message.author_user else 'Support'}"
    queue_email(session, ticket, text=message.text + signature, kind="reply", message=message)


class _Mime(EmailMessage):
    """Headers that are short printable ASCII go in as they are: parsing each through the header
    registry cost ~0.1 ms a header, most of building an acknowledgement. Anything else (non-ASCII,
    encoded-word look-alikes, long or multi-line values) takes the registry's path, which encodes,
    folds and refuses CR/LF."""

    def __setitem__(self, name: str, val: Any) -> None:
        if (
            isinstance(val, str)
            and val.isascii()
            and val.isprintable()
            and "=?" not in val
            and len(name) + len(val) < 76
            and name not in self
        ):
            self.set_raw(name, val)
        else:
            super().__setitem__(name, val)


def build_mime(payload: dict[str, Any]) -> EmailMessage:
    mime = _Mime()
    mime["From"] = payload["from"]
    mime["To"] = ", ".join(payload["to"])
    if payload.get("cc"):
        mime["Cc"] = ", ".join(payload["cc"])
    mime["Reply-To"] = payload["reply_to"]
    mime["Subject"] = payload["subject"]
    mime["Date"] = format_datetime(utcnow())
    mime["Message-ID"] = f"<{payload['message_id']}>"
    if payload.get("in_reply_to"):
        mime["In-Reply-To"] = f"<{payload['in_reply_to']}>"
    if payload.get("references"):
        mime["References"] = " ".join(f"<{r}>" for r in payload["references"])
    if payload.get("kind") in ("acknowledgement", "bot_answer"):
        mime["Auto-Submitted"] = "auto-replied"
        mime["X-Auto-Response-Suppress"] = "All"
    if payload.get("kind") == "notice":
        mime["Auto-Submitted"] = "auto-generated"
    if payload.get("ticket_id") is not None:
        mime["X-Helpline-Ticket"] = str(payload["ticket_id"])
    mime.set_content(payload["text"])
    return mime


_TLS: list[ssl.SSLContext] = []


def _tls() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the system CAs costs ~50-100 ms each time."""
    if not _TLS:
        _TLS.append(ssl.create_default_context())
    return _TLS[0]


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=30, context=_tls())
    elif parts.scheme in ("smtp", "smtp+starttls"):
        client = smtplib.SMTP(
            host, parts.port or (587 if parts.scheme == "smtp+starttls" else 25), timeout=30
        )
        if parts.scheme == "smtp+starttls":
            client.starttls(context=_tls())
    else:
        raise PermanentError(f"HELPLINE_SMTP_RELAY_URL has an unknown scheme {parts.scheme!r}")
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


def _record_failure(db: Database, payload: dict[str, Any], reason: str) -> None:
    from helpline.tickets.conversation import add_message
    from helpline.tickets.service import NewMessage, add_event

    if payload.get("ticket_id") is None:
        return  # a notice about no ticket (a portal sign-in link): the outbox keeps the failure
    with db.transaction() as session:
        ticket = session.get(Ticket, payload["ticket_id"])
        if ticket is None:
            return
        add_event(session, ticket, SYSTEM, "email_failed", to=payload["to"], reason=reason[:500])
        note = f"Email to {', '.join(payload['to'])} could not be delivered: {reason}"
        add_message(session, SYSTEM, ticket.id, NewMessage(text=note, internal=True, channel="email"))
        if payload.get("message_row_id"):
            row = session.get(Message, payload["message_row_id"])
            if row is not None:
                row.meta = {**(row.meta or {}), "delivery": f"failed: {reason[:200]}"}


def _said(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _send_over(db: Database, client: smtplib.SMTP, payload: dict[str, Any]) -> None:
    """Hand one queued email to an open relay connection; PermanentError when it will never go."""
    mime = build_mime(payload)
    recipients = list(payload["to"]) + list(payload.get("cc") or [])
    try:
        refused = client.send_message(mime, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as error:
        reason = "; ".join(f"{a}: {c} {_said(m)}" for a, (c, m) in error.recipients.items())
        _record_failure(db, payload, reason)
        raise PermanentError(reason) from error
    except smtplib.SMTPResponseException as error:
        reason = f"{error.smtp_code} {_said(error.smtp_error)}"
        if 500 <= error.smtp_code < 600:
            _record_failure(db, payload, reason)
            raise PermanentError(reason) from error
        raise RuntimeError(reason) from error
    if refused:
        _record_failure(db, payload, f"refused: {', '.join(refused)}")


def _mark_sent(db: Database, payloads: list[dict[str, Any]]) -> None:
    row_ids = [p["message_row_id"] for p in payloads if p.get("message_row_id")]
    if not row_ids:
        return
    with db.transaction() as session:
        for row in session.scalars(select(Message).where(Message.id.in_(row_ids))):
            row.meta = {**(row.meta or {}), "delivery": "sent"}


@handler(SEND, urgent=True)
def send_email(db: Database, job: Job) -> None:
    if not CONFIG.relay_url:
        raise PermanentError("no outbound relay configured (HELPLINE_SMTP_RELAY_URL)")
    with _connect(CONFIG.relay_url) as client:
        _send_over(db, client, job.payload)
    _mark_sent(db, [job.payload])


@batch_handler(SEND)
def send_emails(db: Database, jobs: Sequence[Job]) -> list[BaseException | None]:
    """Many queued emails over one relay connection; a refusal fails only its own email. If the
    connection breaks, it is opened again once; what still cannot be handed over is retried later."""
    if not CONFIG.relay_url:
        raise PermanentError("no outbound relay configured (HELPLINE_SMTP_RELAY_URL)")
    outcomes: list[BaseException | None] = []
    client: smtplib.SMTP | None = None
    reconnects = 1
    try:
        while len(outcomes) < len(jobs):
            payload = jobs[len(outcomes)].payload
            try:
                client = client or _connect(CONFIG.relay_url)
                _send_over(db, client, payload)
            except (OSError, smtplib.SMTPServerDisconnected) as error:
                client = None
                if reconnects:
                    reconnects -= 1
                    continue
                outcomes += [error] * (len(jobs) - len(outcomes))
            except Exception as error:
                outcomes.append(error)
                try:
                    if client is not None:
                        client.rset()  # a refused mail must not taint the next one
                except (OSError, smtplib.SMTPException):
                    client = None
            else:
                outcomes.append(None)
    finally:
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
    try:
        _mark_sent(db, [job.payload for job, error in zip(jobs, outcomes, strict=True) if error is None])
    except Exception:  # the mails are out: never send them again because a status row failed to save
        log.exception("outbound emails were sent but their status could not be saved")
    return outcomes


def participants(session: Session, ticket_id: int) -> list[str]:
    return list(
        session.scalars(select(TicketParticipant.address).where(TicketParticipant.ticket_id == ticket_id))
    )
