"""The monitor flow: poll feeds → pick new items → fetch and extract pages → classify → store and
resolve events → alert, and record each feed's health."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from newswatch.flows.tasks import (
    RunReport,
    classify_articles,
    configured_channels,
    run_report,
    send_alerts,
    store_results,
)
from newswatch.storage import repository
from newswatch.storage.database import open_database, transaction
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session, sessionmaker

from newswatch.fetch import Fetcher
from newswatch.monitor import (
    FeedPoll,
    NewItem,
    build_article,
    due_feeds,
    fetch_item_page,
    fetch_policy,
    in_parallel,
    item_ref,
    poll_feed,
    select_new_items,
)
from newswatch.notify import Channel
from newswatch.pipeline import FeedNotice, record_feed_health
from newswatch.progress import each_done
from newswatch.records import Article
from newswatch.routing import Routing, routing_for
from newswatch.settings import FeedConfig, MonitorSettings, database_url, load_settings, monitor_settings


@dataclass(frozen=True)
class MonitorReport:
    """What a monitoring cycle did."""

    polls: list[FeedPoll]
    run: RunReport
    notices: list[FeedNotice]
    page_failures: dict[str, str]

    @property
    def failed(self) -> list[FeedPoll]:
        return [p for p in self.polls if p.error is not None]

    @property
    def not_modified(self) -> list[FeedPoll]:
        return [p for p in self.polls if p.not_modified]


@task(cache_policy=NO_CACHE)
def poll_feeds(
    fetcher: Fetcher, sessions: sessionmaker[Session], feeds: list[FeedConfig], monitor: MonitorSettings
) -> list[FeedPoll]:
    """Poll every feed concurrently (bounded), with conditional GET from the stored validators."""
    with transaction(sessions) as session:
        validators = repository.feed_validators(session, [f.url for f in feeds])
    return in_parallel(
        each_done(
            lambda feed: poll_feed(fetcher, feed, validators.get(feed.url, (None, None)), monitor.max_feed_bytes),
            "Polling feeds",
            len(feeds),
        ),
        feeds,
        monitor.concurrency,
    )


@task(cache_policy=NO_CACHE)
def find_new_items(sessions: sessionmaker[Session], polls: list[FeedPoll]) -> list[NewItem]:
    """Entries whose GUID or canonical link is not stored yet."""
    entries = [entry for poll in polls for entry in poll.entries]
    with transaction(sessions) as session:
        known = repository.known_items(session, [e.guid for e in entries], [item_ref(e) for e in entries])
    return select_new_items(polls, known)


@task(cache_policy=NO_CACHE)
def fetch_articles(
    fetcher: Fetcher, items: list[NewItem], monitor: MonitorSettings
) -> tuple[list[Article], dict[str, str]]:
    """Fetch each new item's page concurrently and extract the article (the summary if that fails)."""
    pages = in_parallel(
        each_done(lambda item: fetch_item_page(fetcher, item), "Fetching pages", len(items)), items, monitor.concurrency
    )
    fetched_at = dt.datetime.now(dt.UTC)
    articles = [build_article(item, page, fetched_at) for item, (page, _) in zip(items, pages, strict=True)]
    failures = {item.ref: reason for item, (_, reason) in zip(items, pages, strict=True) if reason}
    return articles, failures


@task(cache_policy=NO_CACHE)
def update_feed_health(
    sessions: sessionmaker[Session],
    polls: list[FeedPoll],
    items: list[NewItem],
    channels: list[Channel],
    monitor: MonitorSettings,
    routing: Routing,
) -> list[FeedNotice]:
    """Record each feed's poll; one operator notice when a feed keeps failing, one when it recovers."""
    new_items: dict[str, int] = {}
    for item in items:
        new_items[item.feed.url] = new_items.get(item.feed.url, 0) + 1
    return record_feed_health(sessions, polls, new_items, channels, monitor.failure_alert_after, routing=routing)


@flow(name="newswatch-monitor", log_prints=False, validate_parameters=True)
def monitor(
    feed_urls: list[str] | None = None, config_dir: str | None = None, ignore_intervals: bool = False
) -> MonitorReport:
    """One monitoring cycle over the enabled feeds of feeds.yaml that are due, or over ``feed_urls``.

    Args:
        feed_urls: poll these feeds (now) instead of the configured ones.
        config_dir: a folder of configuration overrides (see newswatch.settings).
        ignore_intervals: poll every enabled feed, even one polled less than its interval ago.
    """
    settings = load_settings(Path(config_dir) if config_dir else None)
    options = monitor_settings(settings)
    channels = configured_channels(settings)
    sessions = open_database(database_url(None))
    configured = {f.url: f for f in settings.feeds}
    if feed_urls:
        feeds = [configured.get(url) or FeedConfig(url=url) for url in feed_urls]
    else:
        feeds = [f for f in settings.feeds if f.enabled]
        if not ignore_intervals:
            with transaction(sessions) as session:
                polled = repository.last_polls(session, [f.url for f in feeds])
            feeds = due_feeds(feeds, polled, dt.datetime.now(dt.UTC))
    with Fetcher(fetch_policy(options)) as fetcher:
        polls = poll_feeds(fetcher, sessions, feeds, options)
        items = find_new_items(sessions, polls)
        articles, page_failures = fetch_articles(fetcher, items, options)
    classifications = classify_articles(articles, settings)
    stored = store_results(sessions, classifications, channels, settings)
    notices = update_feed_health(sessions, polls, items, channels, options, routing_for(settings))
    deliveries = send_alerts(sessions, settings, channels)
    run = run_report(sessions, len(articles), [], stored, deliveries, channels)
    return MonitorReport(polls, run, notices, page_failures)
