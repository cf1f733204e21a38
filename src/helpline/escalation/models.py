from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, utcnow

REASONS = ("agent", "customer_request", "sla_breach")
REQUEST_STATUSES = ("open", "accepted", "declined")
GOODWILL_KINDS = ("refund", "credit", "discount", "replacement", "voucher")
GOODWILL_STATUSES = ("granted", "pending", "approved", "denied")


class EscalationTier(Base):
    """One step of the escalation ladder (tier 1 → tier 2 → specialists), handled by a team.

    ``escalate_on_breach`` lists the SLA targets (``first_response``, ``next_response``,
    ``resolution``) whose breach moves a ticket of this tier up to the next one automatically.
    """

    __tablename__ = "escalation_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    level: Mapped[int] = mapped_column(unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(String(500), default="")
    escalate_on_breach: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TeamLead(Base):
    """A member of staff who answers escalation requests and approvals for a team."""

    __tablename__ = "escalation_team_leads"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TicketTier(Base):
    """The tier a ticket was escalated to (without a row, the tier its team handles)."""

    __tablename__ = "escalation_ticket_tiers"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_tiers.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Escalation(Base):
    """One move of a ticket up the ladder, with why and who (``actor_kind`` system for automatic)."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text)
    from_tier_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_tiers.id", ondelete="SET NULL"))
    to_tier_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_tiers.id", ondelete="SET NULL"))
    from_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    to_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    request_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EscalationRequest(Base):
    """A customer asked for escalation (portal, API or an email keyword); a lead must answer."""

    __tablename__ = "escalation_requests"
    __table_args__ = (
        Index("ix_escalation_requests_status_id", "status", "id"),
        Index("ix_escalation_requests_ticket_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # portal, api, email, chat …
    reason: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    requested_by_kind: Mapped[str] = mapped_column(String(16))
    requested_by_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuthorityLimit(Base):
    """How much goodwill (refund, credit …) one person may grant alone: per action and per month.

    A row is for a role (``agent``, ``lead``, ``admin``) or for one user (which wins over the
    role). Amounts are in minor units (cents). No matching row means every grant needs approval.
    """

    __tablename__ = "authority_limits"
    __table_args__ = (
        UniqueConstraint("kind", "role", "user_id", "currency", name="uq_authority_limits_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    role: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    max_amount_cents: Mapped[int | None]
    max_per_month: Mapped[int | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GoodwillAction(Base):
    """A refund, credit … on a ticket: granted within authority, or pending a lead's decision."""

    __tablename__ = "goodwill_actions"
    __table_args__ = (
        Index("ix_goodwill_actions_ticket_id", "ticket_id"),
        Index("ix_goodwill_actions_user_id_created_at", "user_id", "created_at"),
        Index("ix_goodwill_actions_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    approval_reason: Mapped[str | None] = mapped_column(String(300))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
