"""workspace: inbox views shared with a team

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("saved_views") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_saved_views_team_id_teams", "teams", ["team_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_saved_views_team_id", ["team_id"])


def downgrade() -> None:
    with op.batch_alter_table("saved_views") as batch:
        batch.drop_index("ix_saved_views_team_id")
        batch.drop_constraint("fk_saved_views_team_id_teams", type_="foreignkey")
        batch.drop_column("team_id")
