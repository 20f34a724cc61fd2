"""Repository functions: each takes a Session and never commits; the caller frames the transaction.

Idempotency lives in unique constraints and INSERT … ON CONFLICT DO NOTHING, so replaying the
same article twice, or two processes storing it at once, leaves one row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from newswatch.storage.models import (
    AlertRow,
    ArticleRow,
    ContactEventRow,
    DigestRow,
    EventArticleRow,
    EventParticipantRow,
    FeedRow,
    FingerprintBandRow,
    MuteRow,
    TopicMatchRow,
    utcnow,
)
from sqlalchemy import Table, func, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from newswatch.dedup import fingerprint_bands
from newswatch.records import Article, Contact, Mutes, Participant, StoredEvent, TopicScore
from newswatch.resolve import EVENT_DATE_TOLERANCE, PLANNED_TOLERANCE, refined, same_event


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


def store_article(
    session: Session, article: Article, simhash: str | None = None, duplicate_of: int | None = None
) -> tuple[int, bool]:
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
            "guid": article.guid,
            "feed_url": article.feed_url,
            "text_source": article.text_source,
            "published_source": article.published_source,
            "author": article.author,
            "site_name": article.site_name,
            "language": article.language,
            "simhash": simhash,
            "duplicate_of_id": duplicate_of,
        },
    )
    stored = session.scalar(
        select(ArticleRow.id).where(or_(ArticleRow.ref == article.ref, ArticleRow.content_hash == content_hash))
    )
    assert stored is not None
    if inserted and simhash is not None and duplicate_of is None:  # an original: index its fingerprint
        session.execute(
            insert(FingerprintBandRow),
            [
                {"band": band, "value": value, "published": article.published, "article_id": stored, "simhash": simhash}
                for band, value in fingerprint_bands(simhash)
            ],
        )
    return stored, inserted


def known_items(session: Session, guids: Iterable[str], refs: Iterable[str]) -> set[str]:
    """Which of these feed GUIDs and article refs (canonical URLs) are already stored."""
    guids, refs = set(guids), set(refs)
    known: set[str] = set()
    for chunk in _chunks(sorted(guids)):
        known.update(g for g in session.scalars(select(ArticleRow.guid).where(ArticleRow.guid.in_(chunk))) if g)
    for chunk in _chunks(sorted(refs)):
        known.update(session.scalars(select(ArticleRow.ref).where(ArticleRow.ref.in_(chunk))))
    return known


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def near_duplicate_candidates(
    session: Session, published: dt.date, simhash: str, window_days: int = 3
) -> list[tuple[int, str]]:
    """(id, simhash) of original articles published within a few days of ``published`` whose
    fingerprint shares a band with ``simhash``: every near-duplicate is among them. Answered
    from the band index alone (it holds each original's whole SimHash)."""
    # The date window sits inside each band's condition: SQLite looks up each alternative of an
    # OR on its own, and would otherwise read a band value's entries of every date.
    window = FingerprintBandRow.published.between(
        published - dt.timedelta(days=window_days), published + dt.timedelta(days=window_days)
    )
    band_matches = or_(
        *(
            (FingerprintBandRow.band == band) & (FingerprintBandRow.value == value) & window
            for band, value in fingerprint_bands(simhash)
        )
    )
    rows = session.execute(
        select(FingerprintBandRow.article_id, FingerprintBandRow.simhash)
        .where(band_matches)
        .distinct()
        .order_by(FingerprintBandRow.article_id)
    ).all()
    return [(row.article_id, row.simhash) for row in rows]


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


def _events_of(session: Session, contact: Contact, status: str, tolerance: dt.timedelta) -> list[ContactEventRow]:
    return list(
        session.scalars(
            select(ContactEventRow)
            .where(
                ContactEventRow.participant_key == contact.participant_key,
                ContactEventRow.status == status,
                ContactEventRow.date >= contact.date - tolerance,
                ContactEventRow.date <= contact.date + tolerance,
            )
            .order_by(ContactEventRow.id)
        )
    )


def find_matching_event(session: Session, contact: Contact) -> ContactEventRow | None:
    """The stored held event this contact is a report of: same participants, dates within a
    day, compatible modes."""
    for row in _events_of(session, contact, "held", EVENT_DATE_TOLERANCE):
        if same_event(row.date, row.mode, contact):
            return row
    return None


def _new_event(session: Session, contact: Contact) -> ContactEventRow:
    event = ContactEventRow(
        participant_key=contact.participant_key,
        date=contact.date,
        mode=contact.mode,
        location=contact.location,
        level=contact.level,
        status=contact.status,
        date_explicit=contact.date_is_explicit,
        historical=contact.historical,
        confidence=contact.confidence,
        held_since=utcnow() if contact.status == "held" else None,
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
    return event


def lock_participants(session: Session, participant_key: str) -> None:
    """Serialise event resolution for these participants until the transaction ends, so that two
    workers reporting the same contact at once make one event, not two. PostgreSQL: an advisory
    transaction lock; SQLite: transactions already hold the write lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(participant_key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def record_contact(session: Session, article_id: int, contact: Contact) -> tuple[int, str]:
    """Attach the article's contact to its event, creating the event if it is new.

    A later report can make the event more precise (mode, location, an earlier date) but never
    makes it new again. A planned meeting that is later reported held becomes that contact.

    Returns:
        The event id and what happened: ``new`` (a held contact not seen before), ``held`` (a
        planned event now reported held), ``joined`` (a report of a known event), ``planned``
        (a newly announced meeting).
    """
    lock_participants(session, contact.participant_key)
    if contact.status == "planned":
        known = _events_of(session, contact, "held", PLANNED_TOLERANCE) or _events_of(
            session, contact, "planned", PLANNED_TOLERANCE
        )
        event, outcome = (known[0], "joined") if known else (_new_event(session, contact), "planned")
    else:
        event = find_matching_event(session, contact)
        outcome = "joined"
        if event is None:
            planned = [
                row
                for row in _events_of(session, contact, "planned", PLANNED_TOLERANCE)
                if row.date_explicit or row.date <= contact.date + EVENT_DATE_TOLERANCE
            ]
            if planned:
                event, outcome = planned[0], "held"
                event.status, event.date, event.date_explicit = "held", contact.date, contact.date_is_explicit
                event.held_since = utcnow()
                event.mode, event.location = contact.mode, contact.location or event.location
                event.historical = contact.historical
            else:
                event, outcome = _new_event(session, contact), "new"
        else:
            event.date, event.mode, event.location = refined(event.date, event.mode, event.location, contact)
        event.confidence = max(event.confidence, contact.confidence)
    _insert_ignore(
        session,
        EventArticleRow.__table__,  # type: ignore[arg-type]
        {
            "event_id": event.id,
            "article_id": article_id,
            "reported_date": contact.date,
            "reported_mode": contact.mode,
            "reported_status": contact.status,
            "confidence": contact.confidence,
            "evidence": list(contact.evidence),
            "rules": list(contact.rules),
        },
    )
    session.flush()
    return event.id, outcome


def event_of_article(session: Session, article_id: int) -> int | None:
    """The event a stored article reports, if any."""
    return session.scalar(
        select(EventArticleRow.event_id).where(EventArticleRow.article_id == article_id).order_by(EventArticleRow.id)
    )


def queue_alerts(session: Session, event_id: int, channels: Sequence[tuple[str, str]], kind: str = "contact") -> None:
    """Queue one pending alert of this kind for the event per channel (fingerprint, masked label)."""
    for channel, label in channels:
        _insert_ignore(
            session,
            AlertRow.__table__,  # type: ignore[arg-type]
            {
                "kind": kind,
                "event_id": event_id,
                "channel": channel,
                "channel_label": label,
                "status": "pending",
                "attempts": 0,
                "created_at": utcnow(),
            },
        )


class ClaimedAlert(NamedTuple):
    """An alert a worker now owns until its lease ends: an event's, or a digest's."""

    id: int
    event_id: int | None
    channel: str
    kind: str
    attempts: int  # made before this claim
    digest_id: int | None = None


def claim_alerts(
    session: Session,
    channels: Iterable[str],
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int = 100,
    exclude: Iterable[int] = (),
    kinds: Iterable[str] | None = None,
) -> list[ClaimedAlert]:
    """Claim alerts due for delivery on these channels (of these kinds, if given).

    A claimed alert is not claimed again until ``lease`` has passed, so two workers never send
    the same alert; one that died mid-delivery lets it go when the lease runs out. PostgreSQL
    skips rows another worker has locked (SKIP LOCKED); SQLite's transactions are serialised.
    """
    query = (
        select(AlertRow)
        .where(
            AlertRow.status.in_(("pending", "failed")),
            AlertRow.channel.in_(list(channels)),
            or_(AlertRow.next_attempt_at.is_(None), AlertRow.next_attempt_at <= now),
            or_(AlertRow.claimed_until.is_(None), AlertRow.claimed_until < now),
            AlertRow.id.not_in(list(exclude)),
        )
        .order_by(AlertRow.id)
        .limit(limit)
    )
    if kinds is not None:
        query = query.where(AlertRow.kind.in_(list(kinds)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.scalars(query).all()
    for row in rows:
        row.claimed_until = now + lease
    return [ClaimedAlert(row.id, row.event_id, row.channel, row.kind, row.attempts, row.digest_id) for row in rows]


def mark_alert(
    session: Session,
    alert_id: int,
    delivered: bool,
    error: str | None = None,
    retry_at: dt.datetime | None = None,
    max_attempts: int | None = None,
) -> str:
    """Record one delivery attempt's outcome; returns the alert's new status.

    A failure is retried at ``retry_at``; after ``max_attempts`` it goes to the dead-letter
    state (``dead``), from which ``newswatch alerts retry`` brings it back.
    """
    alert = session.get(AlertRow, alert_id)
    assert alert is not None
    alert.attempts += 1
    alert.claimed_until = None
    if delivered:
        alert.status, alert.sent_at, alert.last_error, alert.next_attempt_at = "sent", utcnow(), None, None
    else:
        dead = max_attempts is not None and alert.attempts >= max_attempts
        alert.status, alert.last_error, alert.next_attempt_at = ("dead" if dead else "failed"), error, retry_at
    return alert.status


def requeue_alerts(session: Session, alert_id: int | None = None) -> int:
    """Put failed and dead-letter alerts (one, or all) back in the queue, due now; returns how many."""
    query = select(AlertRow).where(AlertRow.status.in_(("failed", "dead")))
    if alert_id is not None:
        query = query.where(AlertRow.id == alert_id)
    rows = session.scalars(query).all()
    for row in rows:
        row.status, row.next_attempt_at, row.claimed_until = "pending", None, None
        row.attempts = 0
    return len(rows)


def _to_record(row: ContactEventRow) -> StoredEvent:
    participants = tuple(
        Participant(official_id=p.official_id, name=p.name, country=p.country, office=p.office, office_id="")
        for p in row.participants
    )
    topics = sorted({t.topic_id for report in row.reports for t in report.article.topics})
    # Evidence from the most confident report first, each sentence once.
    reports = sorted(row.reports, key=lambda r: -r.confidence)
    evidence = tuple(dict.fromkeys(sentence for report in reports for sentence in report.evidence))
    rules = tuple(dict.fromkeys(rule for report in reports for rule in report.rules or []))
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
        status=row.status,  # type: ignore[arg-type]
        level=row.level,
        historical=row.historical,
        confidence=row.confidence,
        sources=len({r.article_id for r in row.reports if r.article.duplicate_of_id is None}),
        rules=rules,
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
    return [
        (_to_record(row), row.first_seen, any(a.status == "sent" and a.kind == "contact" for a in row.alerts))
        for row in rows
    ]


def alert_summary(session: Session) -> list[dict[str, Any]]:
    """Every alert, as plain values: id, event id (or the digest's period), kind, channel label,
    status, attempts, last error."""
    rows = session.execute(
        select(
            AlertRow.id,
            AlertRow.event_id,
            DigestRow.period.label("digest"),
            AlertRow.kind,
            AlertRow.channel_label.label("channel"),
            AlertRow.status,
            AlertRow.attempts,
            AlertRow.last_error,
        )
        .outerjoin(DigestRow, AlertRow.digest_id == DigestRow.id)
        .order_by(AlertRow.id)
    ).all()
    return [dict(row._mapping) for row in rows]


# --- feeds ---------------------------------------------------------------------------------


def feed_validators(session: Session, urls: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
    """The ETag and Last-Modified stored for each known feed, for conditional GET."""
    rows = session.execute(select(FeedRow.url, FeedRow.etag, FeedRow.last_modified).where(FeedRow.url.in_(list(urls))))
    return {row.url: (row.etag, row.last_modified) for row in rows}


def last_polls(session: Session, urls: Iterable[str]) -> dict[str, dt.datetime]:
    """When each known feed was last polled."""
    rows = session.execute(select(FeedRow.url, FeedRow.last_polled_at).where(FeedRow.url.in_(list(urls))))
    return {row.url: row.last_polled_at for row in rows if row.last_polled_at is not None}


def record_feed_poll(
    session: Session,
    url: str,
    name: str,
    *,
    status: int | None,
    error: str | None,
    warning: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    entries_seen: int | None = None,
    new_items: int | None = None,
) -> FeedRow:
    """Record one poll of a feed; returns the feed's updated row (failure count, alert flag)."""
    _insert_ignore(
        session,
        FeedRow.__table__,
        {
            "url": url,
            "name": name,
            "entries_seen": 0,
            "new_items": 0,
            "consecutive_failures": 0,
            "failure_alerted": False,
        },
    )  # type: ignore[arg-type]
    feed = session.scalars(select(FeedRow).where(FeedRow.url == url).with_for_update()).one()
    now = utcnow()
    feed.name = name
    feed.last_polled_at = now
    feed.last_status = status
    if error is None:
        feed.last_success_at = now
        feed.consecutive_failures = 0
        feed.last_error = None
        feed.last_warning = warning
        if status != 304:
            feed.etag, feed.last_modified = etag, last_modified
            feed.entries_seen = entries_seen or 0
        feed.new_items = new_items or 0
    else:
        feed.consecutive_failures += 1
        feed.last_error = error
    session.flush()
    return feed


def set_failure_alerted(session: Session, url: str, alerted: bool) -> None:
    feed = session.scalars(select(FeedRow).where(FeedRow.url == url)).one()
    feed.failure_alerted = alerted


def list_feeds(session: Session) -> list[dict[str, Any]]:
    """Every polled feed's health, as plain values."""
    rows = session.scalars(select(FeedRow).order_by(FeedRow.name, FeedRow.url)).all()
    return [
        {
            "url": row.url,
            "name": row.name,
            "last_poll": row.last_polled_at.isoformat() if row.last_polled_at else None,
            "last_success": row.last_success_at.isoformat() if row.last_success_at else None,
            "status": row.last_status,
            "entries_seen": row.entries_seen,
            "new_items": row.new_items,
            "consecutive_failures": row.consecutive_failures,
            "last_error": row.last_error,
            "last_warning": row.last_warning,
        }
        for row in rows
    ]


def list_articles(session: Session, limit: int) -> list[dict[str, Any]]:
    """The most recently stored articles, newest first, as plain values."""
    rows = session.scalars(
        select(ArticleRow).options(selectinload(ArticleRow.topics)).order_by(ArticleRow.id.desc()).limit(limit)
    ).all()
    originals = {
        row.id: row.ref
        for row in session.scalars(
            select(ArticleRow).where(ArticleRow.id.in_([r.duplicate_of_id for r in rows if r.duplicate_of_id]))
        )
    }
    return [
        {
            "ref": row.ref,
            "title": row.title,
            "published": row.published.isoformat(),
            "feed": row.feed_url,
            "topics": sorted(t.topic_id for t in row.topics),
            "duplicate_of": originals.get(row.duplicate_of_id) if row.duplicate_of_id else None,
            "language": row.language,
            "text_source": row.text_source or "file",
            "published_source": row.published_source or "file",
        }
        for row in rows
    ]


# --- report --------------------------------------------------------------------------------


def count_articles(session: Session, since: dt.date | None = None) -> int:
    """How many articles are stored (published on or after ``since``, if given)."""
    query = select(func.count()).select_from(ArticleRow)
    if since is not None:
        query = query.where(ArticleRow.published >= since)
    return session.scalar(query) or 0


def topic_articles_by_day(session: Session, since: dt.date | None = None) -> list[tuple[str, dt.date, int]]:
    """Articles per topic and publication day: (topic id, day, articles), oldest first."""
    query = (
        select(TopicMatchRow.topic_id, ArticleRow.published, func.count())
        .join(ArticleRow, TopicMatchRow.article_id == ArticleRow.id)
        .group_by(TopicMatchRow.topic_id, ArticleRow.published)
        .order_by(ArticleRow.published, TopicMatchRow.topic_id)
    )
    if since is not None:
        query = query.where(ArticleRow.published >= since)
    return [(topic, day, count) for topic, day, count in session.execute(query)]


# --- mutes ---------------------------------------------------------------------------------


def set_mute(session: Session, kind: str, target: str, until: dt.datetime | None) -> None:
    """Mute a topic or an event (until a time, or for good); muting it again replaces the end."""
    _insert_ignore(
        session,
        MuteRow.__table__,  # type: ignore[arg-type]
        {"kind": kind, "target": target, "until": until, "created_at": utcnow()},
    )
    row = session.scalars(select(MuteRow).where(MuteRow.kind == kind, MuteRow.target == target)).one()
    row.until = until


def remove_mute(session: Session, kind: str, target: str) -> bool:
    """Unmute; False if it was not muted."""
    row = session.scalars(select(MuteRow).where(MuteRow.kind == kind, MuteRow.target == target)).first()
    if row is None:
        return False
    session.delete(row)
    return True


def active_mutes(session: Session, now: dt.datetime) -> Mutes:
    """The topics and events muted at ``now``."""
    rows = session.execute(
        select(MuteRow.kind, MuteRow.target).where(or_(MuteRow.until.is_(None), MuteRow.until > now))
    ).all()
    return Mutes(
        topics=frozenset(r.target for r in rows if r.kind == "topic"),
        events=frozenset(int(r.target) for r in rows if r.kind == "event"),
    )


def list_mutes(session: Session, now: dt.datetime) -> list[dict[str, Any]]:
    """Every mute, as plain values, with whether it is still in force."""
    rows = session.scalars(select(MuteRow).order_by(MuteRow.kind, MuteRow.target)).all()
    return [
        {
            "kind": row.kind,
            "target": row.target,
            "until": row.until.isoformat() if row.until else None,
            "since": row.created_at.isoformat(),
            "active": row.until is None or row.until > now,
        }
        for row in rows
    ]


def event_exists(session: Session, event_id: int) -> bool:
    return session.get(ContactEventRow, event_id) is not None


# --- digests -------------------------------------------------------------------------------


def last_digest_until(session: Session) -> dt.datetime | None:
    """Where the latest digest ended: the next one starts there."""
    return session.scalar(select(func.max(DigestRow.until)))


def find_digest(session: Session, period: str) -> tuple[int, dict[str, Any]] | None:
    """The digest of a period, if composed: (id, content)."""
    row = session.execute(select(DigestRow.id, DigestRow.content).where(DigestRow.period == period)).first()
    return (row.id, row.content) if row else None


def digest_content(session: Session, digest_id: int) -> dict[str, Any]:
    row = session.get(DigestRow, digest_id)
    assert row is not None
    return row.content


def store_digest(
    session: Session, period: str, since: dt.datetime, until: dt.datetime, content: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Store the period's digest unless another worker already did; returns the stored one."""
    _insert_ignore(
        session,
        DigestRow.__table__,  # type: ignore[arg-type]
        {"period": period, "since": since, "until": until, "content": content, "created_at": utcnow()},
    )
    stored = find_digest(session, period)
    assert stored is not None
    return stored


def queue_digest(session: Session, digest_id: int, channels: Sequence[tuple[str, str]]) -> int:
    """Queue the digest for each channel (fingerprint, masked label) not queued yet; returns how many."""
    return sum(
        _insert_ignore(
            session,
            AlertRow.__table__,  # type: ignore[arg-type]
            {
                "kind": "digest",
                "digest_id": digest_id,
                "channel": channel,
                "channel_label": label,
                "status": "pending",
                "attempts": 0,
                "created_at": utcnow(),
            },
        )
        for channel, label in channels
    )


def events_held_between(session: Session, since: dt.datetime, until: dt.datetime) -> list[StoredEvent]:
    """Events that became contacts that took place in [since, until)."""
    rows = session.scalars(
        _event_query()
        .where(ContactEventRow.held_since >= since, ContactEventRow.held_since < until)
        .order_by(ContactEventRow.date, ContactEventRow.id)
    ).all()
    return [_to_record(row) for row in rows]


def planned_events(
    session: Session, from_date: dt.date, announced_since: dt.datetime
) -> list[tuple[StoredEvent, dt.datetime]]:
    """Planned events dated ``from_date`` or later, or first seen since ``announced_since``, with
    when each was first seen."""
    rows = session.scalars(
        _event_query()
        .where(
            ContactEventRow.status == "planned",
            or_(ContactEventRow.date >= from_date, ContactEventRow.first_seen >= announced_since),
        )
        .order_by(ContactEventRow.date, ContactEventRow.id)
    ).all()
    return [(_to_record(row), row.first_seen) for row in rows]


def topic_volumes(session: Session, since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Articles stored in [since, until) per topic they matched."""
    rows = session.execute(
        select(TopicMatchRow.topic_id, func.count())
        .join(ArticleRow, TopicMatchRow.article_id == ArticleRow.id)
        .where(ArticleRow.ingested_at >= since, ArticleRow.ingested_at < until)
        .group_by(TopicMatchRow.topic_id)
    ).all()
    return {topic: count for topic, count in rows}


def failing_feeds(session: Session) -> list[tuple[str, str, int, str | None]]:
    """Feeds whose last poll failed: (name, url, consecutive failures, last error)."""
    rows = session.execute(
        select(FeedRow.name, FeedRow.url, FeedRow.consecutive_failures, FeedRow.last_error)
        .where(FeedRow.consecutive_failures > 0)
        .order_by(FeedRow.name, FeedRow.url)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]
