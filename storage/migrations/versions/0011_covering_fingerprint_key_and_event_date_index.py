"""fingerprint index: on PostgreSQL the primary key's index carries the SimHash (INCLUDE);
contact events indexed by date

A near-duplicate lookup reads each candidate's whole SimHash. On PostgreSQL it was in the heap
only, so every candidate cost a heap page read besides the index seek: with millions of
articles in a lookup's window, ~100 such reads per lookup. With the SimHash in the index, a
lookup is an index-only scan. SQLite keeps the table in its primary key's B-tree already
(WITHOUT ROWID): nothing changes there.

A report's candidate events are found by its officials and a window of dates. PostgreSQL,
with no index on the date, scanned every stored event for each report; the index lets it start
from whichever side has fewer rows.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "period, band, value, published, article_id"


def upgrade() -> None:
    op.create_index(op.f("ix_contact_events_date"), "contact_events", ["date"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE fingerprint_bands DROP CONSTRAINT pk_fingerprint_bands,"
            f" ADD CONSTRAINT pk_fingerprint_bands PRIMARY KEY ({_KEY}) INCLUDE (simhash)"
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_events_date"), table_name="contact_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE fingerprint_bands DROP CONSTRAINT pk_fingerprint_bands,"
            f" ADD CONSTRAINT pk_fingerprint_bands PRIMARY KEY ({_KEY})"
        )
