"""One monitoring cycle's stages before classification: poll feeds, pick new items, fetch and
extract their pages. I/O goes through a Fetcher; deciding what is new is pure."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from newswatch.config_schema import FeedConfig, MonitorSettings
from newswatch.errors import item_error
from newswatch.extract import ExtractedPage, cut_text, extract_page
from newswatch.feeds import FeedEntry, FeedError, FeedLimits, ParsedFeed, cut_title, parse_feed
from newswatch.fetch import Fetcher, FetchError, FetchPolicy
from newswatch.language import declared_language, detect_language
from newswatch.model import Article
from newswatch.text import first_sentence
from newswatch.urls import canonical_url, mask_credentials

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

# Parsing feeds and extracting pages is CPU-bound, and a process's threads share one core (the
# GIL): eight threads extracting at once spent 20-33 s of CPU on 2,000 pages that one at a time
# takes 19.7 s (switching, caches), for no gain in wall time. So the fetch threads take turns at
# it, and only their I/O overlaps. Each process (task_runner processes or dask) has its own.
_PARSING_TURN = threading.Lock()

T = TypeVar("T")
R = TypeVar("R")
Parse = Callable[[bytes, dict[str, str], str, FeedLimits], ParsedFeed]
Extract = Callable[..., ExtractedPage | None]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedPoll:
    """The outcome of polling one feed."""

    feed: FeedConfig
    status: int | None
    entries: tuple[FeedEntry, ...] = ()
    error: str | None = None
    warning: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class NewItem:
    """A feed entry not seen before, with the reference it will be stored under."""

    feed: FeedConfig
    entry: FeedEntry
    ref: str


INTERVAL_SLACK = dt.timedelta(minutes=1)  # a run scheduled every N minutes must not skip a feed due every N


def due_feeds(feeds: Sequence[FeedConfig], last_polled: dict[str, dt.datetime], now: dt.datetime) -> list[FeedConfig]:
    """Feeds never polled, or last polled at least their ``interval_minutes`` ago."""
    return [
        feed
        for feed in feeds
        if feed.url not in last_polled
        or now - last_polled[feed.url] >= dt.timedelta(minutes=feed.interval_minutes) - INTERVAL_SLACK
    ]


def fetch_policy(monitor: MonitorSettings) -> FetchPolicy:
    return FetchPolicy(
        connect_timeout=monitor.connect_timeout,
        read_timeout=monitor.read_timeout,
        total_timeout=monitor.total_timeout,
        max_bytes=monitor.max_page_bytes,
        max_redirects=monitor.max_redirects,
        retries=monitor.retries,
        backoff_seconds=monitor.backoff_seconds,
        per_host_concurrency=monitor.per_host_concurrency,
        allow_private_networks=monitor.allow_private_networks,
        respect_robots=monitor.respect_robots,
    )


def feed_limits(monitor: MonitorSettings) -> FeedLimits:
    return FeedLimits(
        max_entries=monitor.max_entries_per_feed,
        max_title_chars=monitor.max_title_chars,
        max_text_chars=monitor.max_text_chars,
    )


def _log_failure(what: str, exc: BaseException) -> None:
    """The traceback of an item's failure, at DEBUG (``--debug``), credentials masked: the URL
    that failed may be a feed's real one, and exception messages repeat URLs."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s", mask_credentials(f"{what}:\n{''.join(traceback.format_exception(exc))}".rstrip()))


def _host(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:  # "http://[::1/x": grouped with the host-less, to fail alone when fetched
        return ""


def group_by_host(things: Sequence[T], url_of: Callable[[T], str | None], groups: int) -> list[list[T]]:
    """``things`` split into at most ``groups`` lists, each host's things in one list (so one
    fetcher's per-host limit and robots cache cover them), the lists as even as hosts allow.

    Pure: the fan-out of feeds and pages over task runs.
    """
    by_host: dict[str, list[T]] = {}
    for thing in things:
        by_host.setdefault(_host(url_of(thing)), []).append(thing)
    buckets: list[list[T]] = [[] for _ in range(max(1, min(groups, len(by_host))))]
    for host_things in sorted(by_host.values(), key=len, reverse=True):
        min(buckets, key=len).extend(host_things)
    return [bucket for bucket in buckets if bucket]


def in_parallel(
    function: Callable[[T], R], items: Sequence[T], workers: int, on_done: Callable[[T], object] | None = None
) -> list[R]:
    """``function`` over ``items`` on a bounded thread pool, results in the items' order;
    ``on_done(item)`` after each call, as calls finish (progress)."""

    def call(item: T) -> R:
        result = function(item)
        if on_done is not None:
            on_done(item)
        return result

    if len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="newswatch-fetch") as pool:
        return list(pool.map(call, items))


def poll_feed(
    fetcher: Fetcher,
    feed: FeedConfig,
    validators: tuple[str | None, str | None],
    max_bytes: int,
    limits: FeedLimits | None = None,
    parse: Parse = parse_feed,
) -> FeedPoll:
    """Fetch (conditionally) and parse one feed; any failure is recorded, never raised.

    The feed is the unit of failure: any exception in fetching or parsing it (a ValueError from
    urllib, a RecursionError, an lxml error as well as newswatch's own) becomes this poll's
    error, and the other feeds of the run go on. The traceback is logged at DEBUG (``--debug``).
    """
    etag, last_modified = validators
    try:
        result = fetcher.fetch(
            feed.url, etag=etag, last_modified=last_modified, accept=FEED_ACCEPT, max_bytes=max_bytes
        )
    except FetchError as exc:
        return FeedPoll(feed, exc.status, error=exc.reason)
    except Exception as exc:
        _log_failure(f"fetching the feed {feed.url} failed", exc)
        return FeedPoll(feed, None, error=item_error(exc))
    if result.not_modified:
        return FeedPoll(feed, 304, etag=etag, last_modified=last_modified)
    try:
        with _PARSING_TURN:
            parsed = parse(result.body, result.headers, result.url, limits or FeedLimits())
    except FeedError as exc:
        return FeedPoll(feed, result.status, error=str(exc).removeprefix(f"{result.url}: "))
    except Exception as exc:
        _log_failure(f"parsing the feed {feed.url} failed", exc)
        return FeedPoll(feed, result.status, error=item_error(exc))
    return FeedPoll(
        feed,
        result.status,
        parsed.entries,
        warning=parsed.warning,
        etag=result.headers.get("etag"),
        last_modified=result.headers.get("last-modified"),
    )


def item_ref(entry: FeedEntry) -> str:
    """Where a feed item is stored: its canonical link, else its GUID; a link that cannot be
    canonicalised ("http://[::1/x") as written, so that the entry fails alone when fetched."""
    if not entry.link:
        return entry.guid
    try:
        return canonical_url(entry.link)
    except Exception as exc:
        _log_failure(f"the link {entry.link!r} cannot be canonicalised; kept as written", exc)
        return entry.link


def select_new_items(polls: Iterable[FeedPoll], known: set[str]) -> list[NewItem]:
    """Entries whose GUID and canonical link are both unknown, each once even if several feeds carry it."""
    items: list[NewItem] = []
    seen = set(known)
    for poll in polls:
        for entry in poll.entries:
            ref = item_ref(entry)
            if ref in seen or entry.guid in seen:
                continue
            seen.update((ref, entry.guid))
            items.append(NewItem(poll.feed, entry, ref))
    return items


def build_article(
    item: NewItem,
    page: bytes | None,
    fetched_at: dt.datetime,
    limits: FeedLimits | None = None,
    extract: Extract = extract_page,
) -> Article:
    """An Article from a feed item and, if it could be fetched, its page.

    The text is the page's article when trafilatura finds one, else the feed's summary; the
    date is the entry's, else the page's, else the fetch time. Both record which. The page's
    metadata (a third of the extraction's time) is read only when the entry has no date. A text
    longer than ``limits.max_text_chars`` is cut at a paragraph or sentence, and its source says
    so: "page (cut)" or "summary (cut)".
    """
    limits = limits or FeedLimits()
    entry = item.entry
    extracted = extract(page, entry.link, with_metadata=entry.published is None, title=entry.title) if page else None
    if extracted is not None:
        text, text_source = extracted.text, "page"
    else:
        text, text_source = entry.summary or entry.title, "summary"
    text, was_cut = cut_text(text, limits.max_text_chars)
    if was_cut:
        text_source += " (cut)"
    if entry.published is not None:
        published, published_source = entry.published.date(), "feed"
    elif extracted is not None and extracted.published is not None:
        published, published_source = extracted.published, "page"
    else:
        published, published_source = fetched_at.date(), "fetched"
    title = cut_title(
        (extracted.title if extracted and extracted.title else entry.title) or first_sentence(text),
        limits.max_title_chars,
    )
    return Article(
        ref=item.ref,
        published=published,
        text=text,
        title=title,
        source="feed",
        guid=entry.guid,
        feed_url=item.feed.url,
        text_source=text_source,
        published_source=published_source,
        author=extracted.author if extracted else None,
        site_name=extracted.site_name if extracted else None,
        language=(extracted.language if extracted else None)
        or (declared_language(page, text) if extracted is not None and page else None)
        or item.feed.language
        or detect_language(text),
    )


def fetch_item_page(fetcher: Fetcher, item: NewItem) -> tuple[bytes | None, str | None]:
    """The item's page, or None and the reason it could not be had (robots, HTTP error, or any
    exception: "<ExceptionType>: <message>", its traceback logged at DEBUG)."""
    if not item.feed.full_text or not item.entry.link:
        return None, None
    try:
        return fetcher.fetch(item.entry.link, accept=PAGE_ACCEPT, check_robots=True).body, None
    except FetchError as exc:
        return None, exc.reason
    except Exception as exc:
        _log_failure(f"fetching the page {item.entry.link} failed", exc)
        return None, item_error(exc)


def _bare_article(item: NewItem, fetched_at: dt.datetime, limits: FeedLimits) -> Article:
    """The entry alone, with no library call that could fail: the last resort of an item."""
    entry = item.entry
    text, was_cut = cut_text(entry.summary or entry.title, limits.max_text_chars)
    return Article(
        ref=item.ref,
        published=(entry.published or fetched_at).date(),
        text=text,
        title=cut_title(entry.title, limits.max_title_chars),
        source="feed",
        guid=entry.guid,
        feed_url=item.feed.url,
        text_source="summary (cut)" if was_cut else "summary",
        published_source="feed" if entry.published else "fetched",
        language=item.feed.language,
    )


def collect_article(
    fetcher: Fetcher, item: NewItem, limits: FeedLimits | None = None, extract: Extract = extract_page
) -> tuple[Article, str | None]:
    """The item's article, extracted as soon as its page arrives and no other thread is
    extracting (so extraction overlaps the other pages' fetches, not other extractions), and the
    reason its page could not be had or used, if it could not.

    The page is the unit of failure: whatever goes wrong in fetching or extracting it, the
    article is built from the feed's summary and the reason recorded; this never raises.
    """
    limits = limits or FeedLimits()
    page, reason = fetch_item_page(fetcher, item)
    fetched_at = dt.datetime.now(dt.UTC)
    with _PARSING_TURN:
        try:
            return build_article(item, page, fetched_at, limits, extract), reason
        except Exception as exc:
            _log_failure(f"building the article of {item.ref} failed", exc)
            failure = (
                f"article extraction failed: {item_error(exc)}" if page else f"article not built: {item_error(exc)}"
            )
        if page:
            try:
                return build_article(item, None, fetched_at, limits), failure
            except Exception as exc:
                _log_failure(f"building the article of {item.ref} from its summary failed", exc)
        return _bare_article(item, fetched_at, limits), f"{reason}; {failure}" if reason else failure
