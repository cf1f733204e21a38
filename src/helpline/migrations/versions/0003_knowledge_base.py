"""knowledge base: articles, versions, related links, feedback, bot answers, settings

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("kb",)
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=160), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("translation_of_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=250), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("section", sa.String(length=120), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("published_title", sa.String(length=250), nullable=True),
        sa.Column("published_body", sa.Text(), nullable=True),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("not_helpful_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("published_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["translation_of_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_articles_translation_of_id_kb_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_kb_articles_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
        sa.UniqueConstraint("slug", "locale", name="uq_kb_articles_slug_locale"),
        sa.UniqueConstraint("translation_of_id", "locale", name="uq_kb_articles_translation_of_id_locale"),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kb_articles_status_visibility", ["status", "visibility", "id"], unique=False
        )
        batch_op.create_index("ix_kb_articles_category_section", ["category", "section"], unique=False)

    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=250), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_versions_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_versions")),
        sa.UniqueConstraint("article_id", "number", name="uq_kb_article_versions_article_id_number"),
    )

    op.create_table(
        "kb_related",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_related_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_related_related_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "related_id", name=op.f("pk_kb_related")),
    )

    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_feedback_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_feedback")),
    )
    with op.batch_alter_table("kb_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_kb_feedback_article_id_id", ["article_id", "id"], unique=False)

    op.create_table(
        "kb_bot_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("helped", sa.Boolean(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_bot_answers_article_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_bot_answers")),
    )
    with op.batch_alter_table("kb_bot_answers", schema=None) as batch_op:
        batch_op.create_index("ix_kb_bot_answers_answered_id", ["answered", "id"], unique=False)

    op.create_table(
        "kb_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot_threshold", sa.Float(), nullable=True),
        sa.Column("calibration", sa.JSON(), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_settings")),
    )
    op.execute(
        "INSERT INTO kb_settings (id, bot_threshold, generation, updated_at) "
        "VALUES (1, NULL, 0, CURRENT_TIMESTAMP)"
    )


def downgrade() -> None:
    op.drop_table("kb_settings")
    with op.batch_alter_table("kb_bot_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_bot_answers_answered_id")
    op.drop_table("kb_bot_answers")
    with op.batch_alter_table("kb_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_feedback_article_id_id")
    op.drop_table("kb_feedback")
    op.drop_table("kb_related")
    op.drop_table("kb_article_versions")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_articles_category_section")
        batch_op.drop_index("ix_kb_articles_status_visibility")
    op.drop_table("kb_articles")
