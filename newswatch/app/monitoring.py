"""What a monitoring cycle reads from the database: the feeds' last polls (which are due), the
validators for their conditional GETs, and which polled items are new; and its claim on the feeds
it polls (``feed_claims``), so that workers sharing a database share the feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from newswatch.config_schema import FeedConfig
from newswatch.polling import FeedPoll, NewItem, item_ref, select_new_items
from newswatch.storage import articles, feeds
from newswatch.storage.database import Database
from newswatch.storage.feeds import Validators, claims_shared, feed_claims

__all__ = ["claims_shared", "feed_claims", "feed_validators", "last_polls", "unstored_items"]


def last_polls(db: Database, configured: Sequence[FeedConfig]) -> dict[str, dt.datetime]:
    """When each of these feeds was last polled (a feed never polled is absent): what a cycle
    chooses its due feeds by, and what its claims check is still so (``feed_claims``)."""
    with db.transaction() as session:
        return feeds.last_polls(session, [f.url for f in configured])


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
