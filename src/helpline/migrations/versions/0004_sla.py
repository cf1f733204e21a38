"""sla and routing: business hours, holiday calendars, policies, per-ticket clocks; team routing
modes, agent presence and capacity

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("sla",)
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sla_holiday_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_holiday_calendars")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_holiday_calendars_name")),
    )
    op.create_table(
        "sla_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("yearly", sa.Boolean(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=True),
        sa.Column("uid", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["sla_holiday_calendars.id"],
            name=op.f("fk_sla_holidays_calendar_id_sla_holiday_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_holidays")),
    )
    op.create_index(
        "ix_sla_holidays_calendar_id_start_date", "sla_holidays", ["calendar_id", "start_date"], unique=False
    )
    op.create_table(
        "sla_business_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("holiday_calendar_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["holiday_calendar_id"],
            ["sla_holiday_calendars.id"],
            name=op.f("fk_sla_business_hours_holiday_calendar_id_sla_holiday_calendars"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_business_hours")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_business_hours_name")),
    )
    op.create_table(
        "sla_team_hours",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("business_hours_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_sla_team_hours_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["business_hours_id"],
            ["sla_business_hours.id"],
            name=op.f("fk_sla_team_hours_business_hours_id_sla_business_hours"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_sla_team_hours")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("warn_percent", sa.Integer(), nullable=True),
        sa.Column("warn_minutes_before", sa.Integer(), nullable=True),
        sa.Column("business_hours_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["business_hours_id"],
            ["sla_business_hours.id"],
            name=op.f("fk_sla_policies_business_hours_id_sla_business_hours"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_policies_name")),
    )
    op.create_table(
        "sla_ticket_states",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("business_hours_id", sa.Integer(), nullable=True),
        sa.Column("paused_since", UTC, nullable=True),
        sa.Column("first_response_due_at", UTC, nullable=True),
        sa.Column("next_response_due_at", UTC, nullable=True),
        sa.Column("resolution_due_at", UTC, nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sla_ticket_states_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["sla_policies.id"],
            name=op.f("fk_sla_ticket_states_policy_id_sla_policies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["business_hours_id"],
            ["sla_business_hours.id"],
            name=op.f("fk_sla_ticket_states_business_hours_id_sla_business_hours"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_sla_ticket_states")),
    )
    op.create_table(
        "sla_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("target_minutes", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("elapsed_seconds", sa.Double(), nullable=False),
        sa.Column("running_since", UTC, nullable=True),
        sa.Column("due_at", UTC, nullable=True),
        sa.Column("warn_at", UTC, nullable=True),
        sa.Column("met_at", UTC, nullable=True),
        sa.Column("warned_at", UTC, nullable=True),
        sa.Column("breached_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_sla_targets_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["sla_policies.id"],
            name=op.f("fk_sla_targets_policy_id_sla_policies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_targets")),
        sa.UniqueConstraint("ticket_id", "kind", name="uq_sla_targets_ticket_id_kind"),
    )
    op.create_index("ix_sla_targets_due_at", "sla_targets", ["due_at"], unique=False)
    op.create_index("ix_sla_targets_warn_at", "sla_targets", ["warn_at"], unique=False)
    op.create_table(
        "routing_teams",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("last_user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_routing_teams_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_routing_teams")),
    )
    op.create_table(
        "routing_agents",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("presence", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("chat_capacity", sa.Integer(), nullable=False),
        sa.Column("presence_changed_at", UTC, nullable=False),
        sa.Column("last_assigned_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_routing_agents_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_routing_agents")),
    )


def downgrade() -> None:
    op.drop_table("routing_agents")
    op.drop_table("routing_teams")
    op.drop_index("ix_sla_targets_warn_at", table_name="sla_targets")
    op.drop_index("ix_sla_targets_due_at", table_name="sla_targets")
    op.drop_table("sla_targets")
    op.drop_table("sla_ticket_states")
    op.drop_table("sla_policies")
    op.drop_table("sla_team_hours")
    op.drop_table("sla_business_hours")
    op.drop_index("ix_sla_holidays_calendar_id_start_date", table_name="sla_holidays")
    op.drop_table("sla_holidays")
    op.drop_table("sla_holiday_calendars")
