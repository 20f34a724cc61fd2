"""Storing classified articles: articles, topic matches, near-copies and contact events, and
queuing the alerts that new events call for, in batches of one transaction each."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from newswatch.dedup import first_originals, text_fingerprint
from newswatch.errors import StorageError, item_error
from newswatch.model import Classification, Mutes
from newswatch.notify import Channel
from newswatch.progress import ProgressHook, report_progress
from newswatch.routing import EVERYONE, Routing
from newswatch.storage import articles, outbox
from newswatch.storage.database import Database
from newswatch.storage.events import events_of_articles, lock_officials, record_contact
from newswatch.storage.mutes import active_mutes

STORE_BATCH_SIZE = 200
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredArticle:
    """What storing one classified article did."""

    ref: str
    new: bool
    event_id: int | None = None
    new_event: bool = False
    duplicate_of: int | None = None
    muted: bool = False  # an alert was due, but its topics or its event are muted
    error: str | None = None  # not stored, and why ("<ExceptionType>: <message>"); tried again next run


def _refused_row(exc: Exception) -> bool:
    """Whether a failed store is an item's doing (a value the database refuses, a bug tripped by
    one article), not the database's (unreachable, locked, read-only, schema missing): only the
    former is worth retrying item by item, the latter ends the run with one clear error."""
    if isinstance(exc, StorageError):  # the database's own trouble, already put in words
        return False
    if not isinstance(exc, SQLAlchemyError):
        return True
    if isinstance(exc, (DataError, IntegrityError)):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return sqlstate.startswith("54")  # PostgreSQL's "program limit exceeded": an index row too large


def store_classifications(
    db: Database,
    classifications: Sequence[Classification],
    channels: Sequence[Channel],
    notify_planned: bool = False,
    min_level: str = "senior",
    routing: Routing = EVERYONE,
    on_progress: ProgressHook = report_progress,
) -> list[StoredArticle]:
    """Store articles, topic matches and contacts; queue alerts for events that are new, on the
    channels their topics route to, unless the operator muted them.

    An article already stored (same ref or same content) changes nothing. Deciding an event is
    new and queuing its alerts happen in the transaction that stores it. Articles are stored
    in batches, one transaction each; within one, as if one by one in order.

    A row the database refuses (a value too long for its column…) must not lose its batch: when
    a batch's transaction fails so, its articles are stored again one by one, each in its own
    transaction, and only the culprit fails: its outcome carries the ``error`` and it is not
    stored, so the next run tries it again. A failure of the database itself is raised.
    """
    outcomes: list[StoredArticle] = []
    stored: list[StoredArticle]
    for start in range(0, len(classifications), STORE_BATCH_SIZE):
        batch = classifications[start : start + STORE_BATCH_SIZE]
        options = (channels, notify_planned, min_level, routing)
        try:
            with db.transaction() as session:
                stored = _store_batch(session, batch, *options)
        except Exception as exc:
            if not _refused_row(exc):
                raise
            logger.debug("storing a batch failed; storing its articles one by one", exc_info=True)
            stored = [_store_alone(db, item, *options) for item in batch]
        for outcome in stored:
            outcomes.append(outcome)
            on_progress("Storing", len(outcomes), len(classifications))
    return outcomes


def _store_alone(
    db: Database,
    item: Classification,
    channels: Sequence[Channel],
    notify_planned: bool,
    min_level: str,
    routing: Routing,
) -> StoredArticle:
    """Store one article in its own transaction; a row the database refuses is its failure."""
    try:
        with db.transaction() as session:
            (outcome,) = _store_batch(session, [item], channels, notify_planned, min_level, routing)
            return outcome
    except Exception as exc:
        if not _refused_row(exc):
            raise
        logger.debug("storing %s failed", item.article.ref, exc_info=True)
        return StoredArticle(item.article.ref, new=False, error=item_error(exc))


def _store_batch(
    session: Session,
    batch: Sequence[Classification],
    channels: Sequence[Channel],
    notify_planned: bool,
    min_level: str,
    routing: Routing,
) -> list[StoredArticle]:
    """Store a batch's articles, topics and contacts in the session's transaction, in order."""
    mutes = active_mutes(session, dt.datetime.now(dt.UTC))
    # Every official the batch's contacts name, locked at once in one order: locked one contact
    # at a time, in the batch's order, two workers' batches waited on each other in a circle.
    lock_officials(session, [p.official_id for item in batch if item.contact for p in item.contact.participants])
    stored = _store_articles(session, batch)
    # The event of each article stored before; those of this batch's are added as recorded.
    events: dict[int, int | None] = dict(
        events_of_articles(session, [article_id for article_id, new, _ in stored if not new])
    )
    outcomes: list[StoredArticle] = []
    for item, (article_id, new, duplicate_of) in zip(batch, stored, strict=True):
        if new:
            outcome = _record_contact(
                session, item, article_id, duplicate_of, channels, notify_planned, min_level, routing, mutes
            )
            events[article_id] = outcome.event_id
        else:
            outcome = StoredArticle(item.article.ref, new=False, event_id=events.get(article_id))
        outcomes.append(outcome)
    return outcomes


def _store_articles(session: Session, batch: Sequence[Classification]) -> list[tuple[int, bool, int | None]]:
    """Store a batch's articles with their fingerprints and topic matches, a few statements for
    all; for each: its id, whether it is new, and the original it is a near-copy of."""
    simhashes = [text_fingerprint(item.article.text) if item.article.source == "feed" else None for item in batch]
    stored = articles.store_articles(session, [item.article for item in batch], simhashes)
    fingerprinted = [
        (article_id, item.article.published, simhash)
        for item, simhash, (article_id, new) in zip(batch, simhashes, stored, strict=True)
        if new and simhash is not None
    ]
    stored_originals = articles.near_duplicates_of(session, [(day, simhash) for _, day, simhash in fingerprinted])
    found = first_originals(fingerprinted, [[article_id for article_id, _ in near] for near in stored_originals])
    originals = {article_id: original for (article_id, _, _), original in zip(fingerprinted, found, strict=True)}
    articles.mark_near_duplicates(
        session, {copy: original for copy, original in originals.items() if original is not None}
    )
    articles.index_fingerprints(session, [f for f in fingerprinted if originals[f[0]] is None])
    articles.store_topic_matches_of(
        session, [(article_id, item.topics) for item, (article_id, new) in zip(batch, stored, strict=True) if new]
    )
    return [(article_id, new, originals.get(article_id) if new else None) for article_id, new in stored]


def _record_contact(
    session: Session,
    item: Classification,
    article_id: int,
    duplicate_of: int | None,
    channels: Sequence[Channel],
    notify_planned: bool,
    min_level: str,
    routing: Routing,
    mutes: Mutes,
) -> StoredArticle:
    """Resolve a newly stored article's contact, if any, to its event; queue its alerts if due."""
    if item.contact is None:
        return StoredArticle(item.article.ref, new=True, duplicate_of=duplicate_of)
    event_id, outcome = record_contact(session, article_id, item.contact, item.article.ref, item.article.published)
    if not item.contact.reaches(min_level):
        return StoredArticle(item.article.ref, True, event_id, False, duplicate_of)  # recorded, not alerted
    due = outcome in ("new", "held") or (outcome == "planned" and notify_planned)
    # A muted topic routes nothing; an event whose topics are all muted, or that is muted itself
    # (its follow-ups: a planned meeting reported held), sends nothing.
    muted = due and mutes.silences(item.matched_topics, None if outcome == "new" else event_id)
    if due and not muted:
        recipients = routing.recipients(channels, "contacts", mutes.unmuted(item.matched_topics))
        routed = [(c.fingerprint, c.label) for c in recipients]
        # a contact not alerted before (new, or announced and now held), or a note of a planned one
        outbox.queue_alerts(session, event_id, routed, kind="planned" if outcome == "planned" else "contact")
    return StoredArticle(item.article.ref, True, event_id, outcome in ("new", "held"), duplicate_of, muted)
