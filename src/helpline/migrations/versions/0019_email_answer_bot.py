"""knowledge base: the answer bot can reply to new email requests (opt-in per mailbox)

Revision ID: 0019
Revises: 0017
Depends on: 0002, 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0002", "0003")


def upgrade() -> None:
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bot_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("kb_bot_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_kb_bot_answers_ticket_id_tickets"), "tickets", ["ticket_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_kb_bot_answers_ticket_id", ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_bot_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_bot_answers_ticket_id")
        batch_op.drop_constraint(op.f("fk_kb_bot_answers_ticket_id_tickets"), type_="foreignkey")
        batch_op.drop_column("ticket_id")
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.drop_column("bot_enabled")
