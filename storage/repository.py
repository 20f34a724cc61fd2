"""Repository functions: each takes a Session and never commits; the caller frames the transaction.

Idempotency lives in unique constraints and INSERT … ON CONFLICT DO NOTHING, so replaying the
same article twice, or two processes storing it at once, leaves one row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from newswatch.storage.models import (
    AlertRow,
    ArticleRow,
    ContactEventRow,
    EventArticleRow,
    EventParticipantRow,
    TopicMatchRow,
    utcnow,
)
from sqlalchemy import Table, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from newswatch.records import Article, Contact, Participant, StoredEvent, TopicScore
from newswatch.resolve import EVENT_DATE_TOLERANCE, refined, same_event


def _insert_ignore(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True if a row was inserted."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - other backends are not supported yet
        raise NotImplementedError(f"database backend {dialect!r} is not supported")
    inserted = session.execute(statement.returning(table.c.id)).first()
    return inserted is not None


def store_article(session: Session, article: Article) -> tuple[int, bool]:
    """Store an article unless its ref or its content is already stored.

    Returns:
        The stored article's id and whether this call stored it.
    """
    content_hash = article.content_hash
    inserted = _insert_ignore(
        session,
        ArticleRow.__table__,  # type: ignore[arg-type]
        {
            "ref": article.ref,
            "title": article.title,
            "text": article.text,
            "published": article.published,
            "content_hash": content_hash,
            "source": article.source,
            "ingested_at": utcnow(),
        },
    )
    stored = session.scalar(
        select(ArticleRow.id).where(or_(ArticleRow.ref == article.ref, ArticleRow.content_hash == content_hash))
    )
    assert stored is not None
    return stored, inserted


def store_topic_matches(session: Session, article_id: int, topics: Iterable[TopicScore]) -> None:
    """Record the topics an article matched."""
    for topic in topics:
        if topic.matched:
            _insert_ignore(
                session,
                TopicMatchRow.__table__,  # type: ignore[arg-type]
                {
                    "article_id": article_id,
                    "topic_id": topic.topic_id,
                    "score": topic.score,
                    "evidence": list(topic.evidence),
                },
            )


def find_matching_event(session: Session, contact: Contact) -> ContactEventRow | None:
    """The stored event this contact is a report of: same participants, dates within a day,
    compatible modes."""
    rows = session.scalars(
        select(ContactEventRow)
        .where(
            and_(
                ContactEventRow.participant_key == contact.participant_key,
                ContactEventRow.date >= contact.date - EVENT_DATE_TOLERANCE,
                ContactEventRow.date <= contact.date + EVENT_DATE_TOLERANCE,
            )
        )
        .order_by(ContactEventRow.id)
    ).all()
    for row in rows:
        if same_event(row.date, row.mode, contact):
            return row
    return None


def record_contact(session: Session, article_id: int, contact: Contact, level: str = "senior") -> tuple[int, bool]:
    """Attach the article's contact to its event, creating the event if it is new.

    A later report can make the event more precise (mode, location, an earlier date) but never
    makes it new again.

    Returns:
        The event id and whether the event was created by this call.
    """
    event = find_matching_event(session, contact)
    created = event is None
    if event is None:
        event = ContactEventRow(
            participant_key=contact.participant_key,
            date=contact.date,
            mode=contact.mode,
            location=contact.location,
            level=level,
        )
        session.add(event)
        session.flush()
        for position, participant in enumerate(contact.participants):
            session.add(
                EventParticipantRow(
                    event_id=event.id,
                    position=position,
                    official_id=participant.official_id,
                    name=participant.name,
                    country=participant.country,
                    office=participant.office,
                )
            )
    else:
        event.date, event.mode, event.location = refined(event.date, event.mode, event.location, contact)
    _insert_ignore(
        session,
        EventArticleRow.__table__,  # type: ignore[arg-type]
        {
            "event_id": event.id,
            "article_id": article_id,
            "reported_date": contact.date,
            "reported_mode": contact.mode,
            "evidence": list(contact.evidence),
        },
    )
    session.flush()
    return event.id, created


def event_of_article(session: Session, article_id: int) -> int | None:
    """The event a stored article reports, if any."""
    return session.scalar(
        select(EventArticleRow.event_id).where(EventArticleRow.article_id == article_id).order_by(EventArticleRow.id)
    )


def queue_alerts(session: Session, event_id: int, channels: Sequence[tuple[str, str]]) -> None:
    """Queue one pending alert for the event per channel (fingerprint, masked label)."""
    for channel, label in channels:
        _insert_ignore(
            session,
            AlertRow.__table__,  # type: ignore[arg-type]
            {
                "event_id": event_id,
                "channel": channel,
                "channel_label": label,
                "status": "pending",
                "attempts": 0,
                "created_at": utcnow(),
            },
        )


def undelivered_alerts(session: Session, channels: Iterable[str]) -> list[tuple[int, int, str]]:
    """Alerts still to deliver on the given channels: (alert id, event id, channel)."""
    rows = session.execute(
        select(AlertRow.id, AlertRow.event_id, AlertRow.channel)
        .where(AlertRow.status.in_(("pending", "failed")), AlertRow.channel.in_(list(channels)))
        .order_by(AlertRow.id)
    ).all()
    return [(r.id, r.event_id, r.channel) for r in rows]


def mark_alert(session: Session, alert_id: int, delivered: bool, error: str | None = None) -> None:
    """Record one delivery attempt's outcome."""
    alert = session.get(AlertRow, alert_id)
    assert alert is not None
    alert.attempts += 1
    if delivered:
        alert.status, alert.sent_at, alert.last_error = "sent", utcnow(), None
    else:
        alert.status, alert.last_error = "failed", error


def _to_record(row: ContactEventRow) -> StoredEvent:
    participants = tuple(
        Participant(official_id=p.official_id, name=p.name, country=p.country, office=p.office, office_id="")
        for p in row.participants
    )
    topics = sorted({t.topic_id for report in row.reports for t in report.article.topics})
    evidence = tuple(sentence for report in row.reports for sentence in report.evidence)
    articles = tuple((r.article.ref, r.article.title, r.article.published) for r in row.reports)
    return StoredEvent(
        id=row.id,
        date=row.date,
        mode=row.mode,  # type: ignore[arg-type]
        location=row.location,
        participants=participants,
        topics=tuple(topics),
        evidence=evidence,
        articles=articles,
    )


def _event_query() -> Any:
    return select(ContactEventRow).options(
        selectinload(ContactEventRow.participants),
        selectinload(ContactEventRow.reports).selectinload(EventArticleRow.article).selectinload(ArticleRow.topics),
        selectinload(ContactEventRow.alerts),
    )


def get_event(session: Session, event_id: int) -> StoredEvent:
    """One stored event as a record."""
    row = session.scalars(_event_query().where(ContactEventRow.id == event_id)).one()
    return _to_record(row)


def list_events(session: Session) -> list[tuple[StoredEvent, dt.datetime, bool]]:
    """Every event, oldest contact first: (event, first seen, whether any alert was delivered)."""
    rows = session.scalars(_event_query().order_by(ContactEventRow.date, ContactEventRow.id)).all()
    return [(_to_record(row), row.first_seen, any(a.status == "sent" for a in row.alerts)) for row in rows]


def alert_summary(session: Session) -> list[tuple[int, int, str, str, int, str | None]]:
    """Every alert: (id, event id, channel label, status, attempts, last error)."""
    rows = session.execute(
        select(
            AlertRow.id,
            AlertRow.event_id,
            AlertRow.channel_label,
            AlertRow.status,
            AlertRow.attempts,
            AlertRow.last_error,
        ).order_by(AlertRow.id)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]
