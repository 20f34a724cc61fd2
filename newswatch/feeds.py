"""Parsing fetched feeds with feedparser (pure: bytes in, entries out; feedparser never fetches).

feedparser is given the bytes wrapped in ``io.BytesIO``: given bytes or a string it first tries
them as a file name or URL, which would read local files or fetch without a timeout.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from dataclasses import dataclass

import feedparser

from newswatch.errors import NewswatchError

# Entity expansion: expat (bundled with CPython 3.11+) limits amplification, and the fetcher caps
# the body size, so a "billion laughs" document fails fast instead of exhausting memory.
HTML_TYPES = ("text/html", "application/xhtml+xml")


class FeedError(NewswatchError):
    """A fetched document is not a feed, or yielded no entries."""


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed."""

    guid: str
    link: str
    title: str
    summary: str
    published: dt.datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]
    warning: str | None = None


def _timestamp(entry: feedparser.FeedParserDict) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
    return None


def _text(value: str) -> str:
    """Feed summaries are often HTML: keep the text."""
    if "<" not in value:
        return " ".join(value.split())
    import lxml.html

    try:
        return " ".join(lxml.html.fromstring(value).text_content().split())
    except (ValueError, lxml.etree.ParserError):
        return " ".join(value.split())


def parse_feed(body: bytes, headers: dict[str, str], url: str) -> ParsedFeed:
    """Parse a feed document.

    Args:
        body: the document's bytes, as fetched.
        headers: the response headers (lower-case names); the content type carries the charset.
        url: the feed's URL, against which relative links resolve.

    Returns:
        The entries that parsed, with a warning when the document was malformed (``bozo``).

    Raises:
        FeedError: the document is empty, is a web page, or yielded no entries.
    """
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not body.strip():
        raise FeedError(f"{url}: empty response")
    if content_type in HTML_TYPES and b"<rss" not in body[:2048] and b"<feed" not in body[:2048]:
        raise FeedError(f"{url}: served as {content_type}, not a feed")
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={**headers, "content-location": url},
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    warning = None
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        warning = f"malformed feed: {type(problem).__name__}: {problem}" if problem else "malformed feed"
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        guid = entry.get("id") or link
        if not link and guid.startswith(("http://", "https://")):
            link = guid
        if not (link or guid):
            continue
        entries.append(
            FeedEntry(
                guid=guid,
                link=link,
                title=_text(entry.get("title", "")),
                summary=_text(entry.get("summary", "")),
                published=_timestamp(entry),
            )
        )
    if not entries:
        raise FeedError(f"{url}: no entries" + (f" ({warning})" if warning else ""))
    return ParsedFeed(title=_text(parsed.feed.get("title", "")), entries=tuple(entries), warning=warning)
