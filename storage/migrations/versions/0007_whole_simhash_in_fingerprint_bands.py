"""the whole SimHash beside each fingerprint band; on SQLite the bands table WITHOUT ROWID

Near-duplicate candidates were found in the band index, then each one's SimHash was read from
the articles table: with a million articles stored, some 75 candidates per article, each a
visit to a different page of the largest table. The band rows now hold the SimHash, so the
band index answers alone. On SQLite the rows live in the primary key's B-tree (no separate
table to visit); existing band rows get their article's SimHash here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 03:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("fingerprint_bands", sa.Column("simhash", sa.String(length=16), nullable=True))
    bands = sa.table("fingerprint_bands", sa.column("article_id", sa.Integer), sa.column("simhash", sa.String))
    articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("simhash", sa.String))
    op.execute(
        bands.update().values(
            simhash=sa.select(articles.c.simhash).where(articles.c.id == bands.c.article_id).scalar_subquery()
        )
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "fingerprint_bands", recreate="always" if sqlite else "auto", table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.alter_column("simhash", existing_type=sa.String(length=16), nullable=False)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("fingerprint_bands", recreate="always" if sqlite else "auto") as batch_op:
        batch_op.drop_column("simhash")
