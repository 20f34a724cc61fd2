"""fingerprint bands, and indexes on articles.published and articles.duplicate_of_id

Near-duplicate candidates were every article published within three days: a scan that grows
with the database. Each original article's SimHash is now also stored as bands, and candidates
are the articles sharing a band (see newswatch.dedup.fingerprint_bands). Existing articles are
indexed here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 00:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from newswatch.dedup import fingerprint_bands

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    bands = op.create_table(
        "fingerprint_bands",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_fingerprint_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("band", "value", "published", "article_id", name=op.f("pk_fingerprint_bands")),
    )
    # Foreign keys are indexed, so deleting an article does not scan these columns.
    op.create_index(op.f("ix_fingerprint_bands_article_id"), "fingerprint_bands", ["article_id"], unique=False)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index("ix_articles_published", ["published"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_duplicate_of_id"), ["duplicate_of_id"], unique=False)

    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("published", sa.Date),
        sa.column("simhash", sa.String),
        sa.column("duplicate_of_id", sa.Integer),
    )
    connection = op.get_bind()
    originals = connection.execute(
        sa.select(articles.c.id, articles.c.published, articles.c.simhash).where(
            articles.c.simhash.is_not(None), articles.c.duplicate_of_id.is_(None)
        )
    )
    while rows := originals.fetchmany(_BATCH):
        op.bulk_insert(
            bands,
            [
                {"band": band, "value": value, "published": row.published, "article_id": row.id}
                for row in rows
                for band, value in fingerprint_bands(row.simhash)
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_duplicate_of_id"))
        batch_op.drop_index("ix_articles_published")
    op.drop_index(op.f("ix_fingerprint_bands_article_id"), table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
