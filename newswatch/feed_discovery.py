"""Finding a site's feeds in one of its pages (pure: the page's bytes in, feed URLs out).

trafilatura's ``determine_feed`` reads the page's ``<link rel="alternate">`` elements of a feed
type (RSS, Atom, RDF), falling back to links that look like feeds (``/rss``, ``feed.xml``), and
leaves out comment feeds. It parses only: newswatch fetched the page, through its own Fetcher,
and fetches the feeds found the same way (trafilatura's ``find_feed_urls`` would fetch by itself).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from trafilatura.feeds import FeedParameters, determine_feed

MAX_DISCOVERED = 5  # a page listing dozens of feeds (one per section) is checked by its first few

logger = logging.getLogger(__name__)


def discover_feeds(page: bytes, page_url: str) -> list[str]:
    """The feed URLs a web page links to, absolute, in the page's order, at most ``MAX_DISCOVERED``.

    Args:
        page: the page's bytes, as fetched.
        page_url: where it was fetched from (after redirects): relative links resolve against it.

    Returns:
        http(s) URLs, the page's own URL left out; an empty list for a page with no feed link or
        that is not HTML.
    """
    parts = urlsplit(page_url)
    try:
        found = determine_feed(page, FeedParameters(page_url, parts.hostname or "", page_url))  # type: ignore[arg-type]
    except Exception as exc:  # lxml on hostile bytes: then the page has no usable feed link
        logger.debug("no feed links read from %s: %s: %s", page_url, type(exc).__name__, exc)
        return []
    feeds = [url for url in found if url.startswith(("http://", "https://")) and url != page_url]
    return list(dict.fromkeys(feeds))[:MAX_DISCOVERED]
