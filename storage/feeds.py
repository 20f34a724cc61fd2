"""Feeds' health: each poll's outcome, the validators for conditional GET, failures in a row and
whether the operator was told of them.

Each function takes a Session and never commits; the caller frames the transaction. The one
exception, ``feed_claims``, holds a connection of its own for a monitor cycle's claims on feeds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Engine, bindparam, delete, select, text
from sqlalchemy.orm import Session

from newswatch.model import FeedStatus
from newswatch.storage._sql import insert_ignore
from newswatch.storage.models import FeedRow, utcnow

if TYPE_CHECKING:
    from newswatch.storage.database import Database


class Validators(NamedTuple):
    """A feed's ETag and Last-Modified, for conditional GET."""

    etag: str | None
    last_modified: str | None


class FeedStreak(NamedTuple):
    """A feed's failures in a row after a poll, and whether the operator was told of them."""

    consecutive_failures: int
    failure_alerted: bool


class FailingFeed(NamedTuple):
    """A feed whose last poll failed."""

    name: str
    url: str
    consecutive_failures: int
    last_error: str | None


def feed_validators(session: Session, urls: Iterable[str]) -> dict[str, Validators]:
    """The ETag and Last-Modified stored for each known feed, for conditional GET."""
    rows = session.execute(select(FeedRow.url, FeedRow.etag, FeedRow.last_modified).where(FeedRow.url.in_(list(urls))))
    return {row.url: Validators(row.etag, row.last_modified) for row in rows}


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
) -> FeedStreak:
    """Record one poll of a feed; returns its failures in a row and whether they were alerted."""
    insert_ignore(
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
    )
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
    """Record whether the operator has been told that the feed is failing."""
    feed = session.scalars(select(FeedRow).where(FeedRow.url == url)).one()
    feed.failure_alerted = alerted


def list_feeds(session: Session) -> list[FeedStatus]:
    """Every polled feed's health, by name."""
    rows = session.scalars(select(FeedRow).order_by(FeedRow.name, FeedRow.url)).all()
    return [
        FeedStatus(
            url=row.url,
            name=row.name,
            last_poll=row.last_polled_at,
            last_success=row.last_success_at,
            status=row.last_status,
            entries_seen=row.entries_seen,
            new_items=row.new_items,
            consecutive_failures=row.consecutive_failures,
            last_error=row.last_error,
            last_warning=row.last_warning,
        )
        for row in rows
    ]


def failing_feeds(session: Session) -> list[FailingFeed]:
    """Feeds whose last poll failed, by name."""
    rows = session.execute(
        select(FeedRow.name, FeedRow.url, FeedRow.consecutive_failures, FeedRow.last_error)
        .where(FeedRow.consecutive_failures > 0)
        .order_by(FeedRow.name, FeedRow.url)
    ).all()
    return [FailingFeed(*row) for row in rows]


def forget_feed(session: Session, url: str) -> str | None:
    """Delete a feed's health row (its validators, failures and last error go with it, and with
    them its place among the digest's failing feeds); the name it had, or None if none was stored."""
    return session.execute(delete(FeedRow).where(FeedRow.url == url).returning(FeedRow.name)).scalar_one_or_none()


# The class of feed claims among PostgreSQL's two-key advisory locks (a key space of its own: the
# one-key locks that serialise event resolution never collide with these).
_FEED_LOCK_CLASS = 0x6E77  # "nw"


def _feed_lock_key(url: str) -> int:
    return int.from_bytes(hashlib.sha256(url.encode()).digest()[:4], "big", signed=True)


def _engine(db: Database) -> Engine:
    bind = db.sessions.kw["bind"]
    return bind if isinstance(bind, Engine) else bind.engine


def claims_shared(db: Database) -> bool:
    """Whether monitor cycles on other workers can share this database's feeds (PostgreSQL);
    on SQLite, a single machine's file, a cycle has every feed (see ``feed_claims``)."""
    return _engine(db).dialect.name == "postgresql"


@contextmanager
def feed_claims(db: Database, seen_polls: Mapping[str, dt.datetime]) -> Iterator[Callable[[Sequence[str]], list[str]]]:
    """A claim on feeds for one monitor cycle, so that workers sharing a database share the feeds
    instead of all polling each: yields ``claim(urls)``, which returns the URLs this cycle has
    now claimed (those another worker's cycle holds are left out). Claims hold until the block
    ends (after the cycle has recorded the feeds' health), or until the worker's connection ends
    however it ends. PostgreSQL: session advisory locks on a connection of their own; SQLite, a
    single machine's file: every URL is claimed.

    ``seen_polls`` are the feeds' last polls as the cycle read them when it chose its feeds
    (``last_polls``; a feed never polled is absent). A feed whose last poll has changed since
    is left out too: another worker's cycle polled it, recorded it and let it go between this
    cycle's choice and its claim, and the lock alone would give it to this cycle a second time.
    """
    engine = _engine(db)
    if not claims_shared(db):
        yield list
        return
    guard = threading.Lock()  # the claim is called from the cycle's threads
    last_polled = select(FeedRow.last_polled_at).where(FeedRow.url == bindparam("url"))
    with engine.connect() as connection:

        def still_unpolled(url: str) -> bool:
            if connection.execute(last_polled, {"url": url}).scalar_one_or_none() == seen_polls.get(url):
                return True
            connection.execute(text("SELECT pg_advisory_unlock(:class, :key)"), _lock_key(url))
            return False

        def claim(urls: Sequence[str]) -> list[str]:
            with guard:
                claimed = [
                    url
                    for url in urls
                    if connection.execute(text("SELECT pg_try_advisory_lock(:class, :key)"), _lock_key(url)).scalar()
                    and still_unpolled(url)
                ]
                connection.commit()  # (session locks outlive transactions; none is left open)
                return claimed

        try:
            yield claim
        finally:
            with guard:
                connection.execute(text("SELECT pg_advisory_unlock_all()"))  # before the pool reuses it
                connection.commit()


def _lock_key(url: str) -> dict[str, int]:
    return {"class": _FEED_LOCK_CLASS, "key": _feed_lock_key(url)}
