"""assist: per-message insights (language, sentiment, emotions, intent), ticket rollup, settings

Revision ID: 0009
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("assist",)
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "message_insights",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("emotions", sa.JSON(), nullable=False),
        sa.Column("intent", sa.String(length=120), nullable=True),
        sa.Column("intent_confidence", sa.Float(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_insights_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_message_insights_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_message_insights_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_insights")),
    )
    op.create_index("ix_message_insights_ticket_id", "message_insights", ["ticket_id"], unique=False)
    op.create_index(
        "ix_message_insights_customer_id_created_at",
        "message_insights",
        ["customer_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "ticket_insights",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("emotions", sa.JSON(), nullable=False),
        sa.Column("intent", sa.String(length=120), nullable=True),
        sa.Column("frustrated", sa.Boolean(), nullable=False),
        sa.Column("negative_messages", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_insights_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_insights")),
    )
    op.create_index(
        "ix_ticket_insights_frustrated", "ticket_insights", ["frustrated", "ticket_id"], unique=False
    )
    op.create_table(
        "assist_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("enrich", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_settings")),
    )


def downgrade() -> None:
    op.drop_table("assist_settings")
    op.drop_index("ix_ticket_insights_frustrated", table_name="ticket_insights")
    op.drop_table("ticket_insights")
    op.drop_index("ix_message_insights_customer_id_created_at", table_name="message_insights")
    op.drop_index("ix_message_insights_ticket_id", table_name="message_insights")
    op.drop_table("message_insights")
