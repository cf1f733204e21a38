"""ticket search on PostgreSQL: stored tsvector columns with GIN indexes

Matching against stored, indexed tsvectors lets PostgreSQL use the GIN index even when the list is
ordered by id; with expression indexes it walked the table backwards recomputing to_tsvector for
every row (1.4 s for a word in 3% of 100k tickets). SQLite (FTS5) is unchanged.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("search",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE ticket_search ADD COLUMN public_tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', public)) STORED"
    )
    op.execute(
        "ALTER TABLE ticket_search ADD COLUMN all_tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', public || ' ' || internal)) STORED"
    )
    op.execute("CREATE INDEX ix_ticket_search_public_tsv ON ticket_search USING gin (public_tsv)")
    op.execute("CREATE INDEX ix_ticket_search_all_tsv ON ticket_search USING gin (all_tsv)")
    op.execute("DROP INDEX IF EXISTS ix_ticket_search_public")
    op.execute("DROP INDEX IF EXISTS ix_ticket_search_all")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_ticket_search_public ON ticket_search USING gin (to_tsvector('simple', public))"
    )
    op.execute(
        "CREATE INDEX ix_ticket_search_all ON ticket_search "
        "USING gin (to_tsvector('simple', public || ' ' || internal))"
    )
    op.execute("ALTER TABLE ticket_search DROP COLUMN all_tsv")
    op.execute("ALTER TABLE ticket_search DROP COLUMN public_tsv")
