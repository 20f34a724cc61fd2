"""What a monitoring cycle reads from the database: which feeds are due, the validators for
their conditional GETs, and which polled items are new; and its claim on the feeds it polls
(``feed_claims``), so that workers sharing a database share the feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from newswatch.config_schema import FeedConfig
from newswatch.polling import FeedPoll, NewItem, due_feeds, item_ref, select_new_items
from newswatch.storage import articles, feeds
from newswatch.storage.database import Database
from newswatch.storage.feeds import Validators, claims_shared, feed_claims

__all__ = ["claims_shared", "feed_claims", "feed_validators", "feeds_due", "unstored_items"]


def feeds_due(db: Database, configured: Sequence[FeedConfig], now: dt.datetime) -> list[FeedConfig]:
    """The feeds whose interval has passed since their last poll (a feed never polled is due)."""
    with db.transaction() as session:
        polled = feeds.last_polls(session, [f.url for f in configured])
    return due_feeds(configured, polled, now)


def feed_validators(db: Database, configured: Sequence[FeedConfig]) -> dict[str, Validators]:
    """The ETag and Last-Modified stored for each of these feeds, for conditional GET."""
    with db.transaction() as session:
        return feeds.feed_validators(session, [f.url for f in configured])


def unstored_items(db: Database, polls: Sequence[FeedPoll]) -> list[NewItem]:
    """The polled entries whose GUID or canonical link is not stored yet."""
    entries = [entry for poll in polls for entry in poll.entries]
    with db.transaction() as session:
        known = articles.known_items(session, [e.guid for e in entries], [item_ref(e) for e in entries])
    return select_new_items(polls, known)
