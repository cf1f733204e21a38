"""Chat tables: widgets (where the chat may be embedded), visitors, their conversations (tickets)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, utcnow

PRECHAT = ("off", "optional", "required")


class ChatWidget(Base):
    """One embedding of the chat: the sites allowed to host it, its pre-chat form, its team."""

    __tablename__ = "chat_widgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    allowed_origins: Mapped[list[str]] = mapped_column(default=list)
    prechat: Mapped[str] = mapped_column(String(16), default="optional")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    followup_minutes: Mapped[int] = mapped_column(default=5)
    # Key the site signs its logged-in users with (``chat.identity``); "" = identities not accepted.
    identity_secret: Mapped[str] = mapped_column(String(64), default="")
    # The knowledge base's answer bot replies first and hands over to a person when unsure.
    bot_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Removed by an admin: the embed stops working; its visitors, chats and tickets are kept.
    removed_at: Mapped[dt.datetime | None]


class ChatVisitor(Base):
    """A browser that opened the chat; recognised again by its signed token (``public_id``)."""

    __tablename__ = "chat_visitors"
    __table_args__ = (Index("ix_chat_visitors_widget_id_external_id", "widget_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    widget_id: Mapped[int] = mapped_column(ForeignKey("chat_widgets.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    name: Mapped[str] = mapped_column(String(160), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    # The site's own user id, when the site vouched for this visitor with a signed identity.
    external_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChatConversation(Base):
    """A visitor's chat, stored as a ticket of channel ``chat``."""

    __tablename__ = "chat_conversations"
    __table_args__ = (
        Index("ix_chat_conversations_visitor_id_id", "visitor_id", "id"),
        Index("ix_chat_conversations_ticket_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("chat_visitors.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    followup_at: Mapped[dt.datetime | None]  # when it turned into an email follow-up


class ChatClientMessage(Base):
    """The widget's own id of a sent message: a resend after a reconnect is stored only once."""

    __tablename__ = "chat_client_messages"

    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("chat_visitors.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
