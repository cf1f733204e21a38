from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpline.core.db import Base, utcnow

TARGET_KINDS = ("first_response", "next_response", "resolution")


class HolidayCalendar(Base):
    __tablename__ = "sla_holiday_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    holidays: Mapped[list[Holiday]] = relationship(
        order_by="Holiday.start_date", cascade="all, delete-orphan", passive_deletes=True
    )


class Holiday(Base):
    """An all-day holiday: ``start_date`` up to ``end_date`` (exclusive), once or every year."""

    __tablename__ = "sla_holidays"
    __table_args__ = (Index("ix_sla_holidays_calendar_id_start_date", "calendar_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_holiday_calendars.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    yearly: Mapped[bool] = mapped_column(default=False)
    last_year: Mapped[int | None]
    uid: Mapped[str] = mapped_column(String(255), default="")


class BusinessHours(Base):
    """A weekly schedule in one time zone, e.g. ``{"mon": [["09:00", "17:00"]], ...}``."""

    __tablename__ = "sla_business_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    schedule: Mapped[dict[str, Any]] = mapped_column(default=dict)
    holiday_calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_holiday_calendars.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TeamBusinessHours(Base):
    """Which business hours a team keeps; a team without a row works 24/7 (UTC)."""

    __tablename__ = "sla_team_hours"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    business_hours_id: Mapped[int] = mapped_column(ForeignKey("sla_business_hours.id", ondelete="CASCADE"))


class SlaPolicy(Base):
    """Targets in business minutes for the tickets matching ``conditions``; lowest position wins.

    ``conditions`` maps a field (priority, channel, team_id, tags, tier, organization_id) to the list
    of values it may take; a missing field matches anything, ``tags`` matches if any tag is present.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    warn_percent: Mapped[int | None] = mapped_column(default=80)
    warn_minutes_before: Mapped[int | None]
    business_hours_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_business_hours.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def minutes_for(self, kind: str) -> int | None:
        return {
            "first_response": self.first_response_minutes,
            "next_response": self.next_response_minutes,
            "resolution": self.resolution_minutes,
        }[kind]


class TicketSla(Base):
    """A ticket's SLA at a glance: the policy in force, whether its clocks are paused, due times."""

    __tablename__ = "sla_ticket_states"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    business_hours_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_business_hours.id", ondelete="SET NULL")
    )
    paused_since: Mapped[dt.datetime | None]
    first_response_due_at: Mapped[dt.datetime | None]
    next_response_due_at: Mapped[dt.datetime | None]
    resolution_due_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SlaTarget(Base):
    """One clock of one ticket. ``elapsed_seconds`` is business time used before ``running_since``;
    a paused clock has no ``running_since`` and no due time. ``breached_at`` is the breach record."""

    __tablename__ = "sla_targets"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", name="uq_sla_targets_ticket_id_kind"),
        Index("ix_sla_targets_due_at", "due_at"),
        Index("ix_sla_targets_warn_at", "warn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    target_minutes: Mapped[int]
    started_at: Mapped[dt.datetime]
    elapsed_seconds: Mapped[float] = mapped_column(default=0.0)
    running_since: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None]
    warn_at: Mapped[dt.datetime | None]
    met_at: Mapped[dt.datetime | None]
    warned_at: Mapped[dt.datetime | None]
    breached_at: Mapped[dt.datetime | None]
