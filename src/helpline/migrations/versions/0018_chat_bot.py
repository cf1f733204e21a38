"""chat: the answer bot can reply first in a widget

Revision ID: 0018
Revises: 0013
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0003"


def upgrade() -> None:
    with op.batch_alter_table("chat_widgets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bot_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("chat_widgets", schema=None) as batch_op:
        batch_op.drop_column("bot_enabled")
