"""event status, confidence and alert kinds

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:12:32.517942
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="contact", nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_alerts_event_id_channel"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_alerts_event_id_channel_kind"), ["event_id", "channel", "kind"]
        )

    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="held", nullable=False))
        batch_op.add_column(sa.Column("date_explicit", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("historical", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("confidence", sa.Float(), server_default="1.0", nullable=False))

    with op.batch_alter_table("event_articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_status", sa.String(length=16), server_default="held", nullable=False))
        batch_op.add_column(sa.Column("confidence", sa.Float(), server_default="1.0", nullable=False))
        batch_op.add_column(sa.Column("rules", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event_articles", schema=None) as batch_op:
        batch_op.drop_column("rules")
        batch_op.drop_column("confidence")
        batch_op.drop_column("reported_status")

    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.drop_column("confidence")
        batch_op.drop_column("historical")
        batch_op.drop_column("date_explicit")
        batch_op.drop_column("status")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_alerts_event_id_channel_kind"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_alerts_event_id_channel"), ["event_id", "channel"])
        batch_op.drop_column("kind")
