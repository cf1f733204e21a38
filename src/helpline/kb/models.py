"""Knowledge-base tables: articles (versions, translations, related links, files), feedback, bot log.

An article row holds the working copy (``title``/``body``, possibly a draft) and, once published,
the live copy (``published_title``/``published_body``): editing a published article creates a new
draft version without changing what customers see until it is published again. A translation is an
article of its own linked to the original by ``translation_of_id`` (one per locale).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpline.core.db import Base, utcnow

VISIBILITIES = ("public", "internal")
STATUSES = ("draft", "published")


class KbArticle(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (
        UniqueConstraint("slug", "locale", name="uq_kb_articles_slug_locale"),
        UniqueConstraint("translation_of_id", "locale", name="uq_kb_articles_translation_of_id_locale"),
        Index("ix_kb_articles_status_visibility", "status", "visibility", "id"),
        Index("ix_kb_articles_category_section", "category", "section"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id"))
    title: Mapped[str] = mapped_column(String(250))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(120), default="")
    section: Mapped[str] = mapped_column(String(120), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    published_version: Mapped[int | None]
    published_title: Mapped[str | None] = mapped_column(String(250))
    published_body: Mapped[str | None] = mapped_column(Text)
    helpful_count: Mapped[int] = mapped_column(default=0)
    not_helpful_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]

    versions: Mapped[list[KbArticleVersion]] = relationship(
        order_by="KbArticleVersion.number", cascade="all, delete-orphan", back_populates="article"
    )
    related_rows: Mapped[list[KbRelated]] = relationship(
        foreign_keys="KbRelated.article_id", cascade="all, delete-orphan", order_by="KbRelated.related_id"
    )

    @property
    def related_ids(self) -> list[int]:
        return [r.related_id for r in self.related_rows]


class KbArticleVersion(Base):
    """Every saved state of an article's content: the history (append-only)."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "number", name="uq_kb_article_versions_article_id_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(250))
    body: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500), default="")
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    article: Mapped[KbArticle] = relationship(back_populates="versions")


class KbRelated(Base):
    __tablename__ = "kb_related"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    related_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )


class KbFeedback(Base):
    """A reader's "was this helpful?" vote, with an optional comment."""

    __tablename__ = "kb_feedback"
    __table_args__ = (Index("ix_kb_feedback_article_id_id", "article_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(String(2000), default="")
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class KbBotAnswer(Base):
    """Every answer bot turn: the question, what it answered from (or why it declined), and whether
    it helped. Declined and unhelpful questions feed the KB gap report."""

    __tablename__ = "kb_bot_answers"
    __table_args__ = (Index("ix_kb_bot_answers_answered_id", "answered", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(32))
    candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    channel: Mapped[str] = mapped_column(String(16), default="api")
    # The ticket the turn belongs to, where there is one (email answers): its replies rate the answer.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    helped: Mapped[bool | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class KbSettings(Base):
    """One row (id 1): the bot's confidence threshold and the search index generation.

    ``generation`` increases on every change to articles, so every process notices that its
    in-memory search index is stale with one primary-key read per search.
    """

    __tablename__ = "kb_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_threshold: Mapped[float | None] = mapped_column(Float)
    calibration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    generation: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class KbAttachment(Base):
    """A file or image of an article, referenced from its body as ``attachment:NAME``."""

    __tablename__ = "kb_attachments"
    __table_args__ = (
        UniqueConstraint("article_id", "filename", name="uq_kb_attachments_article_id_filename"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
