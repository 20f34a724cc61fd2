"""event report groups: an event's reports counted by what resolution reads of them

Resolving a report read each candidate event's reports, grouped by the fields resolution
votes on (reported date, whether it is stated, mode, place, status, the article's date):
the database still scanned every report of the event, joined to its article, so an event's
n-th report cost O(n) and a day of syndicated copies piling onto a few events grew quadratic.
The groups are now a table of their own, kept with each stored report; this builds it from
the reports stored before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "event_id, reported_date, date_stated, reported_mode, reported_location, reported_status, published"


def upgrade() -> None:
    op.create_table(
        "event_report_groups",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("reported_date", sa.Date(), nullable=False),
        sa.Column("date_stated", sa.Boolean(), nullable=False),
        sa.Column("reported_mode", sa.String(length=16), nullable=False),
        sa.Column("reported_location", sa.String(length=256), nullable=False),
        sa.Column("reported_status", sa.String(length=16), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("first_report_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["contact_events.id"],
            name=op.f("fk_event_report_groups_event_id_contact_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["first_report_id"],
            ["event_articles.id"],
            name=op.f("fk_event_report_groups_first_report_id_event_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(*(column.strip() for column in _KEY.split(",")), name=op.f("pk_event_report_groups")),
    )
    op.create_index(
        op.f("ix_event_report_groups_first_report_id"), "event_report_groups", ["first_report_id"], unique=False
    )
    # The reports stored before, grouped as storage.events.record_contact groups them (no place
    # is stored as '', a key holding no NULL).
    op.execute(
        f"INSERT INTO event_report_groups ({_KEY}, reports, first_report_id)"
        " SELECT r.event_id, r.reported_date, r.date_stated, r.reported_mode, COALESCE(r.reported_location, ''),"
        " r.reported_status, a.published, count(*), min(r.id)"
        " FROM event_articles AS r JOIN articles AS a ON a.id = r.article_id"
        " GROUP BY r.event_id, r.reported_date, r.date_stated, r.reported_mode, COALESCE(r.reported_location, ''),"
        " r.reported_status, a.published"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_event_report_groups_first_report_id"), table_name="event_report_groups")
    op.drop_table("event_report_groups")
