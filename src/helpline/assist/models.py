"""Assist tables: what each inbound message says (language, mood, intent) and each ticket's rollup."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, utcnow

DEFAULT_LANGUAGES = ["en", "de", "fr", "es", "nl", "it", "pt", "sv"]


class MessageInsight(Base):
    """Enrichment of one inbound customer message, written by the ``assist.enrich`` job."""

    __tablename__ = "message_insights"
    __table_args__ = (
        Index("ix_message_insights_ticket_id", "ticket_id"),
        Index("ix_message_insights_customer_id_created_at", "customer_id", "created_at"),
    )

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(16))
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float]
    emotions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    intent: Mapped[str | None] = mapped_column(String(120))
    intent_confidence: Mapped[float | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TicketInsight(Base):
    """The mood of a ticket as of its latest enriched customer message (for views and routing)."""

    __tablename__ = "ticket_insights"
    __table_args__ = (Index("ix_ticket_insights_frustrated", "frustrated", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    last_message_id: Mapped[int]
    language: Mapped[str | None] = mapped_column(String(16))
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float]
    emotions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    intent: Mapped[str | None] = mapped_column(String(120))
    frustrated: Mapped[bool] = mapped_column(default=False)
    negative_messages: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AssistSettings(Base):
    """Workspace settings of the assist layer (one row, id 1; defaults apply while it is missing)."""

    __tablename__ = "assist_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_LANGUAGES))
    enrich: Mapped[bool] = mapped_column(default=True)
    # Labelling changes (tickets tagged, re-tagged) since the intent model was last queued to retrain.
    labels_changed: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IntentTrainingRun(Base):
    """One training of the workspace's intent model, queued, running, ready (in use) or failed."""

    __tablename__ = "intent_training_runs"
    __table_args__ = (Index("ix_intent_training_runs_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|ready|failed
    reason: Mapped[str] = mapped_column(String(32))  # labels_changed | requested
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    examples: Mapped[int | None]
    intents: Mapped[list[str] | None] = mapped_column(JSON)
    kb_examples: Mapped[int | None]
    oof_accuracy: Mapped[float | None]  # cross-validated (k-fold, out-of-fold) in-scope accuracy
    oof_oos_recall: Mapped[float | None]
    threshold: Mapped[float | None]
    train_seconds: Mapped[float | None]
    error: Mapped[str | None] = mapped_column(Text)
