"""chat: a widget's identity secret and the site's user id of identified visitors

Revision ID: 0013
Revises: 0008
Create Date: 2026-11-28
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_widgets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identity_secret", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("chat_visitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch_op.create_index(
            "ix_chat_visitors_widget_id_external_id", ["widget_id", "external_id"], unique=False
        )
    # Every existing widget gets its own secret, so sites can start signing identities at once.
    widgets = sa.table("chat_widgets", sa.column("id", sa.Integer), sa.column("identity_secret", sa.String))
    conn = op.get_bind()
    for (widget_id,) in conn.execute(sa.select(widgets.c.id)).all():
        conn.execute(
            widgets.update()
            .where(widgets.c.id == widget_id)
            .values(identity_secret=secrets.token_urlsafe(32))
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_visitors", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_visitors_widget_id_external_id")
        batch_op.drop_column("external_id")
    with op.batch_alter_table("chat_widgets", schema=None) as batch_op:
        batch_op.drop_column("identity_secret")
