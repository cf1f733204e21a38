from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, utcnow


class Mailbox(Base):
    """An address we receive mail at; mail to it lands in its team's queue."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    auto_acknowledge: Mapped[bool] = mapped_column(default=True)
    # The knowledge base's answer bot replies to new requests it is sure about (kb/email_bot.py).
    bot_enabled: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Optional IMAP polling of an existing mailbox (IMAPS by default).
    imap_host: Mapped[str | None] = mapped_column(String(253))
    imap_port: Mapped[int | None]
    imap_security: Mapped[str] = mapped_column(String(16), default="ssl")
    imap_username: Mapped[str | None] = mapped_column(String(254))
    imap_password: Mapped[str | None] = mapped_column(String(512))
    imap_folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    imap_uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    imap_last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    imap_lease_until: Mapped[dt.datetime | None]
    imap_last_error: Mapped[str | None] = mapped_column(Text)
    imap_polled_at: Mapped[dt.datetime | None]


class InboundEmail(Base):
    """The raw original of every message received, kept before anything else happens to it."""

    __tablename__ = "inbound_emails"
    __table_args__ = (Index("ix_inbound_emails_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(512))
    source: Mapped[str] = mapped_column(String(16))
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"))
    envelope_from: Mapped[str] = mapped_column(String(512), default="")
    envelope_to: Mapped[list[str]] = mapped_column(default=list)
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="stored")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    message_row_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[dt.datetime | None]


class EmailReference(Base):
    """Message-IDs tied to a ticket: its own messages', ours, and those its messages referred to."""

    __tablename__ = "email_references"
    __table_args__ = (
        UniqueConstraint("message_id", "ticket_id", name="uq_email_references_message_id_ticket_id"),
        Index("ix_email_references_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(512))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TicketParticipant(Base):
    """People copied on a ticket's email thread; they stay in the loop on every reply."""

    __tablename__ = "ticket_participants"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    name: Mapped[str] = mapped_column(String(160), default="")
    role: Mapped[str] = mapped_column(String(16), default="cc")
