"""Canned replies, macros and saved inbox views."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, utcnow


class CannedReply(Base):
    """A reusable reply text; ``team_id`` None means every agent may use it."""

    __tablename__ = "canned_replies"
    __table_args__ = (Index("ix_canned_replies_team_id_title", "team_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Macro(Base):
    """A reply or internal note (optional) plus field changes, applied to a ticket in one step.

    ``actions`` holds only the keys that change something: ``status``, ``priority``,
    ``assignee`` ("me", "none" or a user id), ``team_id`` (an id or None for "no team"),
    ``add_tags`` and ``remove_tags``.
    """

    __tablename__ = "macros"
    __table_args__ = (Index("ix_macros_team_id_title", "team_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    internal: Mapped[bool] = mapped_column(default=False)
    actions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """An inbox view: a name and filters (status, priority, team, assignee, tag, channel, q).

    ``user_id`` made it; ``team_id`` None keeps it to them, a team id shares it with that team."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"), Index("ix_saved_views_team_id", "team_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
