"""Parsing fetched feeds with feedparser (pure: bytes in, entries out; feedparser never fetches).

feedparser is given the bytes wrapped in ``io.BytesIO``: given bytes or a string it first tries
them as a file name or URL, which would read local files or fetch without a timeout.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from dataclasses import dataclass

import feedparser
from feedparser.encodings import convert_to_utf8

from newswatch.errors import NewswatchError

HTML_TYPES = ("text/html", "application/xhtml+xml")
# feedparser's ``version`` of a parsed document, as people name the formats.
FEED_FORMATS = {
    "rss090": "RSS 0.90",
    "rss091n": "RSS 0.91",
    "rss091u": "RSS 0.91",
    "rss092": "RSS 0.92",
    "rss093": "RSS 0.93",
    "rss094": "RSS 0.94",
    "rss20": "RSS 2.0",
    "rss10": "RSS 1.0 (RDF)",
    "rss": "RSS",
    "atom01": "Atom 0.1",
    "atom02": "Atom 0.2",
    "atom03": "Atom 0.3",
    "atom10": "Atom 1.0",
    "atom": "Atom",
    "cdf": "CDF",
}
ENTITIES_REFUSED = "declares XML entities (refused: entity expansion can blow up memory and time)"

# C0 and C1 control characters but tab and newline: in a title they are terminal escape
# sequences (window titles, cleared screens) waiting for someone to print them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ELEMENT_START = re.compile(rb"<\w")
_PROLOG = re.compile(
    rb"""(?:
        [^<]++                                              # text between the constructs
      | <\?.*?\?>                                           # XML declaration, processing instruction
      | <!--.*?-->                                          # comment
      | <!(?!--)(?:[^"'\[<>]++|"[^"]*+"|'[^']*+')*+          # <!DOCTYPE name PUBLIC "id" "uri"
          (?:\[(?:[^"'\]<]++|"[^"]*+"|'[^']*+'|<!--.*?-->|<\?.*?\?>|<(?!!--|\?))*+\])?+\s*+>  # [subset]>
      | <(?![\w!?])                                         # a "<" that starts nothing
    )*+""",
    re.DOTALL | re.VERBOSE,
)


class FeedError(NewswatchError):
    """A fetched document is not a feed, or yielded no entries."""


@dataclass(frozen=True)
class FeedLimits:
    """How much of one feed and of its articles is kept, so that no feed can flood a run
    (the monitor settings ``max_entries_per_feed``, ``max_title_chars``, ``max_text_chars``).

    A 5 MB page or summary can hold a 47-million-character "article" that every later stage
    (matching, storage, digests) would carry: texts are cut, and the cut is said.
    """

    max_entries: int = 500
    max_title_chars: int = 1_000
    max_text_chars: int = 200_000


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
    """A parsed feed: its title, usable entries, a warning if it was malformed or cut, and its
    format ("RSS 2.0", "Atom 1.0"…; "unknown" when feedparser could not tell)."""

    title: str
    entries: tuple[FeedEntry, ...]
    warning: str | None = None
    format: str = "unknown"


def _timestamp(entry: feedparser.FeedParserDict) -> dt.datetime | None:
    """The entry's date (published, else updated, else created): the first that a datetime can
    hold (not year 0 or 10000), else None.

    The keys are read from the dict itself: FeedParserDict's fallback from ``updated_parsed`` to
    ``published_parsed`` warns (DeprecationWarning) once per entry read.
    """
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)
        if value:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
            except (ValueError, OverflowError, OSError):
                continue
    return None


def strip_controls(text: str) -> str:
    """The text without C0/C1 control characters (tab and newline kept)."""
    return _CONTROL.sub("", text)


def _text(value: str) -> str:
    """Feed summaries are often HTML: keep the text, without control characters."""
    value = strip_controls(value)
    if "<" not in value:
        return " ".join(value.split())
    import lxml.html

    try:
        return " ".join(strip_controls(lxml.html.fromstring(value).text_content()).split())
    except (ValueError, lxml.etree.ParserError):
        return " ".join(value.split())


def _string(entry: feedparser.FeedParserDict, key: str) -> str:
    """A text field of an entry; "" when absent or when a malformed feed made it something else
    (feedparser returns a link's attributes as a dict when the element has no text)."""
    value = entry.get(key)
    return value if isinstance(value, str) else ""


def cut_title(title: str, max_chars: int) -> str:
    """A title of at most ``max_chars`` characters, cut at a word and ending in "…" if it was cut."""
    if len(title) <= max_chars:
        return title
    head = title[: max_chars - 1]
    space = head.rfind(" ")
    if space > max_chars // 2:
        head = head[:space]
    return head.rstrip() + "…"


def _prolog_end(data: bytes) -> int:
    """Where the root element starts, after the XML declaration, comments, processing
    instructions and the DOCTYPE (with quoted literals, comments and the internal subset skipped
    whole, whatever ``<``, ``>`` or ``]`` they contain); the whole document if a construct is
    left unterminated or malformed.

    That is never before the first ``<`` and word character anywhere, where feedparser's own
    DOCTYPE rewriting stops looking, nor before the root element that expat finds. One regular
    expression, possessive throughout: linear time whatever the bytes.
    """
    end = _PROLOG.match(data).end()  # type: ignore[union-attr]  # it matches the empty string
    return end if _ELEMENT_START.match(data, end) else len(data)


def declares_entities(body: bytes, headers: dict[str, str]) -> bool:
    """Whether the document's prolog declares XML entities (defusedxml's "forbid entities").

    Expat limits entity amplification, but a quadratic blowup (one large entity referenced many
    times) stays under the limit and took minutes and gigabytes; feedparser's loose parser
    expands the entities that it keeps too. No feed needs its own entities, so a document that
    declares any is refused. The prolog is read as feedparser will read it: decoded by
    feedparser's own detection (BOM, HTTP charset, XML declaration), then UTF-8.
    """
    try:
        data = convert_to_utf8(headers, body, {})
    except Exception:  # a mangled XML declaration: feedparser will refuse the document too
        data = body  # then judge the bytes as they are, erring on the side of refusing
    return _ENTITY_DECLARATION.search(data, 0, _prolog_end(data)) is not None


def _kept(entries: list[feedparser.FeedParserDict], max_entries: int) -> tuple[list[feedparser.FeedParserDict], str]:
    """At most ``max_entries`` entries in document order: the newest when the feed dates them,
    else the first; and how they were chosen."""
    stamps = [_timestamp(entry) for entry in entries]
    if not any(stamps):
        return entries[:max_entries], "the first in the document"
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    ranked = sorted(range(len(entries)), key=lambda i: (stamps[i] is not None, stamps[i] or oldest, -i), reverse=True)
    return [entries[i] for i in sorted(ranked[:max_entries])], "the newest"


def is_web_page(body: bytes, headers: dict[str, str]) -> bool:
    """Whether a response is an HTML page rather than a feed (by its type, else its first bytes)."""
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in HTML_TYPES:
        return b"<rss" not in body[:2048] and b"<feed" not in body[:2048]
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def parse_feed(body: bytes, headers: dict[str, str], url: str, limits: FeedLimits | None = None) -> ParsedFeed:
    """Parse a feed document.

    Args:
        body: the document's bytes, as fetched.
        headers: the response headers (lower-case names); the content type carries the charset.
        url: the feed's URL, against which relative links resolve.
        limits: how many entries and how long titles are kept (``FeedLimits()`` if not given).

    Returns:
        The entries that parsed (at most ``limits.max_entries``), with a warning when the
        document was malformed (``bozo``) or entries or titles were cut.

    Raises:
        FeedError: the document is empty, is a web page, declares XML entities, or yielded no entries.
    """
    limits = limits or FeedLimits()
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not body.strip():
        raise FeedError(f"{url}: empty response")
    if content_type in HTML_TYPES and is_web_page(body, headers):
        raise FeedError(f"{url}: served as {content_type}, not a feed")
    response_headers = {**headers, "content-location": url}
    if declares_entities(body, response_headers):
        raise FeedError(f"{url}: {ENTITIES_REFUSED}")
    try:
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers=response_headers, resolve_relative_uris=True, sanitize_html=True
        )
    except Exception as exc:  # feedparser catches most of its parsers' errors, not all (encodings)
        raise FeedError(f"{url}: cannot be parsed ({type(exc).__name__}: {exc})") from None
    warnings = []
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        warnings.append(f"malformed feed: {type(problem).__name__}: {problem}" if problem else "malformed feed")
    usable = [entry for entry in parsed.entries if _string(entry, "link") or _string(entry, "id")]
    if len(usable) > limits.max_entries:
        usable, which = _kept(usable, limits.max_entries)
        warnings.append(f"kept {len(usable):,} of {len(parsed.entries):,} entries, {which}")
    titles_cut = 0

    def title_of(value: str) -> str:
        nonlocal titles_cut
        title = _text(value if isinstance(value, str) else "")
        if len(title) > limits.max_title_chars:
            titles_cut += 1
            return cut_title(title, limits.max_title_chars)
        return title

    entries = []
    for entry in usable:
        link = _string(entry, "link")
        guid = _string(entry, "id") or link
        if not link and guid.startswith(("http://", "https://")):
            link = guid
        entries.append(
            FeedEntry(
                guid=guid,
                link=link,
                title=title_of(entry.get("title", "")),
                summary=_text(_string(entry, "summary")),
                published=_timestamp(entry),
            )
        )
    feed_title = title_of(parsed.feed.get("title", ""))
    if titles_cut:
        warnings.append(
            f"{titles_cut:,} title{'s' if titles_cut > 1 else ''} cut to {limits.max_title_chars:,} characters"
        )
    warning = "; ".join(warnings) or None
    if not entries:
        raise FeedError(f"{url}: no entries" + (f" ({warning})" if warning else ""))
    return ParsedFeed(
        title=feed_title,
        entries=tuple(entries),
        warning=warning,
        format=FEED_FORMATS.get(str(parsed.get("version") or ""), "unknown"),
    )
