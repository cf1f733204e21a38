"""routing: a per-team acceptance timeout and the offers waiting for their agent to act

Revision ID: 0012
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("routing_teams") as batch:
        batch.add_column(sa.Column("accept_minutes", sa.Integer(), nullable=True))
    op.create_table(
        "routing_offers",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("offered_at", UTC, nullable=False),
        sa.Column("accept_by", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_routing_offers_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_routing_offers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_routing_offers")),
    )
    op.create_index("ix_routing_offers_accept_by", "routing_offers", ["accept_by"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_routing_offers_accept_by", table_name="routing_offers")
    op.drop_table("routing_offers")
    with op.batch_alter_table("routing_teams") as batch:
        batch.drop_column("accept_minutes")
