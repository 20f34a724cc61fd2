"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 21:21:16.673056
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_articles_content_hash")),
        sa.UniqueConstraint("ref", name=op.f("uq_articles_ref")),
    )
    op.create_table(
        "contact_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_key", sa.String(length=512), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("location", sa.String(length=256), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_events")),
    )
    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.create_index("ix_contact_events_participant_key_date", ["participant_key", "date"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("channel_label", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["contact_events.id"], name=op.f("fk_alerts_event_id_contact_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("event_id", "channel", name=op.f("uq_alerts_event_id_channel")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_status"), ["status"], unique=False)

    op.create_table(
        "event_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("reported_date", sa.Date(), nullable=False),
        sa.Column("reported_mode", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_event_articles_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["contact_events.id"],
            name=op.f("fk_event_articles_event_id_contact_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_articles")),
        sa.UniqueConstraint("event_id", "article_id", name=op.f("uq_event_articles_event_id_article_id")),
    )
    with op.batch_alter_table("event_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_articles_article_id"), ["article_id"], unique=False)

    op.create_table(
        "event_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("office", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["contact_events.id"],
            name=op.f("fk_event_participants_event_id_contact_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_participants")),
        sa.UniqueConstraint("event_id", "official_id", name=op.f("uq_event_participants_event_id_official_id")),
    )
    op.create_table(
        "topic_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_topic_matches_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_matches")),
        sa.UniqueConstraint("article_id", "topic_id", name=op.f("uq_topic_matches_article_id_topic_id")),
    )
    with op.batch_alter_table("topic_matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_matches_topic_id"), ["topic_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("topic_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_matches_topic_id"))

    op.drop_table("topic_matches")
    op.drop_table("event_participants")
    with op.batch_alter_table("event_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_articles_article_id"))

    op.drop_table("event_articles")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_status"))

    op.drop_table("alerts")
    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_events_participant_key_date")

    op.drop_table("contact_events")
    op.drop_table("articles")
