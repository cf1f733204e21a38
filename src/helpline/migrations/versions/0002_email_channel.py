"""email channel

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("email",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("auto_acknowledge", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imap_host", sa.String(length=253), nullable=True),
        sa.Column("imap_port", sa.Integer(), nullable=True),
        sa.Column("imap_security", sa.String(length=16), nullable=False, server_default="ssl"),
        sa.Column("imap_username", sa.String(length=254), nullable=True),
        sa.Column("imap_password", sa.String(length=512), nullable=True),
        sa.Column("imap_folder", sa.String(length=200), nullable=False, server_default="INBOX"),
        sa.Column("imap_uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("imap_last_uid", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("imap_lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("imap_last_error", sa.Text(), nullable=True),
        sa.Column("imap_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_mailboxes_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailboxes")),
        sa.UniqueConstraint("address", name=op.f("uq_mailboxes_address")),
    )
    op.create_table(
        "email_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=512), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_email_references_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_references")),
        sa.UniqueConstraint("message_id", "ticket_id", name="uq_email_references_message_id_ticket_id"),
    )
    with op.batch_alter_table("email_references", schema=None) as batch_op:
        batch_op.create_index("ix_email_references_message_id", ["message_id"], unique=False)

    op.create_table(
        "ticket_participants",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_participants_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "address", name=op.f("pk_ticket_participants")),
    )
    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=512), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("envelope_from", sa.String(length=512), nullable=False),
        sa.Column("envelope_to", sa.JSON(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("message_row_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailboxes.id"], name=op.f("fk_inbound_emails_mailbox_id_mailboxes")
        ),
        sa.ForeignKeyConstraint(
            ["message_row_id"], ["messages.id"], name=op.f("fk_inbound_emails_message_row_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_inbound_emails_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_emails")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_inbound_emails_dedupe_key")),
    )
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_emails_status", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_emails_status")

    op.drop_table("inbound_emails")
    op.drop_table("ticket_participants")
    with op.batch_alter_table("email_references", schema=None) as batch_op:
        batch_op.drop_index("ix_email_references_message_id")

    op.drop_table("email_references")
    op.drop_table("mailboxes")
