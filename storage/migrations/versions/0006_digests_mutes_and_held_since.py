"""digests, mutes and held_since

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 00:09:33.466489
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("period", name=op.f("uq_digests_period")),
    )
    op.create_table(
        "mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutes")),
        sa.UniqueConstraint("kind", "target", name=op.f("uq_mutes_kind_target")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_alerts_digest_id_channel"), ["digest_id", "channel"])
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_digest_id_digests"), "digests", ["digest_id"], ["id"], ondelete="CASCADE"
        )

    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_contact_events_held_since"), ["held_since"], unique=False)
    # Events stored before this revision: held since they were first seen (close enough for digests).
    op.execute("UPDATE contact_events SET held_since = first_seen WHERE status = 'held'")


def downgrade() -> None:
    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_events_held_since"))
        batch_op.drop_column("held_since")

    op.execute("DELETE FROM alerts WHERE event_id IS NULL")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alerts_digest_id_digests"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_alerts_digest_id_channel"), type_="unique")
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("digest_id")

    op.drop_table("mutes")
    op.drop_table("digests")
