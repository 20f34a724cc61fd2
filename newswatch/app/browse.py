"""What the list commands show: stored events, alerts and articles (feeds: ``app.feeds``), each read in one
transaction and returned as the typed rows of its storage module."""

from __future__ import annotations

from newswatch.storage import articles, events, outbox
from newswatch.storage.articles import ArticleListing
from newswatch.storage.database import Database
from newswatch.storage.events import ListedEvent
from newswatch.storage.outbox import AlertSummary

__all__ = ["AlertSummary", "ArticleListing", "ListedEvent", "list_alerts", "list_articles", "list_contacts"]


def list_contacts(db: Database) -> list[ListedEvent]:
    """Every stored event, oldest contact first, with when it was first seen and whether its
    contact alert was delivered."""
    with db.transaction() as session:
        return events.list_events(session)


def list_alerts(db: Database) -> list[AlertSummary]:
    """Every alert and its delivery status, oldest first."""
    with db.transaction() as session:
        return outbox.alert_summary(session)


def list_articles(db: Database, limit: int) -> list[ArticleListing]:
    """The ``limit`` most recently stored articles, newest first."""
    with db.transaction() as session:
        return articles.list_articles(session, limit)
