"""assist: intent model training runs, labelling changes counted towards the next retraining

Revision ID: 0021
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("assist_settings") as batch:
        batch.add_column(sa.Column("labels_changed", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "intent_training_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("examples", sa.Integer(), nullable=True),
        sa.Column("intents", sa.JSON(), nullable=True),
        sa.Column("kb_examples", sa.Integer(), nullable=True),
        sa.Column("oof_accuracy", sa.Float(), nullable=True),
        sa.Column("oof_oos_recall", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("train_seconds", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_intent_training_runs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intent_training_runs")),
    )
    op.create_index("ix_intent_training_runs_status", "intent_training_runs", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_intent_training_runs_status", table_name="intent_training_runs")
    op.drop_table("intent_training_runs")
    with op.batch_alter_table("assist_settings") as batch:
        batch.drop_column("labels_changed")
