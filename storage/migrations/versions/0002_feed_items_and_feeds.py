"""feed items and feeds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 21:48:16.420889
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("etag", sa.String(length=512), nullable=True),
        sa.Column("last_modified", sa.String(length=128), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("entries_seen", sa.Integer(), nullable=False),
        sa.Column("new_items", sa.Integer(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_warning", sa.Text(), nullable=True),
        sa.Column("failure_alerted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guid", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("feed_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("text_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("published_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("author", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("site_name", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("simhash", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_guid"), ["guid"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_articles_duplicate_of_id_articles"),
            "articles",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_articles_duplicate_of_id_articles"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_articles_guid"))
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("simhash")
        batch_op.drop_column("language")
        batch_op.drop_column("site_name")
        batch_op.drop_column("author")
        batch_op.drop_column("published_source")
        batch_op.drop_column("text_source")
        batch_op.drop_column("feed_url")
        batch_op.drop_column("guid")

    op.drop_table("feeds")
