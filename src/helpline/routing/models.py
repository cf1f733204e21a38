from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, utcnow

MODES = ("manual", "round_robin", "least_loaded", "skills")
PRESENCES = ("online", "away", "offline")


class TeamRouting(Base):
    """How a team's queue hands out tickets; ``last_user_id`` is the round-robin cursor and
    ``accept_minutes`` how long a routed ticket waits for its agent to act before it goes back to
    the queue (``None``: no limit)."""

    __tablename__ = "routing_teams"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="manual")
    last_user_id: Mapped[int | None]
    accept_minutes: Mapped[int | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AgentRouting(Base):
    """An agent's presence and capacity: open tickets at once, with chats counted separately."""

    __tablename__ = "routing_agents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    capacity: Mapped[int] = mapped_column(default=10)
    chat_capacity: Mapped[int] = mapped_column(default=3)
    presence_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_assigned_at: Mapped[dt.datetime | None]


class AgentSkill(Base):
    """A skill of an agent with a level (1 basic … 5 expert): ``lang:de`` for a language, or a topic
    named like the ticket tags it covers (``billing``, ``returns``)."""

    __tablename__ = "routing_agent_skills"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[int] = mapped_column(default=3)


class RoutingOffer(Base):
    """A ticket routed to an agent who has not acted on it yet: it must be accepted (explicitly, or
    by a reply, a note or a change by that agent) by ``accept_by`` or it goes back to the queue."""

    __tablename__ = "routing_offers"
    __table_args__ = (Index("ix_routing_offers_accept_by", "accept_by"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    offered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    accept_by: Mapped[dt.datetime]
