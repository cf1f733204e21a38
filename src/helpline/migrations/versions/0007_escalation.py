"""escalation and empowerment: tiers, team leads, ticket tiers, escalations, customer requests,
goodwill authority limits and actions; agent skills for skill-based routing

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{ref}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "escalation_tiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("escalate_on_breach", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("escalation_tiers", "team_id", "teams.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_tiers")),
        sa.UniqueConstraint("name", name=op.f("uq_escalation_tiers_name")),
        sa.UniqueConstraint("level", name=op.f("uq_escalation_tiers_level")),
    )
    op.create_table(
        "escalation_team_leads",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("escalation_team_leads", "team_id", "teams.id", "CASCADE"),
        _fk("escalation_team_leads", "user_id", "users.id", "CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_escalation_team_leads")),
    )
    op.create_table(
        "escalation_ticket_tiers",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("tier_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("escalation_ticket_tiers", "ticket_id", "tickets.id", "CASCADE"),
        _fk("escalation_ticket_tiers", "tier_id", "escalation_tiers.id", "SET NULL"),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_escalation_ticket_tiers")),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("from_tier_id", sa.Integer(), nullable=True),
        sa.Column("to_tier_id", sa.Integer(), nullable=True),
        sa.Column("from_team_id", sa.Integer(), nullable=True),
        sa.Column("to_team_id", sa.Integer(), nullable=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        _fk("escalations", "ticket_id", "tickets.id", "CASCADE"),
        _fk("escalations", "from_tier_id", "escalation_tiers.id", "SET NULL"),
        _fk("escalations", "to_tier_id", "escalation_tiers.id", "SET NULL"),
        _fk("escalations", "from_team_id", "teams.id", "SET NULL"),
        _fk("escalations", "to_team_id", "teams.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_index("ix_escalations_ticket_id_id", "escalations", ["ticket_id", "id"], unique=False)
    op.create_table(
        "escalation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_kind", sa.String(length=16), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        _fk("escalation_requests", "ticket_id", "tickets.id", "CASCADE"),
        _fk("escalation_requests", "message_id", "messages.id", "SET NULL"),
        _fk("escalation_requests", "decided_by_id", "users.id", "SET NULL"),
        _fk("escalation_requests", "escalation_id", "escalations.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_requests")),
    )
    op.create_index("ix_escalation_requests_status_id", "escalation_requests", ["status", "id"], unique=False)
    op.create_index("ix_escalation_requests_ticket_id", "escalation_requests", ["ticket_id"], unique=False)
    op.create_table(
        "authority_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("max_amount_cents", sa.Integer(), nullable=True),
        sa.Column("max_per_month", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("authority_limits", "user_id", "users.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authority_limits")),
        sa.UniqueConstraint("kind", "role", "user_id", "currency", name="uq_authority_limits_kind"),
    )
    op.create_table(
        "goodwill_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approval_reason", sa.String(length=300), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        _fk("goodwill_actions", "ticket_id", "tickets.id", "CASCADE"),
        _fk("goodwill_actions", "user_id", "users.id", "SET NULL"),
        _fk("goodwill_actions", "decided_by_id", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goodwill_actions")),
    )
    op.create_index("ix_goodwill_actions_ticket_id", "goodwill_actions", ["ticket_id"], unique=False)
    op.create_index(
        "ix_goodwill_actions_user_id_created_at", "goodwill_actions", ["user_id", "created_at"], unique=False
    )
    op.create_index("ix_goodwill_actions_status_id", "goodwill_actions", ["status", "id"], unique=False)
    op.create_table(
        "routing_agent_skills",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        _fk("routing_agent_skills", "user_id", "users.id", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "skill", name=op.f("pk_routing_agent_skills")),
    )


def downgrade() -> None:
    op.drop_table("routing_agent_skills")
    op.drop_index("ix_goodwill_actions_status_id", table_name="goodwill_actions")
    op.drop_index("ix_goodwill_actions_user_id_created_at", table_name="goodwill_actions")
    op.drop_index("ix_goodwill_actions_ticket_id", table_name="goodwill_actions")
    op.drop_table("goodwill_actions")
    op.drop_table("authority_limits")
    op.drop_index("ix_escalation_requests_ticket_id", table_name="escalation_requests")
    op.drop_index("ix_escalation_requests_status_id", table_name="escalation_requests")
    op.drop_table("escalation_requests")
    op.drop_index("ix_escalations_ticket_id_id", table_name="escalations")
    op.drop_table("escalations")
    op.drop_table("escalation_ticket_tiers")
    op.drop_table("escalation_team_leads")
    op.drop_table("escalation_tiers")
