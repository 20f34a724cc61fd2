"""event reports: role (reported | announced), whether the date is stated, the reported place;
event participants: whether the office is defence, looked up by official

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=16), server_default="reported", nullable=False))
        batch_op.add_column(sa.Column("date_stated", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("reported_location", sa.String(length=256), nullable=True))
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("defence", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index("ix_event_participants_official_id", ["official_id"], unique=False)
    # Reports stored before: an announcement's report announced its event.
    op.execute("UPDATE event_articles SET role = 'announced' WHERE reported_status = 'planned'")


def downgrade() -> None:
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.drop_index("ix_event_participants_official_id")
        batch_op.drop_column("defence")
    with op.batch_alter_table("event_articles", schema=None) as batch_op:
        batch_op.drop_column("reported_location")
        batch_op.drop_column("date_stated")
        batch_op.drop_column("role")
