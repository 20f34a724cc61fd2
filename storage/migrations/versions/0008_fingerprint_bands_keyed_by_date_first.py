"""fingerprint bands keyed by (published, band, value, article_id)

The key led with the band value, so each new article's seven bands went into seven random
pages of the index: with a million articles stored, a batch of 200 changed some 1,400
scattered pages, and writing them back at the checkpoint was most of the cost of storing.
New articles are recent; keyed by date first, their bands share the last days' pages.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 09:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(columns: list[str]) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # SQLite cannot alter a primary key in place: the table is rebuilt (WITHOUT ROWID kept).
    with op.batch_alter_table(
        "fingerprint_bands", recreate="always" if sqlite else "auto", table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.drop_constraint("pk_fingerprint_bands", type_="primary")
        batch_op.create_primary_key("pk_fingerprint_bands", columns)


def upgrade() -> None:
    _key(["published", "band", "value", "article_id"])


def downgrade() -> None:
    _key(["band", "value", "published", "article_id"])
