"""fingerprint index: three wide blocks probed a bit or two away, keyed by (period, band, value, published)

Seven exact bands of ~9 bits matched 1/512 of a window's articles: at 300,000 articles a day,
some 28,000 candidates per lookup. Originals are now indexed under three blocks of 22, 21 and
21 bits (newswatch.dedup.index_keys), which a lookup probes up to 2, 1 and 1 bits away, and the
key leads with a 14-day period, so a probe is one seek per period its window touches.

The existing rows are converted: each indexed article's bands become its three blocks. The
block layout and the period are written out here, as they are today, so that later changes to
newswatch.dedup do not change what this revision does.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
_BLOCKS = (22, 21, 21)  # this revision's newswatch.dedup.INDEX_BLOCKS
_PERIOD_DAYS = 14  # and INDEX_PERIOD_DAYS
_OLD_BANDS = (10, 9, 9, 9, 9, 9, 9)  # 0009's bands


def _slices(simhash: str, widths: Sequence[int]) -> list[tuple[int, int]]:
    value = int(simhash, 16)
    slices, start = [], 0
    for number, width in enumerate(widths):
        slices.append((number, (value >> start) & ((1 << width) - 1)))
        start += width
    return slices


def _new_rows(article_id: int, published: dt.date, simhash: str) -> list[dict[str, Any]]:
    period = published.toordinal() // _PERIOD_DAYS
    return [
        {"period": period, "band": band, "value": value, "published": published, "article_id": article_id}
        | {"simhash": simhash}
        for band, value in _slices(simhash, _BLOCKS)
    ]


def _old_rows(article_id: int, published: dt.date, simhash: str) -> list[dict[str, Any]]:
    return [
        {"band": band, "value": value, "published": published, "article_id": article_id, "simhash": simhash}
        for band, value in _slices(simhash, _OLD_BANDS)
    ]


def _rebuild(key: list[str], with_period: bool, rows_of: Any) -> None:
    """Replace the table by one keyed on ``key``, indexing the same articles (``rows_of``)."""
    connection = op.get_bind()
    old = sa.table(
        "fingerprint_bands",
        sa.column("article_id", sa.Integer),
        sa.column("published", sa.Date),
        sa.column("simhash", sa.String),
    )
    indexed = connection.execute(
        sa.select(old.c.article_id, old.c.published, old.c.simhash).distinct().order_by(old.c.article_id)
    ).all()
    op.drop_index(op.f("ix_fingerprint_bands_article_id"), table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
    columns = [sa.Column("period", sa.Integer(), nullable=False)] if with_period else []
    table = op.create_table(
        "fingerprint_bands",
        *columns,
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("simhash", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_fingerprint_bands_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_fingerprint_bands")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_fingerprint_bands_article_id"), "fingerprint_bands", ["article_id"], unique=False)
    for start in range(0, len(indexed), _BATCH):
        op.bulk_insert(
            table,
            [
                row
                for article_id, published, simhash in indexed[start : start + _BATCH]
                for row in rows_of(article_id, published, simhash)
            ],
        )


def upgrade() -> None:
    _rebuild(["period", "band", "value", "published", "article_id"], True, _new_rows)


def downgrade() -> None:
    _rebuild(["published", "band", "value", "article_id"], False, _old_rows)
