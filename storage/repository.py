"""Repository functions: each takes a Session and never commits; the caller frames the transaction.

Idempotency lives in unique constraints and INSERT … ON CONFLICT DO NOTHING, so replaying the
same article twice, or two processes storing it at once, leaves one row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Table, TextClause, bindparam, func, insert, literal_column, or_, select, text, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session, selectinload

from newswatch.dedup import NEAR_DUPLICATE_WINDOW_DAYS, differ_little, fingerprint_bands
from newswatch.model import Article, Contact, Mutes, Participant, Quote, StoredEvent, TopicScore
from newswatch.resolve import BecomesHeld, KnownEvent, NewEvent, Report, Settled, candidate_window, resolve, settle
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


def _dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT that can take ON CONFLICT clauses, on SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"database backend {dialect!r} is not supported")  # pragma: no cover


def _insert_ignore(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True if a row was inserted."""
    inserted = session.execute(_insert_ignore_statement(table, tuple(values)), values).first()
    return inserted is not None


@lru_cache(maxsize=64)
def _insert_ignore_statement(table: Table, columns: tuple[str, ...]) -> TextClause:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id`` of these columns: the same SQL on SQLite
    and PostgreSQL, as a text statement with typed parameters, so it is compiled once. SQLAlchemy
    2.0 compiles its dialects' ON CONFLICT inserts anew at every execution (sqlalchemy#10445),
    which made each of these single-row inserts cost ~0.7 ms instead of ~0.1."""
    omitted = [c.name for c in table.c if c.name not in columns and c.default is not None and not c.primary_key]
    assert not omitted, f"columns with a default must be given: {omitted}"  # text skips Python defaults
    names = ", ".join(f'"{name}"' for name in columns)
    return (
        text(
            f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join(f":{name}" for name in columns)})'
            " ON CONFLICT DO NOTHING RETURNING id"
        )
        .bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns))
        .columns(table.c.id)
    )


_ARTICLES = ArticleRow.__table__
_BANDS = FingerprintBandRow.__table__
# Built once, so SQLAlchemy's compiled cache serves them (dialect INSERTs with ON CONFLICT are
# compiled anew at every execution in SQLAlchemy 2.0: one such statement per batch, not per row).
_ARTICLES_BY_REF_OR_CONTENT = select(_ARTICLES.c.id, _ARTICLES.c.ref, _ARTICLES.c.content_hash).where(
    or_(
        _ARTICLES.c.ref.in_(bindparam("refs", expanding=True)),
        _ARTICLES.c.content_hash.in_(bindparam("hashes", expanding=True)),
    )
)
_INDEX_BANDS = insert(_BANDS)
_MARK_DUPLICATE = (
    update(_ARTICLES).where(_ARTICLES.c.id == bindparam("near_copy")).values(duplicate_of_id=bindparam("original"))
)


def store_article(
    session: Session, article: Article, simhash: str | None = None, duplicate_of: int | None = None
) -> tuple[int, bool]:
    """Store an article unless its ref or its content is already stored; index an original's
    fingerprint (``simhash`` given, ``duplicate_of`` not).

    Returns:
        The stored article's id and whether this call stored it.
    """
    ((stored, inserted),) = store_articles(session, [article], [simhash])
    if inserted and simhash is not None:
        if duplicate_of is None:
            index_fingerprints(session, [(stored, article.published, simhash)])
        else:
            mark_near_duplicates(session, {stored: duplicate_of})
    return stored, inserted


def store_articles(
    session: Session, articles: Sequence[Article], simhashes: Sequence[str | None]
) -> list[tuple[int, bool]]:
    """Store articles (with their SimHash, if any) in one INSERT, in order; each one unless its
    ref or its content is already stored, or is an earlier one's of the list. Near-duplicates
    and fingerprints are recorded apart (``mark_near_duplicates``, ``index_fingerprints``).

    Returns:
        For each article: the stored article's id and whether this call stored it. An article
        not stored has the id of the one stored with its ref, else of the one with its content.
    """
    if not articles:
        return []
    rows = [
        {
            "ref": article.ref,
            "title": article.title,
            "text": article.text,
            "published": article.published,
            "content_hash": article.content_hash,
            "source": article.source,
            "ingested_at": utcnow(),
            "guid": article.guid,
            "feed_url": article.feed_url,
            "text_source": article.text_source,
            "published_source": article.published_source,
            "author": _fitted(article.author, _ARTICLES.c.author),
            "site_name": _fitted(article.site_name, _ARTICLES.c.site_name),
            "language": article.language,
            "simhash": simhash,
            "duplicate_of_id": None,
        }
        for article, simhash in zip(articles, simhashes, strict=True)
    ]
    # Rows are inserted in list order, each skipped if its ref or content is taken (by a stored
    # row or an earlier one of the list), so a (ref, content) pair names the first with it.
    first_with: dict[tuple[str, str], int] = {}
    for position, row in enumerate(rows):
        first_with.setdefault((row["ref"], row["content_hash"]), position)
    statement = (
        _dialect_insert(session, _ARTICLES)
        .on_conflict_do_nothing()
        .returning(_ARTICLES.c.id, _ARTICLES.c.ref, _ARTICLES.c.content_hash)
    )
    ids: list[int | None] = [None] * len(rows)
    inserted_at: dict[int, int] = {}  # id: position in the list
    for row in session.execute(statement, rows):
        position = first_with[(row.ref, row.content_hash)]
        ids[position] = row.id
        inserted_at[row.id] = position
    skipped = [position for position, article_id in enumerate(ids) if article_id is None]
    if skipped:
        found = session.execute(
            _ARTICLES_BY_REF_OR_CONTENT,
            {"refs": [rows[p]["ref"] for p in skipped], "hashes": [rows[p]["content_hash"] for p in skipped]},
        ).all()
        by_ref = {row.ref: row.id for row in found}
        by_content = {row.content_hash: row.id for row in found}
        for position in skipped:
            # What was stored when its turn came: rows stored before, and the list's earlier ones.
            ids[position] = next(
                (
                    article_id
                    for article_id in (
                        by_ref.get(rows[position]["ref"]),
                        by_content.get(rows[position]["content_hash"]),
                    )
                    if article_id is not None and inserted_at.get(article_id, -1) < position
                ),
                None,
            )
    stored: list[tuple[int, bool]] = []
    for position, article_id in enumerate(ids):
        assert article_id is not None, f"{rows[position]['ref']} was neither stored nor found"
        stored.append((article_id, inserted_at.get(article_id) == position))
    return stored


def _fitted(value: str | None, column: Any) -> str | None:
    """Descriptive metadata (a page's author, its site's name) cut to its column's length, which
    PostgreSQL enforces: worth keeping in part, never worth losing the article for. (A ref or a
    GUID is an identity: one too long is refused with its article, not cut.)"""
    length = column.type.length
    return value[:length] if value is not None and length is not None else value


def mark_near_duplicates(session: Session, originals: dict[int, int]) -> None:
    """Record each stored article (key) as a near-copy of an original (value)."""
    if originals:
        session.execute(
            _MARK_DUPLICATE, [{"near_copy": copy, "original": original} for copy, original in originals.items()]
        )


def index_fingerprints(session: Session, originals: Iterable[tuple[int, dt.date, str]]) -> None:
    """Index the SimHash bands of original articles: (id, published, SimHash)."""
    rows = [
        {"band": band, "value": value, "published": published, "article_id": article_id, "simhash": simhash}
        for article_id, published, simhash in originals
        for band, value in fingerprint_bands(simhash)
    ]
    if rows:
        session.execute(_INDEX_BANDS, rows)


def known_items(session: Session, guids: Iterable[str], refs: Iterable[str]) -> set[str]:
    """Which of these feed GUIDs and article refs (canonical URLs) are already stored."""
    guids, refs = set(guids), set(refs)
    known: set[str] = set()
    for chunk in _chunks(sorted(guids)):
        known.update(g for g in session.scalars(select(ArticleRow.guid).where(ArticleRow.guid.in_(chunk))) if g)
    for chunk in _chunks(sorted(refs)):
        known.update(session.scalars(select(ArticleRow.ref).where(ArticleRow.ref.in_(chunk))))
    return known


T = TypeVar("T")


def _chunks(values: list[T], size: int = 500) -> Iterable[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def near_duplicates(
    session: Session, published: dt.date, simhash: str, window_days: int = NEAR_DUPLICATE_WINDOW_DAYS
) -> list[tuple[int, str]]:
    """(id, simhash) of the stored original articles published within a few days of ``published``
    whose text is a near-duplicate of ``simhash``'s, by id. Answered from the band index alone
    (it holds each original's whole SimHash): a near-duplicate shares a band."""
    return near_duplicates_of(session, [(published, simhash)], window_days)[0]


# Band lookups per statement: one statement of this many lookups serves every query. A lookup
# is one band value on a window's days, each day a seek in the key (published, band, value,
# article_id) (a range of days would read every band of those days); its rows carry its number.
_BAND_LOOKUPS = 64
_DAYS_PER_LOOKUP = 2 * NEAR_DUPLICATE_WINDOW_DAYS + 1
_BAND_LOOKUP = union_all(
    *(
        select(literal_column(str(n)).label("lookup"), _BANDS.c.article_id, _BANDS.c.simhash).where(
            _BANDS.c.band == bindparam(f"band_{n}"),
            _BANDS.c.value == bindparam(f"value_{n}"),
            _BANDS.c.published.in_([bindparam(f"day_{n}_{d}") for d in range(_DAYS_PER_LOOKUP)]),
        )
        for n in range(_BAND_LOOKUPS)
    )
)


def near_duplicates_of(
    session: Session, fingerprints: Sequence[tuple[dt.date, str]], window_days: int = NEAR_DUPLICATE_WINDOW_DAYS
) -> list[list[tuple[int, str]]]:
    """``near_duplicates`` for each (published, simhash), in a few queries; fingerprints published
    the same day that share a band value share its lookup. The band index returns some 70 rows
    per fingerprint with a million articles stored; each is compared as it arrives."""
    wanted: dict[tuple[int, int, tuple[dt.date, ...]], list[int]] = {}  # lookup: fingerprints
    for position, (published, simhash) in enumerate(fingerprints):
        window = [published + dt.timedelta(days=offset) for offset in range(-window_days, window_days + 1)]
        for band, value in fingerprint_bands(simhash):
            for days in _chunks(window, _DAYS_PER_LOOKUP):
                wanted.setdefault((band, value, tuple(days)), []).append(position)
    wanted_values = [int(simhash, 16) for _, simhash in fingerprints]
    found: list[set[tuple[int, str]]] = [set() for _ in fingerprints]
    lookups = list(wanted.items())
    for chunk in _chunks(lookups, _BAND_LOOKUPS):
        chunk += [chunk[-1]] * (_BAND_LOOKUPS - len(chunk))  # the same statement for every chunk
        parameters: dict[str, Any] = {}
        for n, ((band, value, days), _) in enumerate(chunk):
            parameters[f"band_{n}"], parameters[f"value_{n}"] = band, value
            for d in range(_DAYS_PER_LOOKUP):
                parameters[f"day_{n}_{d}"] = days[min(d, len(days) - 1)]  # a short list repeats its last day
        for lookup, article_id, simhash in session.execute(_BAND_LOOKUP, parameters):
            value = int(simhash, 16)
            for position in chunk[lookup][1]:
                if differ_little(value, wanted_values[position]):
                    found[position].add((article_id, simhash))
    return [sorted(near) for near in found]


def store_topic_matches(session: Session, article_id: int, topics: Iterable[TopicScore]) -> None:
    """Record the topics an article matched."""
    store_topic_matches_of(session, [(article_id, topics)])


def store_topic_matches_of(session: Session, articles: Iterable[tuple[int, Iterable[TopicScore]]]) -> None:
    """Record the topics each article (id, topic scores) matched, in one statement."""
    rows = [
        {"article_id": article_id, "topic_id": topic.topic_id, "score": topic.score, "evidence": list(topic.evidence)}
        for article_id, topics in articles
        for topic in topics
        if topic.matched
    ]
    if rows:
        table: Table = TopicMatchRow.__table__  # type: ignore[assignment]
        session.execute(_dialect_insert(session, table).on_conflict_do_nothing(), rows)


_KNOWN_EVENTS = (
    select(ContactEventRow)
    .where(
        ContactEventRow.id.in_(
            select(EventParticipantRow.event_id).where(
                EventParticipantRow.official_id.in_(bindparam("officials", expanding=True))
            )
        ),
        ContactEventRow.date >= bindparam("low"),
        ContactEventRow.date <= bindparam("high"),
    )
    .order_by(ContactEventRow.id)
)
_KNOWN_UNCERTAIN = select(EventParticipantRow.event_id, EventParticipantRow.official_id).where(
    EventParticipantRow.event_id.in_(bindparam("ids", expanding=True)), EventParticipantRow.defence.is_(False)
)
_KNOWN_REPORTS = (
    select(
        EventArticleRow.event_id,
        EventArticleRow.reported_date,
        EventArticleRow.date_stated,
        EventArticleRow.reported_mode,
        EventArticleRow.reported_location,
        EventArticleRow.reported_status,
        ArticleRow.ref,
        ArticleRow.published,
    )
    .join(ArticleRow, ArticleRow.id == EventArticleRow.article_id)
    .where(EventArticleRow.event_id.in_(bindparam("ids", expanding=True)))
    .order_by(EventArticleRow.id)
)


def _known_events(session: Session, report: Report) -> dict[int, tuple[ContactEventRow, KnownEvent]]:
    """The stored events a report could be about (a participant in common, dates in reach),
    each with the reports it was settled from: a held event's reports that it took place, a
    planned event's announcements."""
    low, high = candidate_window(report)
    officials = report.participant_key.split("|")
    rows = session.scalars(_KNOWN_EVENTS, {"officials": officials, "low": low, "high": high}).all()
    if not rows:
        return {}
    ids = {"ids": [row.id for row in rows]}
    key_of = {row.id: row.participant_key for row in rows}
    uncertain: dict[int, set[str]] = {}
    for event_id, official_id in session.execute(_KNOWN_UNCERTAIN, ids):
        uncertain.setdefault(event_id, set()).add(official_id)
    reports: dict[int, list[Report]] = {}
    for event_id, date, stated, mode, location, status, ref, published in session.execute(_KNOWN_REPORTS, ids):
        reports.setdefault(event_id, []).append(
            Report(key_of[event_id], date, stated, mode, location, status, ref, published)
        )
    return {
        row.id: (
            row,
            KnownEvent(
                row.id,
                row.participant_key,
                row.status,
                row.date,
                row.mode,
                row.location,
                tuple(r for r in reports.get(row.id, ()) if r.status == row.status),
                frozenset(uncertain.get(row.id, ())),
            ),
        )
        for row in rows
    }


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
                defence=participant.defence,
            )
        )
    return event


def _apply(event: ContactEventRow, settled: Settled) -> None:
    event.date, event.mode, event.location = settled.date, settled.mode, settled.location
    event.date_explicit = settled.date_stated


def lock_participants(session: Session, participant_key: str) -> None:
    """Serialise event resolution for these participants until the transaction ends, so that two
    workers reporting the same contact at once make one event, not two. PostgreSQL: an advisory
    transaction lock; SQLite: transactions already hold the write lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(participant_key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def record_contact(
    session: Session, article_id: int, contact: Contact, ref: str = "", published: dt.date | None = None
) -> tuple[int, str]:
    """Attach the article's contact to its event, creating the event if it is new.

    Which event, and in what role, is :func:`newswatch.resolve.resolve`'s decision; this loads its
    candidates and applies it. A later report can refine the event (its fields are settled from
    all its reports) but never makes it new again; an announcement of a contact that already took
    place is linked to it as an announcement; a planned contact later reported held becomes it.

    Returns:
        The event id and what happened: ``new`` (a held contact not seen before), ``held`` (a
        planned event now reported held), ``joined`` (a report or an announcement of a known
        event), ``planned`` (a newly announced contact).
    """
    lock_participants(session, contact.participant_key)
    report = Report.of(contact, ref, published)
    known = _known_events(session, report)
    outcome = resolve(report, [event for _, event in known.values()])
    role = "announced" if contact.status == "planned" else "reported"
    if isinstance(outcome, NewEvent):
        event, result = _new_event(session, contact), "new" if outcome.status == "held" else "planned"
    elif isinstance(outcome, BecomesHeld):
        event, result = known[outcome.event_id][0], "held"
        _apply(event, outcome.settled)
        event.status, event.held_since, event.historical = "held", utcnow(), contact.historical
    else:
        event, result, role = known[outcome.event_id][0], "joined", outcome.role
        if outcome.settled is not None:
            _apply(event, outcome.settled)
    if role == "reported":
        event.confidence = max(event.confidence, contact.confidence)
    _insert_ignore(
        session,
        EventArticleRow.__table__,  # type: ignore[arg-type]
        {
            "event_id": event.id,
            "article_id": article_id,
            "reported_date": contact.date,
            "reported_mode": contact.mode,
            "reported_location": contact.location,
            "reported_status": contact.status,
            "date_stated": contact.date_is_explicit,
            "role": role,
            "confidence": contact.confidence,
            "evidence": list(contact.evidence),
            "rules": list(contact.rules),
        },
    )
    session.flush()
    return event.id, result


def event_of_article(session: Session, article_id: int) -> int | None:
    """The event a stored article reports, if any."""
    return session.scalar(
        select(EventArticleRow.event_id).where(EventArticleRow.article_id == article_id).order_by(EventArticleRow.id)
    )


_EVENTS_OF_ARTICLES = (
    select(EventArticleRow.article_id, EventArticleRow.event_id)
    .where(EventArticleRow.article_id.in_(bindparam("ids", expanding=True)))
    .order_by(EventArticleRow.id)
)


def events_of_articles(session: Session, article_ids: Iterable[int]) -> dict[int, int]:
    """The event each of these stored articles reports, for those that report one."""
    events: dict[int, int] = {}
    for chunk in _chunks(sorted(set(article_ids))):
        for article_id, event_id in session.execute(_EVENTS_OF_ARTICLES, {"ids": chunk}):
            events.setdefault(article_id, event_id)
    return events


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
    status: str = "pending"  # before this claim: pending, failed, or unknown (its one resend)


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
    An alert of unknown outcome is due only if a resend was scheduled (``mark_alert``).
    """
    query = (
        select(AlertRow)
        .where(
            or_(
                AlertRow.status.in_(("pending", "failed")),
                (AlertRow.status == "unknown") & AlertRow.next_attempt_at.is_not(None),
            ),
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
    return [
        ClaimedAlert(row.id, row.event_id, row.channel, row.kind, row.attempts, row.digest_id, row.status)
        for row in rows
    ]


def mark_alert(
    session: Session,
    alert_id: int,
    delivered: bool,
    error: str | None = None,
    retry_at: dt.datetime | None = None,
    max_attempts: int | None = None,
    unknown: bool = False,
) -> str:
    """Record one delivery attempt's outcome; returns the alert's new status.

    A failure is retried at ``retry_at``; after ``max_attempts`` it goes to the dead-letter
    state (``dead``), from which ``newswatch alerts retry`` brings it back. An ``unknown``
    outcome (sent, no answer: it may have arrived) is resent at ``retry_at`` if given, else not
    (until ``newswatch alerts retry``).
    """
    alert = session.get(AlertRow, alert_id)
    assert alert is not None
    alert.attempts += 1
    alert.claimed_until = None
    if delivered:
        alert.status, alert.sent_at, alert.last_error, alert.next_attempt_at = "sent", utcnow(), None, None
    elif unknown:
        alert.status, alert.last_error, alert.next_attempt_at = "unknown", error, retry_at
    else:
        dead = max_attempts is not None and alert.attempts >= max_attempts
        alert.status, alert.last_error, alert.next_attempt_at = ("dead" if dead else "failed"), error, retry_at
    return alert.status


def requeue_alerts(session: Session, alert_id: int | None = None) -> int:
    """Put failed, dead-letter and unknown-outcome alerts (one, or all) back in the queue, due
    now; returns how many."""
    query = select(AlertRow).where(AlertRow.status.in_(("failed", "dead", "unknown")))
    if alert_id is not None:
        query = query.where(AlertRow.id == alert_id)
    rows = session.scalars(query).all()
    for row in rows:
        row.status, row.next_attempt_at, row.claimed_until = "pending", None, None
        row.attempts = 0
    return len(rows)


def _to_record(row: ContactEventRow) -> StoredEvent:
    return _record(
        row,
        [(p.official_id, p.name, p.country, p.office) for p in row.participants],
        [
            _Report(
                r.article_id,
                r.article.ref,
                r.article.title,
                r.article.published,
                r.article.duplicate_of_id,
                r.confidence,
                r.evidence,
                r.rules,
                r.role,
                r.reported_date,
                r.date_stated,
                r.reported_mode,
                r.reported_location,
                r.reported_status,
            )
            for r in row.reports
        ],
        {t.topic_id for report in row.reports for t in report.article.topics},
    )


class _Report(NamedTuple):
    """An article's report of an event, as a record needs it."""

    article_id: int
    ref: str
    title: str
    published: dt.date
    duplicate_of_id: int | None
    confidence: float
    evidence: list[str]
    rules: list[str] | None
    role: str
    date: dt.date
    date_stated: bool
    mode: str
    location: str | None
    status: str


def _record(
    row: Any, participants: Sequence[tuple[str, str, str, str]], reports: Sequence[_Report], topics: Iterable[str]
) -> StoredEvent:
    """An event as a record: its row, its participants in order, its reports in order, and the
    topics its articles matched. Announcements are listed apart: never sources, never evidence
    of a contact that took place."""
    reported = [r for r in reports if r.role == "reported"]
    announced = [r for r in reports if r.role == "announced"]
    if not reported:  # a planned event: its announcements are all it has
        reported, announced = announced, []
    # Evidence from the most confident report first, each sentence once.
    by_confidence = sorted(reported, key=lambda r: -r.confidence)
    settled = (
        settle([Report("", r.date, r.date_stated, r.mode, r.location, r.status, r.ref, r.published) for r in reported])
        if reported
        else None
    )
    return StoredEvent(
        id=row.id,
        date=row.date,
        mode=row.mode,
        location=row.location,
        participants=tuple(
            Participant(official_id=official_id, name=name, country=country, office=office, office_id="")
            for official_id, name, country, office in participants
        ),
        topics=tuple(sorted(set(topics))),
        evidence=tuple(dict.fromkeys(sentence for report in by_confidence for sentence in report.evidence)),
        articles=tuple((r.ref, r.title, r.published) for r in reported),
        status=row.status,
        level=row.level,
        historical=row.historical,
        confidence=row.confidence,
        sources=len({r.article_id for r in reported if r.duplicate_of_id is None}),
        rules=tuple(dict.fromkeys(rule for report in by_confidence for rule in report.rules or [])),
        announcements=tuple((r.ref, r.title, r.published) for r in announced),
        date_stated=row.date_explicit,
        field_sources=settled.sources if settled else (),
        quotes=_quotes(by_confidence),
    )


MAX_QUOTES = 4  # the sentence that states the contact, and up to three supporting ones


def _quotes(reports: Sequence[_Report]) -> tuple[Quote, ...]:
    """The best sentence of each independent report (syndicated copies count once), most
    confident first, each sentence once."""
    quotes: list[Quote] = []
    said: set[str] = set()
    independent = [r for r in reports if r.duplicate_of_id is None] or list(reports)
    for report in independent:
        sentence = next((s for s in report.evidence if s not in said), None)
        if sentence is None:
            continue
        said.add(sentence)
        quotes.append(Quote(sentence, report.ref, report.title, report.published))
        if len(quotes) == MAX_QUOTES:
            break
    return tuple(quotes)


# An event's parts, for events by id: plain rows, statements built once (get_event runs once per
# alert sent; the ORM's selectinload chain took ~6 queries and ~8 ms an event).
_IDS = bindparam("ids", expanding=True)
_EVENT_ROWS = select(
    ContactEventRow.id,
    ContactEventRow.date,
    ContactEventRow.mode,
    ContactEventRow.location,
    ContactEventRow.status,
    ContactEventRow.level,
    ContactEventRow.historical,
    ContactEventRow.confidence,
    ContactEventRow.date_explicit,
).where(ContactEventRow.id.in_(_IDS))
_EVENT_PARTICIPANTS = (
    select(
        EventParticipantRow.event_id,
        EventParticipantRow.official_id,
        EventParticipantRow.name,
        EventParticipantRow.country,
        EventParticipantRow.office,
    )
    .where(EventParticipantRow.event_id.in_(_IDS))
    .order_by(EventParticipantRow.event_id, EventParticipantRow.position)
)
_EVENT_REPORTS = (
    select(
        EventArticleRow.event_id,
        EventArticleRow.article_id,
        ArticleRow.ref,
        ArticleRow.title,
        ArticleRow.published,
        ArticleRow.duplicate_of_id,
        EventArticleRow.confidence,
        EventArticleRow.evidence,
        EventArticleRow.rules,
        EventArticleRow.role,
        EventArticleRow.reported_date,
        EventArticleRow.date_stated,
        EventArticleRow.reported_mode,
        EventArticleRow.reported_location,
        EventArticleRow.reported_status,
    )
    .join(ArticleRow, ArticleRow.id == EventArticleRow.article_id)
    .where(EventArticleRow.event_id.in_(_IDS))
    .order_by(EventArticleRow.id)
)
_EVENT_TOPICS = (
    select(EventArticleRow.event_id, TopicMatchRow.topic_id)
    .join(TopicMatchRow, TopicMatchRow.article_id == EventArticleRow.article_id)
    .where(EventArticleRow.event_id.in_(_IDS))
)


def _event_query() -> Any:
    return select(ContactEventRow).options(
        selectinload(ContactEventRow.participants),
        selectinload(ContactEventRow.reports).selectinload(EventArticleRow.article).selectinload(ArticleRow.topics),
        selectinload(ContactEventRow.alerts),
    )


def get_event(session: Session, event_id: int) -> StoredEvent:
    """One stored event as a record."""
    (record,) = get_events(session, [event_id])
    return record


def get_events(session: Session, event_ids: Iterable[int]) -> list[StoredEvent]:
    """The stored events with these ids as records, in id order: four queries for them all.

    Raises:
        NoResultFound: one of them is not stored.
    """
    ids = sorted(set(event_ids))
    records: list[StoredEvent] = []
    for chunk in _chunks(ids):
        parameters = {"ids": chunk}
        participants: dict[int, list[tuple[str, str, str, str]]] = {}
        for event_id, *participant in session.execute(_EVENT_PARTICIPANTS, parameters):
            participants.setdefault(event_id, []).append(tuple(participant))  # type: ignore[arg-type]
        reports: dict[int, list[_Report]] = {}
        for event_id, *report in session.execute(_EVENT_REPORTS, parameters):
            reports.setdefault(event_id, []).append(_Report(*report))
        topics: dict[int, set[str]] = {}
        for event_id, topic_id in session.execute(_EVENT_TOPICS, parameters):
            topics.setdefault(event_id, set()).add(topic_id)
        rows = sorted(session.execute(_EVENT_ROWS, parameters), key=lambda row: row.id)
        records += [
            _record(row, participants.get(row.id, []), reports.get(row.id, []), topics.get(row.id, ())) for row in rows
        ]
    if len(records) != len(ids):
        raise NoResultFound(f"events not stored: {sorted(set(ids) - {r.id for r in records})}")
    return records


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


class FeedStreak(NamedTuple):
    """A feed's failures in a row after a poll, and whether the operator was told of them."""

    consecutive_failures: int
    failure_alerted: bool


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
) -> FeedStreak:
    """Record one poll of a feed; returns its failures in a row and whether they were alerted."""
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
    return FeedStreak(feed.consecutive_failures, feed.failure_alerted)


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
