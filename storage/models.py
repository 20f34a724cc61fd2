"""The database schema, as SQLAlchemy 2 typed models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UtcDateTime(), dict[str, Any]: JSON, list[str]: JSON, list[str] | None: JSON}  # noqa: RUF012 - SQLAlchemy's API


class ArticleRow(Base):
    """An article, stored once: its ref and its content are both unique."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    published: Mapped[dt.date]
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(32), doc="seed | feed")
    ingested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Feed items only:
    guid: Mapped[str | None] = mapped_column(String(2048), index=True)
    feed_url: Mapped[str | None] = mapped_column(String(2048))
    text_source: Mapped[str | None] = mapped_column(
        String(16), doc="page | summary, + ' (cut)': how the text was obtained"
    )
    published_source: Mapped[str | None] = mapped_column(String(16), doc="page | feed | fetched")
    author: Mapped[str | None] = mapped_column(String(512))
    site_name: Mapped[str | None] = mapped_column(String(512))
    language: Mapped[str | None] = mapped_column(String(16))
    simhash: Mapped[str | None] = mapped_column(String(16), doc="64-bit SimHash of the text, hex")
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True, doc="the article this one is a near-copy of"
    )

    topics: Mapped[list[TopicMatchRow]] = relationship(back_populates="article")

    __table_args__ = (Index("ix_articles_published", "published"),)


class FingerprintBandRow(Base):
    """One block of an original article's SimHash: the index that finds near-duplicate
    candidates among millions of stored articles (see newswatch.dedup.index_keys: three blocks
    of 21–22 bits, looked up with the values a bit or two away, so that a lookup's candidates
    stay few at hundreds of thousands of articles a day).

    The key is one integer (newswatch.dedup.index_key): the publication day's 14-day period,
    the block's number and its value, in that order. The period first: new articles' rows and a
    lookup's probes go into the pages of the last periods, not into random pages of the whole
    history; within a period, one seek on the key and a range of days finds a probe's rows in
    its window. One integer, not three columns, and the day and the SimHash as integers (not
    ISO text and hex), because SQLite compares them on its fast paths (migration 0012).

    The whole SimHash is stored beside each block, so candidates are compared without visiting
    the articles table; on SQLite the rows live in the primary key's B-tree (WITHOUT ROWID),
    so a lookup reads them in place. On PostgreSQL the primary key's index carries the SimHash
    (INCLUDE), so a lookup is an index-only scan: with millions of rows, reading each
    candidate's heap row was a page read of its own.
    """

    __tablename__ = "fingerprint_bands"
    __table_args__ = (
        PrimaryKeyConstraint("block_key", "published_day", "article_id", postgresql_include=["simhash"]),
        {"sqlite_with_rowid": False},
    )

    block_key: Mapped[int] = mapped_column(BigInteger, doc="newswatch.dedup.index_key(period, block, value)")
    published_day: Mapped[int] = mapped_column(doc="the publication day's ordinal (newswatch.dedup.index_day)")
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    simhash: Mapped[int] = mapped_column(
        BigInteger, doc="the article's whole SimHash, as a signed 64-bit integer (newswatch.dedup.stored_fingerprint)"
    )


class TopicMatchRow(Base):
    """An article's score on a topic that it matched."""

    __tablename__ = "topic_matches"
    __table_args__ = (UniqueConstraint("article_id", "topic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    topic_id: Mapped[str] = mapped_column(String(64), index=True)
    score: Mapped[float]
    evidence: Mapped[list[str]]

    article: Mapped[ArticleRow] = relationship(back_populates="topics")


class ContactEventRow(Base):
    """A contact between officials, however many articles report it."""

    __tablename__ = "contact_events"
    __table_args__ = (
        Index("ix_contact_events_participant_key_date", "participant_key", "date"),
        # A report's candidate events are those of its officials in a window of dates: found
        # from either side, whichever is fewer rows (PostgreSQL scanned every event otherwise).
        Index("ix_contact_events_date", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_key: Mapped[str] = mapped_column(String(512))
    date: Mapped[dt.date]
    mode: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(256))
    level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="held", server_default="held", doc="held | planned")
    date_explicit: Mapped[bool] = mapped_column(default=True, server_default=true())
    historical: Mapped[bool] = mapped_column(
        default=False, server_default=false(), doc="first reported long after it took place"
    )
    confidence: Mapped[float] = mapped_column(default=1.0, server_default="1.0")
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    held_since: Mapped[dt.datetime | None] = mapped_column(
        index=True, doc="when it became a contact that took place: stored held, or a planned event reported held"
    )

    participants: Mapped[list[EventParticipantRow]] = relationship(
        back_populates="event", order_by="EventParticipantRow.position"
    )
    reports: Mapped[list[EventArticleRow]] = relationship(back_populates="event", order_by="EventArticleRow.id")
    alerts: Mapped[list[AlertRow]] = relationship(back_populates="event", order_by="AlertRow.id")


class EventParticipantRow(Base):
    """An official taking part in an event, with the office held that day."""

    __tablename__ = "event_participants"
    __table_args__ = (
        UniqueConstraint("event_id", "official_id"),
        Index("ix_event_participants_official_id", "official_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("contact_events.id", ondelete="CASCADE"))
    position: Mapped[int]
    official_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(256))
    country: Mapped[str] = mapped_column(String(8))
    office: Mapped[str] = mapped_column(String(256))
    defence: Mapped[bool] = mapped_column(
        default=True, server_default=true(), doc="the office is defence or military leadership"
    )

    event: Mapped[ContactEventRow] = relationship(back_populates="participants")


class EventArticleRow(Base):
    """An article reporting an event, with what it said about it."""

    __tablename__ = "event_articles"
    __table_args__ = (UniqueConstraint("event_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("contact_events.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    reported_date: Mapped[dt.date]
    reported_mode: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[list[str]]
    reported_status: Mapped[str] = mapped_column(String(16), default="held", server_default="held")
    confidence: Mapped[float] = mapped_column(default=1.0, server_default="1.0")
    rules: Mapped[list[str] | None]
    role: Mapped[str] = mapped_column(
        String(16),
        default="reported",
        server_default="reported",
        doc="reported: says the contact took place | announced: announces it (never its evidence)",
    )
    date_stated: Mapped[bool] = mapped_column(
        default=True, server_default=true(), doc="the text states the date (else: the article's own date)"
    )
    reported_location: Mapped[str | None] = mapped_column(String(256))

    event: Mapped[ContactEventRow] = relationship(back_populates="reports")
    article: Mapped[ArticleRow] = relationship()


# What a report group is keyed on (EventReportGroupRow's primary key, its upsert's conflict).
REPORT_GROUP_KEY = (
    "event_id",
    "reported_date",
    "date_stated",
    "reported_mode",
    "reported_location",
    "reported_status",
    "published",
)


class EventReportGroupRow(Base):
    """An event's reports that say the same of it: the same date (stated or the article's own),
    mode, place and status, in articles of the same date. Event resolution reads an event's
    groups, not its reports (``newswatch.resolve.Report.weight``), so that an event's 500th report
    reads a few rows, not 499. ``storage.events.record_contact`` keeps it with each report it
    stores; reports are never deleted but with their event or article, and this goes with them.
    """

    __tablename__ = "event_report_groups"
    __table_args__ = (PrimaryKeyConstraint(*REPORT_GROUP_KEY),)

    event_id: Mapped[int] = mapped_column(ForeignKey("contact_events.id", ondelete="CASCADE"))
    reported_date: Mapped[dt.date]
    date_stated: Mapped[bool]
    reported_mode: Mapped[str] = mapped_column(String(16))
    reported_location: Mapped[str] = mapped_column(String(256), doc="'' for none (a key holds no NULL)")
    reported_status: Mapped[str] = mapped_column(String(16))
    published: Mapped[dt.date] = mapped_column(doc="the reporting articles' date")
    reports: Mapped[int] = mapped_column(doc="how many reports say this")
    first_report_id: Mapped[int] = mapped_column(
        ForeignKey("event_articles.id", ondelete="CASCADE"),
        index=True,
        doc="the first of them (its ref names a vote's source)",
    )


class AlertRow(Base):
    """One message for one notification channel, with its delivery status: an event's alert, or a
    digest (the outbox serves both)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("event_id", "channel", "kind"), UniqueConstraint("digest_id", "channel"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("contact_events.id", ondelete="CASCADE"))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64), doc="fingerprint of the notification URL, or 'console'")
    kind: Mapped[str] = mapped_column(
        String(16), default="contact", server_default="contact", doc="contact | planned | digest"
    )
    channel_label: Mapped[str] = mapped_column(String(256), doc="the URL with its secrets masked")
    status: Mapped[str] = mapped_column(
        String(16), index=True, doc="pending | sent | failed | dead | unknown (sent, no answer: may have arrived)"
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(doc="not retried before this (backoff)")
    claimed_until: Mapped[dt.datetime | None] = mapped_column(doc="a worker is delivering it until then")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    event: Mapped[ContactEventRow | None] = relationship(back_populates="alerts")


class FeedRow(Base):
    """A polled feed's state: validators for conditional GET, and its health."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_polled_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    last_status: Mapped[int | None]
    entries_seen: Mapped[int] = mapped_column(default=0, doc="entries in the last successful poll")
    new_items: Mapped[int] = mapped_column(default=0, doc="new items in the last successful poll")
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_warning: Mapped[str | None] = mapped_column(Text)
    failure_alerted: Mapped[bool] = mapped_column(default=False, doc="an operator alert about its failures was sent")


class DigestRow(Base):
    """One digest: what was new between ``since`` and ``until``, composed once for its period.

    Its deliveries are alerts of kind ``digest``, one per channel, so a period's digest reaches a
    channel once and a failed delivery is retried like any alert.
    """

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(32), unique=True, doc="the scheduled time it is for, UTC")
    since: Mapped[dt.datetime]
    until: Mapped[dt.datetime]
    content: Mapped[dict[str, Any]] = mapped_column(doc="what it says, as composed (newswatch.digest.Digest)")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MuteRow(Base):
    """A topic or an event whose alerts and digest sections are not sent (it is still monitored)."""

    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("kind", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), doc="topic | event")
    target: Mapped[str] = mapped_column(String(128), doc="the topic id, or the event id")
    until: Mapped[dt.datetime | None] = mapped_column(doc="muted until then; for good when empty")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
