"""What the HTML report shows, read from the database in one transaction
(``newswatch.report`` renders it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from newswatch.report import ReportData, ReportEvent, TopicDay
from newswatch.storage import articles, events, feeds
from newswatch.storage.database import Database


def gather_report(
    db: Database,
    generated_at: dt.datetime,
    since: dt.date | None = None,
    topic_names: Mapping[str, str] | None = None,
) -> ReportData:
    """Read what the report shows: events dated and articles published on or after ``since``
    (everything when None), and every feed's health. Nothing is written.

    Args:
        db: the database.
        generated_at: when the report is made (shown on the page).
        since: the first day covered.
        topic_names: display names of topic ids; an unknown id is shown as is.

    Returns:
        The report's data.
    """
    with db.transaction() as session:
        listed = events.list_events(session)
        count = articles.count_articles(session, since)
        topic_days = articles.topic_articles_by_day(session, since)
        feed_rows = feeds.list_feeds(session)
    return ReportData(
        generated_at=generated_at,
        since=since,
        events=tuple(
            ReportEvent(item.event, item.first_seen, item.alerted)
            for item in listed
            if since is None or item.event.date >= since
        ),
        articles=count,
        topic_days=tuple(TopicDay(row.topic_id, row.day, row.articles) for row in topic_days),
        feeds=tuple(feed_rows),
        topic_names=dict(topic_names or {}),
    )
