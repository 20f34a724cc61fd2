"""Checking feeds: fetch each once through newswatch's Fetcher (the same address guard, size caps,
timeouts and redirect limit as a monitor cycle, no conditional GET), parse it, and say what came
back. A URL that answers with a web page is searched for the feeds it links to, which are checked
in its place. Nothing is stored."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newswatch.config_schema import FeedConfig, MonitorSettings
from newswatch.errors import item_error
from newswatch.feed_discovery import discover_feeds
from newswatch.feeds import FeedError, FeedLimits, is_web_page, parse_feed
from newswatch.fetch import Fetcher, FetchError, FetchResult
from newswatch.polling import FEED_ACCEPT, feed_limits, fetch_policy, in_parallel
from newswatch.urls import mask_credentials

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedCheck:
    """One feed's answer: HTTP status, format, title, entries and newest entry's date, or the
    error; ``found_on`` is the page it was discovered on, if it was given as a site's page."""

    url: str
    name: str
    status: int | None = None
    format: str | None = None
    title: str | None = None
    entries: int = 0
    last_item: dt.datetime | None = None
    error: str | None = None
    warning: str | None = None
    found_on: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _failed(feed: FeedConfig, status: int | None, error: str, found_on: str | None) -> FeedCheck:
    return FeedCheck(feed.url, feed.label, status, error=mask_credentials(error), found_on=found_on)


def _fetch(fetcher: Fetcher, url: str, max_bytes: int) -> FetchResult:
    return fetcher.fetch(url, accept=FEED_ACCEPT, max_bytes=max_bytes)


def _check_one(
    fetcher: Fetcher, feed: FeedConfig, max_bytes: int, limits: FeedLimits, discover: bool, found_on: str | None = None
) -> list[FeedCheck]:
    """The check of one feed; of the feeds its page links to, when it is a page and ``discover``."""
    try:
        result = _fetch(fetcher, feed.fetch_url, max_bytes)
    except FetchError as exc:
        return [_failed(feed, exc.status, exc.reason, found_on)]
    except Exception as exc:
        _log_failure(feed.url, exc)
        return [_failed(feed, None, item_error(exc), found_on)]
    if is_web_page(result.body, result.headers):
        if found_on is not None:  # a page's link to another page: no second round of discovery
            return [_failed(feed, result.status, "a web page, not a feed", found_on)]
        linked = discover_feeds(result.body, result.url)
        if discover and linked:
            return [
                check
                for url in linked
                for check in _check_one(fetcher, FeedConfig(url=url), max_bytes, limits, False, feed.url)
            ]
        hint = f"; it links to {', '.join(linked)}" if linked else "; it links to no feed"
        return [_failed(feed, result.status, f"a web page, not a feed{hint}", found_on)]
    try:
        parsed = parse_feed(result.body, result.headers, result.url, limits)
    except FeedError as exc:
        return [_failed(feed, result.status, str(exc).removeprefix(f"{result.url}: "), found_on)]
    except Exception as exc:
        _log_failure(feed.url, exc)
        return [_failed(feed, result.status, item_error(exc), found_on)]
    dates = [entry.published for entry in parsed.entries if entry.published is not None]
    return [
        FeedCheck(
            feed.url,
            feed.name or parsed.title or feed.url,
            result.status,
            parsed.format,
            parsed.title,
            len(parsed.entries),
            max(dates, default=None),
            warning=mask_credentials(parsed.warning) if parsed.warning else None,
            found_on=found_on,
        )
    ]


def _log_failure(url: str, exc: BaseException) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s", mask_credentials(f"checking {url} failed:\n{''.join(traceback.format_exception(exc))}"))


def check_feeds(
    feeds: Sequence[FeedConfig],
    monitor: MonitorSettings,
    *,
    discover: bool = True,
    on_done: Callable[[FeedConfig], object] | None = None,
) -> list[FeedCheck]:
    """Fetch and parse each feed once, concurrently as a monitor cycle does; never raises for a feed.

    Args:
        feeds: the feeds to check (their real URLs are fetched, their masked ones reported).
        monitor: the fetch policy, caps and concurrency (``monitor`` settings, with the
            environment's overrides).
        discover: check the feeds a web page links to, in place of the page.
        on_done: called after each feed (progress).

    Returns:
        One check per feed in the given order (several for a page linking to several feeds).
    """
    limits = feed_limits(monitor)
    with Fetcher(fetch_policy(monitor)) as fetcher:
        checks = in_parallel(
            lambda feed: _check_one(fetcher, feed, monitor.max_feed_bytes, limits, discover),
            feeds,
            monitor.concurrency,
            on_done,
        )
    return [check for per_feed in checks for check in per_feed]
