"""A real local news site for feed-polling tests: feeds, article pages and misbehaving endpoints.

``FeedSite`` runs a stdlib ``ThreadingHTTPServer`` (HTTP/1.1, keep-alive) on a free port of
127.0.0.1 in a background thread.  Tests add articles and feeds, poll them with a real HTTP client
and inspect what the server saw::

    def test_poll(feed_site: FeedSite) -> None:
        url = feed_site.add_article("talks", "Talks resume", date(2025, 3, 4), ["First.", "Second."])
        feed = feed_site.add_feed("world", "rss2", ["talks"])
        ...
        feed_site.add_entry("world", "another-slug")      # between polling cycles
        assert feed_site.count("/feeds/world.xml") == 2

Every response carries a strong ``ETag`` (a hash of the bytes sent) and a ``Last-Modified``;
``If-None-Match`` (checked first, weak comparison as RFC 9110 says) and ``If-Modified-Since`` are
answered with ``304`` and no body.  ``Last-Modified`` values come from a per-site clock that starts
a day in the past and advances one second per change, so a change is always visible to
``If-Modified-Since`` even within the same wall-clock second.

The fixed, misbehaving endpoints are the ``*_FEED``/``*_PAGE``/``LOOP_*`` constants below.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import gzip
import hashlib
import json
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import urlsplit

import pytest

LOCALHOST = "127.0.0.1"

# --------------------------------------------------------------------------- #
# Fixed paths
# --------------------------------------------------------------------------- #

ROBOTS_TXT = "/robots.txt"
PRIVATE_PREFIX = "/private/"
"""Disallowed for every user agent by ROBOTS_TXT; ``add_article(..., private=True)`` pages live here."""

FIXTURE_FEED = "/feeds/fixture.xml"
"""A well-formed RSS 2.0 feed of the three built-in articles (FIXTURE_SLUGS); MOVED_FEED's target."""
MOVED_FEED = "/feeds/moved.xml"
"""301 to FIXTURE_FEED."""
GZIP_FEED = "/feeds/gzip.xml"
"""FIXTURE_FEED's items, sent with Content-Encoding: gzip when the request accepts gzip."""
SLOW_FEED = "/feeds/slow.xml"
"""FIXTURE_FEED's items; the headers come at once, the body after ``site.slow_seconds``."""
MALFORMED_FEED = "/feeds/malformed.xml"
"""RSS 2.0 cut off inside the <link> of its second item; the first item is complete."""
EMPTY_FEED = "/feeds/empty.xml"
"""200, Content-Type application/rss+xml, Content-Length 0."""
OVERSIZED_FEED = "/feeds/oversized.xml"
"""Valid RSS 2.0 whose one item has a ``site.oversized_bytes`` <description>; chunked, no Content-Length."""
OVERSIZED_DECLARED_FEED = "/feeds/oversized-declared.xml"
"""The same body as OVERSIZED_FEED, with a Content-Length header (a client can refuse it up front)."""
ERROR_FEED = "/feeds/error.xml"
"""500 Internal Server Error with an HTML body."""
NOT_FOUND_FEED = "/feeds/missing.xml"
"""404 (as is every unknown path)."""
WRONG_TYPE_FEED = "/feeds/wrong-type.xml"
"""An HTML home page served with Content-Type text/html at a feed-looking path."""
LAUGHS_FEED = "/feeds/laughs.xml"
"""RSS 2.0 whose DOCTYPE declares the "billion laughs" entities (10 levels, 10**9 expansions)."""
DEAD_LINK_FEED = "/feeds/dead-link.xml"
"""RSS 2.0 with one item linking to a real page and one (the newest) linking to DEAD_LINK_PAGE."""
DEAD_LINK_PAGE = "/news/withdrawn-story.html"
"""404: the page of DEAD_LINK_FEED's newest item."""
EMPTY_PAGE = "/news/empty.html"
"""Valid HTML with header, navigation and footer but no article text (and no cookie banner)."""
CONSENT_PAGE = "/news/consent-wall.html"
"""EMPTY_PAGE plus the cookie-consent banner: what many sites serve to a client without consent."""
LOOP_A = "/loop/a"
"""302 to LOOP_B, which is a 302 back to LOOP_A."""
LOOP_B = "/loop/b"

_FIXED_FEED_NAMES = frozenset(
    p.removeprefix("/feeds/").removesuffix(".xml")
    for p in (
        FIXTURE_FEED,
        MOVED_FEED,
        GZIP_FEED,
        SLOW_FEED,
        MALFORMED_FEED,
        EMPTY_FEED,
        OVERSIZED_FEED,
        OVERSIZED_DECLARED_FEED,
        ERROR_FEED,
        NOT_FOUND_FEED,
        WRONG_TYPE_FEED,
        LAUGHS_FEED,
        DEAD_LINK_FEED,
    )
)

FEED_KINDS = ("rss2", "rss1", "atom", "rss2-latin1", "rss2-cp1252")
STYLES = ("wire", "ministry", "regional")

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

_FEED_CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "rss1": "application/rdf+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    # No charset parameter: the XML declaration has to be believed, as with many real servers.
    "rss2-latin1": "application/rss+xml",
    "rss2-cp1252": "application/rss+xml",
}
_FEED_ENCODINGS = {
    "rss2": ("utf-8", "UTF-8"),
    "rss1": ("utf-8", "UTF-8"),
    "atom": ("utf-8", "UTF-8"),
    "rss2-latin1": ("iso-8859-1", "ISO-8859-1"),
    "rss2-cp1252": ("cp1252", "windows-1252"),
}
DEFAULT_FEED_TITLES = {
    "rss2": "Meridian Wire – World News",
    "rss1": "Meridian Wire – World News (RSS 1.0)",
    "atom": "Meridian Wire – World News (Atom)",
    "rss2-latin1": "Dépêches du Café de Zürich",
    "rss2-cp1252": "The “Harbour” Digest – Today’s Briefing",
}


class RecordedRequest(NamedTuple):
    """One request the site answered; ``headers`` has lower-cased names."""

    method: str
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class Article:
    slug: str
    title: str
    published: dt.datetime
    paragraphs: list[str]
    author: str
    style: str
    private: bool
    modified: int

    @property
    def path(self) -> str:
        return f"{'/private' if self.private else ''}/news/{self.slug}.html"


@dataclass
class _Ghost:
    """A feed entry whose page does not exist (its link answers 404)."""

    slug: str
    title: str
    published: dt.datetime
    paragraphs: list[str]
    author: str = "Staff Reporter"

    @property
    def path(self) -> str:
        return f"/news/{self.slug}.html"


@dataclass
class Feed:
    name: str
    kind: str
    slugs: list[str]
    title: str
    content_type: str
    modified: int
    gzip: bool = False
    slow: bool = False
    max_items: int | None = None
    ghosts: dict[str, _Ghost] = field(default_factory=dict)


@dataclass
class _Raw:
    """A hand-made response (``FeedSite.add_raw``)."""

    status: int
    body: bytes
    content_type: str | None
    headers: list[tuple[str, str]]
    drip_seconds: float | None


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    last_modified: int | None = None
    gzip: bool = False
    slow: bool = False
    chunked: bool = False
    etag: str | None = None


# --------------------------------------------------------------------------- #
# The site
# --------------------------------------------------------------------------- #


class FeedSite:
    """A news site on a random free port of 127.0.0.1, served from a background thread."""

    def __init__(self, *, slow_seconds: float = 5.0, oversized_bytes: int = 12 * 1024 * 1024) -> None:
        self.slow_seconds = slow_seconds
        """Delay of SLOW_FEED (and ``slow=True`` feeds) before the body; read per request."""
        self.oversized_bytes = oversized_bytes
        """Size of OVERSIZED_FEED's <description>; read per request."""
        self._lock = threading.RLock()
        self._articles: dict[str, Article] = {}
        self._feeds: dict[str, Feed] = {}
        self._redirects: dict[str, tuple[int, str]] = {}
        self._raw: dict[str, _Raw] = {}
        self._requests: list[RecordedRequest] = []
        self._clock = int(time.time()) - 86_400
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._install_fixtures()

    # -- lifecycle ---------------------------------------------------------- #

    def start(self) -> FeedSite:
        if self._server is not None:
            raise RuntimeError("FeedSite already started")
        self._stopping.clear()
        self._server = _Server((LOCALHOST, 0), self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="feed-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes slow responses
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FeedSite not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{LOCALHOST}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of *path* (``"/feeds/x.xml"``) on this site."""
        return self.base_url + path

    # -- content ------------------------------------------------------------ #

    def add_article(
        self,
        slug: str,
        title: str,
        published: dt.date,
        paragraphs: list[str],
        author: str = "Staff Reporter",
        *,
        style: str = "wire",
        private: bool = False,
    ) -> str:
        """Publish a page and return its URL (``/news/<slug>.html``, ``/private/news/...`` if *private*).

        *published* may be a date (09:30 UTC is used) or a datetime (naive means UTC).  *style* is
        one of STYLES.  Adding an existing slug again replaces the page (a correction): its ETag
        and Last-Modified change, and so do those of the feeds that list it.
        """
        _check_name(slug, "slug")
        if f"/news/{slug}.html" in (EMPTY_PAGE, CONSENT_PAGE, DEAD_LINK_PAGE):
            raise ValueError(f"slug {slug!r} is reserved for a fixed endpoint")
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
        if not paragraphs:
            raise ValueError("an article needs at least one paragraph")
        with self._lock:
            article = Article(
                slug=slug,
                title=title,
                published=_as_datetime(published),
                paragraphs=list(paragraphs),
                author=author,
                style=style,
                private=private,
                modified=self._tick(),
            )
            self._articles[slug] = article
        return self.url(article.path) if self._server else article.path

    def add_feed(self, name: str, kind: str, entries: list[str] | None = None, **options: Any) -> str:
        """Publish ``/feeds/<name>.xml`` listing the articles *entries* (slugs) and return its URL.

        *kind* is one of FEED_KINDS.  Items are rendered most recently added first.  Options:
        ``title`` (channel title), ``content_type`` (overrides the kind's Content-Type),
        ``gzip`` (compress when the request accepts gzip), ``slow`` (delay the body by
        ``site.slow_seconds``), ``max_items`` (only the newest N items are listed).
        """
        _check_name(name, "feed name")
        if kind not in FEED_KINDS:
            raise ValueError(f"unknown feed kind {kind!r}; expected one of {FEED_KINDS}")
        unknown = set(options) - {"title", "content_type", "gzip", "slow", "max_items"}
        if unknown:
            raise TypeError(f"unknown add_feed option(s): {', '.join(sorted(unknown))}")
        with self._lock:
            if name in _FIXED_FEED_NAMES:
                raise ValueError(f"feed name {name!r} is reserved for a fixed endpoint")
            for slug in entries or []:
                self._require_article(slug)
            self._feeds[name] = Feed(
                name=name,
                kind=kind,
                slugs=list(entries or []),
                title=options.get("title", DEFAULT_FEED_TITLES[kind]),
                content_type=options.get("content_type", _FEED_CONTENT_TYPES[kind]),
                modified=self._tick(),
                gzip=bool(options.get("gzip", False)),
                slow=bool(options.get("slow", False)),
                max_items=options.get("max_items"),
            )
        path = f"/feeds/{name}.xml"
        return self.url(path) if self._server else path

    def add_entry(
        self,
        feed_name: str,
        slug: str,
        *,
        title: str | None = None,
        published: dt.date | None = None,
        summary: str = "This story is no longer available.",
    ) -> None:
        """Add the article *slug* to feed *feed_name* (as its newest item).

        The feed's body, ETag and Last-Modified change.  If *slug* is not an article, give *title*
        and *published*: the item then links to ``/news/<slug>.html``, which answers 404.
        """
        with self._lock:
            feed = self._feeds.get(feed_name)
            if feed is None:
                raise KeyError(f"no feed {feed_name!r}")
            if slug not in self._articles:
                if title is None or published is None:
                    raise KeyError(f"no article {slug!r}; pass title= and published= for a dead link")
                feed.ghosts[slug] = _Ghost(slug, title, _as_datetime(published), [summary])
            feed.slugs.append(slug)
            feed.modified = self._tick()

    def add_raw(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        content_type: str | None = "application/rss+xml; charset=utf-8",
        headers: list[tuple[str, str]] | None = None,
        drip_seconds: float | None = None,
    ) -> str:
        """Answer *path* with exactly these bytes and headers (no gzip, ETag or conditional GET):
        hand-made hostile responses. ``headers`` are sent as given (e.g. ``Content-Encoding: gzip,
        gzip`` over a body compressed twice). With ``drip_seconds`` the status line and headers go
        out one byte per ``drip_seconds``; the body never follows. Returns the URL."""
        with self._lock:
            self._raw[path] = _Raw(status, body, content_type, list(headers or []), drip_seconds)
        return self.url(path) if self._server else path

    def add_redirect(self, path: str, target: str, status: int = 301) -> None:
        """Answer *path* with a redirect to *target* (a path on this site or an absolute URL)."""
        with self._lock:
            self._redirects[path] = (status, target)

    @staticmethod
    def guid(slug: str) -> str:
        """The RSS <guid isPermaLink="false"> / Atom <id> of an article: stable across ports and runs."""
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'newswatch-test/news/' + slug)}"

    def article(self, slug: str) -> Article:
        with self._lock:
            return self._articles[slug]

    # -- what the site saw -------------------------------------------------- #

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every answered request, in order: (method, path, headers, status)."""
        with self._lock:
            return list(self._requests)

    def count(self, path: str) -> int:
        """How many requests asked for *path* (a path or a full URL; the query string is ignored)."""
        wanted = urlsplit(path).path or path
        with self._lock:
            return sum(1 for r in self._requests if urlsplit(r.path).path == wanted)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- internals ---------------------------------------------------------- #

    def _tick(self) -> int:
        with self._lock:
            self._clock += 1
            return self._clock

    def _require_article(self, slug: str) -> Article:
        try:
            return self._articles[slug]
        except KeyError:
            raise KeyError(f"no article {slug!r}; add it with add_article first") from None

    def _install_fixtures(self) -> None:
        for slug, title, day, author, paragraphs in _FIXTURE_ARTICLES:
            self.add_article(slug, title, day, paragraphs, author)
        slugs = list(FIXTURE_SLUGS)
        for path, gzipped, slow in (
            (FIXTURE_FEED, False, False),
            (GZIP_FEED, True, False),
            (SLOW_FEED, False, True),
            (DEAD_LINK_FEED, False, False),
        ):
            name = path.removeprefix("/feeds/").removesuffix(".xml")
            self._feeds[name] = Feed(
                name=name,
                kind="rss2",
                slugs=list(slugs),
                title=DEFAULT_FEED_TITLES["rss2"],
                content_type=_FEED_CONTENT_TYPES["rss2"],
                modified=self._tick(),
                gzip=gzipped,
                slow=slow,
            )
        dead = self._feeds["dead-link"]
        dead.slugs = [slugs[0], "withdrawn-story"]
        dead.ghosts["withdrawn-story"] = _Ghost(
            "withdrawn-story",
            "Harbour board reverses decision on container levy",
            _FIXTURE_ARTICLES[0][2] + dt.timedelta(days=1),
            ["This story has been withdrawn."],
        )
        self._redirects[LOOP_A] = (302, LOOP_B)
        self._redirects[LOOP_B] = (302, LOOP_A)
        self._redirects[MOVED_FEED] = (301, FIXTURE_FEED)

    def _route(self, path: str) -> _Response:
        with self._lock:
            if path in self._redirects:
                status, target = self._redirects[path]
                if target.startswith("/"):
                    target = self.url(target)
                moved = f'<html><body><p>Moved to <a href="{escape(target)}">{escape(target)}</a>.</p></body></html>'
                return _Response(status, moved.encode(), headers=[("Location", target)], last_modified=self._clock)
            if path == ROBOTS_TXT:
                return _Response(200, _ROBOTS.encode(), "text/plain; charset=utf-8", last_modified=_EPOCH_MODIFIED)
            if path == "/":
                return _Response(200, self._home_page().encode(), last_modified=self._clock, gzip=True)
            if path in (EMPTY_PAGE, CONSENT_PAGE):
                page = _render_empty_page(self, banner=path == CONSENT_PAGE)
                return _Response(200, page.encode(), last_modified=_EPOCH_MODIFIED, gzip=True)
            match = re.fullmatch(r"(/private)?/news/([^/]+)\.html", path)
            if match:
                article = self._articles.get(match.group(2))
                if article is not None and article.private == bool(match.group(1)):
                    page = _render_article(self, article)
                    return _Response(200, page.encode(), last_modified=article.modified, gzip=True)
                return _not_found()
            if path == MALFORMED_FEED:
                return _xml(self._malformed_feed(), _FEED_CONTENT_TYPES["rss2"])
            if path == EMPTY_FEED:
                return _Response(200, b"", "application/rss+xml", last_modified=_EPOCH_MODIFIED)
            if path in (OVERSIZED_FEED, OVERSIZED_DECLARED_FEED):
                body, etag = _oversized_feed(self.oversized_bytes)
                return _Response(
                    200,
                    body,
                    _FEED_CONTENT_TYPES["rss2"],
                    last_modified=_EPOCH_MODIFIED,
                    chunked=path == OVERSIZED_FEED,
                    etag=etag,
                )
            if path == ERROR_FEED:
                return _Response(500, _ERROR_PAGE.encode())
            if path == WRONG_TYPE_FEED:
                return _Response(200, self._home_page().encode(), last_modified=self._clock)
            if path == LAUGHS_FEED:
                return _xml(_LAUGHS.encode(), _FEED_CONTENT_TYPES["rss2"])
            match = re.fullmatch(r"/feeds/([^/]+)\.xml", path)
            if match and match.group(1) in self._feeds:
                feed = self._feeds[match.group(1)]
                body, last_modified = self._render_feed(feed)
                return _Response(
                    200, body, feed.content_type, last_modified=last_modified, gzip=feed.gzip, slow=feed.slow
                )
            return _not_found()

    def _feed_items(self, feed: Feed) -> list[Article | _Ghost]:
        items: list[Article | _Ghost] = [self._articles.get(s) or feed.ghosts[s] for s in reversed(feed.slugs)]
        return items[: feed.max_items] if feed.max_items is not None else items

    def _render_feed(self, feed: Feed) -> tuple[bytes, int]:
        items = self._feed_items(feed)
        modified = max([feed.modified] + [i.modified for i in items if isinstance(i, Article)])
        feed_url = self.url(f"/feeds/{feed.name}.xml")
        renderer = {"rss1": _render_rss1, "atom": _render_atom}.get(feed.kind, _render_rss2)
        codec, declared = _FEED_ENCODINGS[feed.kind]
        text = renderer(self, feed.title, feed_url, items, modified, declared)
        return text.encode(codec, errors="xmlcharrefreplace"), modified

    def _malformed_feed(self) -> bytes:
        items = [self._articles[s] for s in FIXTURE_SLUGS[:2]]
        text = _render_rss2(
            self, DEFAULT_FEED_TITLES["rss2"], self.url(MALFORMED_FEED), items, _EPOCH_MODIFIED, "UTF-8"
        )
        second = text.index("<item>", text.index("</item>"))
        cut = text.index("<link>", second) + len("<link>http://127.0.0.1:")  # inside the 2nd item's link
        return text[:cut].encode()

    def _home_page(self) -> str:
        links = "\n".join(
            f'<li><a href="{a.path}">{escape(a.title)}</a></li>'
            for a in sorted(self._articles.values(), key=lambda a: a.published, reverse=True)
            if not a.private
        )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Meridian Wire – Home</title>'
            f'<link rel="alternate" type="application/rss+xml" title="World" href="{self.url(FIXTURE_FEED)}">'
            f"</head><body><h1>Meridian Wire</h1><p>Latest stories</p><ul>{links}</ul></body></html>"
        )

    # -- HTTP --------------------------------------------------------------- #

    def _serve_raw(
        self, handler: _Handler, raw: _Raw, method: str, raw_path: str, request_headers: dict[str, str]
    ) -> None:
        with self._lock:
            self._requests.append(RecordedRequest(method, raw_path, request_headers, raw.status))
        lines = [f"HTTP/1.1 {raw.status} Whatever"]
        if raw.content_type is not None:
            lines.append(f"Content-Type: {raw.content_type}")
        lines += [f"{name}: {value}" for name, value in raw.headers]
        lines.append(f"Content-Length: {len(raw.body)}")
        lines.append("Connection: close")  # said, so that no client reuses a connection closed after this
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        handler.close_connection = True
        if raw.drip_seconds is None:
            handler.wfile.write(head + (b"" if method == "HEAD" else raw.body))
            return
        for byte in head[:-4]:  # the blank line that ends the headers never comes
            if self._stopping.wait(raw.drip_seconds):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    def _gzipped(self, body: bytes) -> bytes:
        """The body as sent to a client that accepts gzip."""
        return gzip.compress(body, mtime=0)

    def _serve(self, handler: _Handler, head: bool) -> None:
        method = "HEAD" if head else "GET"
        raw_path = handler.path
        request_headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            raw = self._raw.get(urlsplit(raw_path).path)
        if raw is not None:
            self._serve_raw(handler, raw, method, raw_path, request_headers)
            return
        response = self._route(urlsplit(raw_path).path)

        body = response.body
        headers = list(response.headers)
        if response.gzip:
            headers.append(("Vary", "Accept-Encoding"))
            if _accepts_gzip(request_headers.get("accept-encoding", "")):
                body = self._gzipped(body)
                headers.append(("Content-Encoding", "gzip"))
        etag = response.etag if response.etag and body is response.body else _etag(body)
        headers.append(("ETag", etag))
        last_modified = _EPOCH_MODIFIED if response.last_modified is None else response.last_modified
        headers.append(("Last-Modified", email.utils.formatdate(last_modified, usegmt=True)))

        status = response.status
        if status == 200 and _not_modified(request_headers, etag, last_modified):
            status = 304
        with self._lock:
            self._requests.append(RecordedRequest(method, raw_path, request_headers, status))

        if status == 304:
            if response.slow:
                self._stopping.wait(self.slow_seconds)
            handler.send_response(304)
            for name, value in headers:
                if name in ("ETag", "Last-Modified", "Vary", "Location"):
                    handler.send_header(name, value)
            handler.end_headers()
            return

        handler.send_response(status)
        if response.content_type:
            handler.send_header("Content-Type", response.content_type)
        for name, value in headers:
            handler.send_header(name, value)
        if response.chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        if response.slow and self._stopping.wait(self.slow_seconds):
            handler.close_connection = True
            return
        if head:
            return
        if response.chunked:
            view = memoryview(body)
            for start in range(0, len(body), 64 * 1024):
                chunk = view[start : start + 64 * 1024]
                handler.wfile.write(b"%x\r\n" % len(chunk))
                handler.wfile.write(chunk)
                handler.wfile.write(b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
        else:
            handler.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: FeedSite) -> None:
        self.site = site
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        with self.connections_lock:
            self.connections.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut open keep-alive connections, so a stopped site is really gone for pooled clients."""
        with self.connections_lock:
            connections, self.connections = self.connections, set()
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the client gave up (timeouts, size limits): expected in these tests
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.24.0"
    sys_version = ""
    timeout = 15  # idle keep-alive connections (and stalled readers) are dropped after this
    server: _Server

    def do_GET(self) -> None:
        self.server.site._serve(self, head=False)

    def do_HEAD(self) -> None:
        self.server.site._serve(self, head=True)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def feed_site() -> Iterator[FeedSite]:
    """A started FeedSite, stopped at teardown."""
    site = FeedSite()
    site.start()
    try:
        yield site
    finally:
        site.stop()


# --------------------------------------------------------------------------- #
# HTTP helpers
# --------------------------------------------------------------------------- #

_EPOCH_MODIFIED = int(dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC).timestamp())


def _check_name(value: str, what: str) -> None:
    if not _SLUG.match(value):
        raise ValueError(f"{what} {value!r} must match {_SLUG.pattern}")


def _as_datetime(value: dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(value, dt.time(9, 30), tzinfo=dt.UTC)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _accepts_gzip(value: str) -> bool:
    for part in value.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().removeprefix("q=").strip()
            try:
                return not q or float(q) > 0
            except ValueError:
                return True
    return False


def _not_modified(request_headers: dict[str, str], etag: str, last_modified: int | None) -> bool:
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since and last_modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return last_modified <= since.timestamp()
    return False


def _xml(body: bytes, content_type: str) -> _Response:
    return _Response(200, body, content_type, last_modified=_EPOCH_MODIFIED)


def _not_found() -> _Response:
    return _Response(404, _NOT_FOUND_PAGE.encode())


_ERROR_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head><body>"
    "<center><h1>500 Internal Server Error</h1></center><hr><center>nginx/1.24.0</center></body></html>\n"
)
_NOT_FOUND_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>"
    "<center><h1>404 Not Found</h1></center><hr><center>nginx/1.24.0</center></body></html>\n"
)
_ROBOTS = """\
# Meridian Wire robots policy
User-agent: *
Disallow: /private/
Disallow: /search
Allow: /
"""

# --------------------------------------------------------------------------- #
# Feeds
# --------------------------------------------------------------------------- #


def _rfc822(value: dt.datetime | int) -> str:
    if isinstance(value, int):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    return email.utils.format_datetime(value)


def _iso(value: dt.datetime | int) -> str:
    if isinstance(value, int):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    return value.isoformat()


def _x(text: str) -> str:
    return escape(text, quote=False)


def _render_rss2(site: FeedSite, title: str, feed_url: str, items: list[Any], modified: int, encoding: str) -> str:
    out = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{_x(title)}</title>",
        f"<link>{site.base_url}/</link>",
        f'<atom:link href="{escape(feed_url)}" rel="self" type="application/rss+xml"/>',
        "<description>Breaking news and analysis from the Meridian Wire newsroom.</description>",
        "<language>en</language>",
        f"<lastBuildDate>{_rfc822(modified)}</lastBuildDate>",
        "<generator>newswatch FeedSite</generator>",
        "<ttl>15</ttl>",
    ]
    for item in items:
        out += [
            "<item>",
            f"<title>{_x(item.title)}</title>",
            f"<link>{site.url(item.path)}</link>",
            f'<guid isPermaLink="false">{FeedSite.guid(item.slug)}</guid>',
            f"<pubDate>{_rfc822(item.published)}</pubDate>",
            f"<dc:creator>{_x(item.author)}</dc:creator>",
            "<category>World</category>",
            f"<description>{_x(item.paragraphs[0])}</description>",
            "</item>",
        ]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def _render_rss1(site: FeedSite, title: str, feed_url: str, items: list[Any], modified: int, encoding: str) -> str:
    out = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">',
        f'<channel rdf:about="{escape(feed_url)}">',
        f"<title>{_x(title)}</title>",
        f"<link>{site.base_url}/</link>",
        "<description>Breaking news and analysis from the Meridian Wire newsroom.</description>",
        f"<dc:date>{_iso(modified)}</dc:date>",
        "<dc:language>en</dc:language>",
        "<items>",
        "<rdf:Seq>",
        *(f'<rdf:li rdf:resource="{site.url(i.path)}"/>' for i in items),
        "</rdf:Seq>",
        "</items>",
        "</channel>",
    ]
    for item in items:
        out += [
            f'<item rdf:about="{site.url(item.path)}">',
            f"<title>{_x(item.title)}</title>",
            f"<link>{site.url(item.path)}</link>",
            f"<description>{_x(item.paragraphs[0])}</description>",
            f"<dc:date>{_iso(item.published)}</dc:date>",
            f"<dc:creator>{_x(item.author)}</dc:creator>",
            "<dc:subject>World</dc:subject>",
            "</item>",
        ]
    out += ["</rdf:RDF>", ""]
    return "\n".join(out)


def _render_atom(site: FeedSite, title: str, feed_url: str, items: list[Any], modified: int, encoding: str) -> str:
    out = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
        f"<title>{_x(title)}</title>",
        "<subtitle>Breaking news and analysis from the Meridian Wire newsroom.</subtitle>",
        f"<id>urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'newswatch-test/feeds/' + title)}</id>",
        f"<updated>{_iso(modified)}</updated>",
        f'<link rel="self" type="application/atom+xml" href="{escape(feed_url)}"/>',
        f'<link rel="alternate" type="text/html" href="{site.base_url}/"/>',
        "<author><name>Meridian Wire</name></author>",
        '<generator uri="https://example.invalid/feedsite">newswatch FeedSite</generator>',
    ]
    for item in items:
        out += [
            "<entry>",
            f"<title>{_x(item.title)}</title>",
            f'<link rel="alternate" type="text/html" href="{site.url(item.path)}"/>',
            f"<id>{FeedSite.guid(item.slug)}</id>",
            f"<published>{_iso(item.published)}</published>",
            f"<updated>{_iso(item.published)}</updated>",
            f"<author><name>{_x(item.author)}</name></author>",
            '<category term="World"/>',
            f"<summary>{_x(item.paragraphs[0])}</summary>",
            "</entry>",
        ]
    out += ["</feed>", ""]
    return "\n".join(out)


_OVERSIZED_CACHE: dict[int, tuple[bytes, str]] = {}


def _oversized_feed(size: int) -> tuple[bytes, str]:
    if size not in _OVERSIZED_CACHE:
        sentence = (
            "Delegates reviewed the full transcript of the harbour authority's annual hearing, "
            "including every amendment, objection and procedural motion tabled since January. "
        )
        description = (sentence * (size // len(sentence) + 1))[:size]
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            "<title>Meridian Wire – Full Transcripts</title>\n<link>http://127.0.0.1/</link>\n"
            "<description>Complete transcripts, unabridged.</description>\n<item>\n"
            "<title>Full transcript of the harbour authority hearing</title>\n"
            "<link>http://127.0.0.1/news/full-transcript.html</link>\n"
            '<guid isPermaLink="false">urn:uuid:6f1c1e1a-1d2b-5c8e-9a51-0c4d2f7b8e10</guid>\n'
            "<pubDate>Mon, 06 Jan 2025 08:00:00 +0000</pubDate>\n<description>"
        )
        body = (head + description + "</description>\n</item>\n</channel>\n</rss>\n").encode()
        _OVERSIZED_CACHE[size] = (body, _etag(body))
    return _OVERSIZED_CACHE[size]


_LAUGHS = """\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0">
<channel>
<title>Laughs &lol9;</title>
<link>http://127.0.0.1/</link>
<description>&lol9;</description>
<item>
<title>&lol9;</title>
<link>http://127.0.0.1/news/laughs.html</link>
<guid isPermaLink="false">urn:uuid:2a0b8e1e-5f37-5d3b-8d6c-1c2f1b0c9d44</guid>
<pubDate>Mon, 06 Jan 2025 08:00:00 +0000</pubDate>
<description>&lol9;</description>
</item>
</channel>
</rss>
"""


# --------------------------------------------------------------------------- #
# Built-in articles (pages of the fixed feeds)
# --------------------------------------------------------------------------- #

_FIXTURE_ARTICLES: list[tuple[str, str, dt.datetime, str, list[str]]] = [
    (
        "fixture-ferry-terminal",
        "Harbour board approves new ferry terminal after two-year review",
        dt.datetime(2025, 1, 3, 7, 15, tzinfo=dt.UTC),
        "Lena Marsh",
        [
            "The harbour board on Thursday approved plans for a new passenger ferry terminal on the "
            "eastern wharf, ending a two-year review that drew more than 900 public submissions.",
            "The terminal will replace a 1970s shed that the board's engineers said could no longer be "
            "repaired economically. Construction is scheduled to begin in the spring.",
            "Board chair Ruth Adeyemi said the design had been changed twice in response to concerns from "
            "residents about traffic on Wharf Road and the loss of public fishing access.",
            "The approved plan keeps a public jetty at the northern end and moves the taxi rank underground.",
            "Operators expect the terminal to handle about 1.4 million passengers a year once the new "
            "cross-bay service starts.",
        ],
    ),
    (
        "fixture-library-hours",
        "City library extends weekend opening hours",
        dt.datetime(2025, 1, 4, 10, 0, tzinfo=dt.UTC),
        "Tom Achterberg",
        [
            "The central library will open until 8pm on Saturdays and from 10am on Sundays from next "
            "month, the city council announced on Friday.",
            "The change follows a survey in which students said the reading rooms were the only quiet "
            "place they could work at weekends.",
            "The council said the extra hours would be covered by reallocating staff from the mobile "
            "library, which will stop visiting two outer suburbs.",
            "Residents of those suburbs will be offered a free delivery service for reserved books.",
        ],
    ),
    (
        "fixture-rail-signals",
        "Signal upgrade to close northern rail line for three weekends",
        dt.datetime(2025, 1, 5, 16, 45, tzinfo=dt.UTC),
        "Priya Raman",
        [
            "Trains on the northern line will be replaced by buses on three weekends in February while "
            "engineers install a new signalling system, the rail operator said.",
            "The operator said the upgrade would allow trains to run every eight minutes at peak times, "
            "up from every twelve.",
            "Replacement buses will stop at every station but journeys are expected to take up to 40 minutes longer.",
            "Passenger groups welcomed the upgrade but criticised the short notice given for the closures.",
        ],
    ),
]
FIXTURE_SLUGS = tuple(a[0] for a in _FIXTURE_ARTICLES)
"""Slugs of the built-in articles listed by FIXTURE_FEED, GZIP_FEED, SLOW_FEED (newest last)."""


# --------------------------------------------------------------------------- #
# Page styles
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Style:
    site_name: str
    nav: list[tuple[str, list[str]]]
    cookie: str
    related: list[str]
    newsletter: str
    comments: list[tuple[str, str, str]]
    footer: list[tuple[str, list[str]]]
    copyright: str
    breadcrumb: list[str]


_STYLES: dict[str, _Style] = {
    "wire": _Style(
        site_name="Meridian Wire",
        nav=[
            ("World", ["Africa", "Americas", "Asia-Pacific", "China", "Europe", "India", "Middle East"]),
            ("Politics", ["Elections", "Congress", "White House", "Parliaments", "Diplomacy", "Polls", "Fact Check"]),
            ("Business", ["Economy", "Energy", "Finance", "Autos", "Retail", "Deals", "Aerospace"]),
            ("Markets", ["Stocks", "Currencies", "Commodities", "Bonds", "Funds", "ETFs", "Crypto"]),
            (
                "Technology",
                [
                    "Artificial Intelligence",
                    "Cybersecurity",
                    "Telecom",
                    "Semiconductors",
                    "Space",
                    "Startups",
                    "Gadgets",
                ],
            ),
            (
                "Defence",
                [
                    "Land Forces",
                    "Naval Affairs",
                    "Air Power",
                    "Cyber Warfare",
                    "Procurement",
                    "Alliances",
                    "Arms Control",
                ],
            ),
            (
                "Climate",
                [
                    "Energy Transition",
                    "Extreme Weather",
                    "Climate Policy",
                    "Climate Science",
                    "Oceans",
                    "Wildlife",
                    "COP Summits",
                ],
            ),
            (
                "Health",
                [
                    "Pharma",
                    "Public Health",
                    "Medical Research",
                    "Healthcare Policy",
                    "Wellbeing",
                    "Pandemics",
                    "Nutrition",
                ],
            ),
            (
                "Science",
                ["Physics", "Biology", "Astronomy", "Archaeology", "Earth Science", "Chemistry", "Research Funding"],
            ),
            ("Sport", ["Football", "Cricket", "Tennis", "Golf", "Athletics", "Motor Sport", "Olympics"]),
            ("Lifestyle", ["Travel", "Food", "Fashion", "Arts", "Books", "Film", "Music"]),
            (
                "Opinion",
                ["Columnists", "Editorials", "Letters", "Breakingviews", "Analysis", "Podcasts", "Newsletters"],
            ),
            (
                "Video",
                ["Latest Video", "World Video", "Business Video", "Tech Video", "Sport Video", "Documentaries", "Live"],
            ),
            (
                "Investigations",
                ["Special Reports", "Data Desk", "Graphics", "Long Reads", "Archive", "Send Us Tips", "Methodology"],
            ),
        ],
        cookie=(
            "We and our 143 partners use cookies and similar technologies to personalise content and ads, "
            "to provide social media features and to analyse our traffic."
        ),
        related=[
            "Shipping insurers raise premiums for northern routes",
            "Central bank holds rates, signals patience on inflation",
            "Drought cuts hydropower output across the region",
            "Chip export curbs ripple through supplier networks",
        ],
        newsletter="Get the Morning Briefing: the day's essential world news in your inbox before 7am.",
        comments=[
            (
                "harbourwatcher",
                "2 hours ago",
                "Good to see the channels reopening, but I will believe it when the follow-up meeting actually "
                "happens. We have been here before, more than once.",
            ),
            (
                "M. Okafor",
                "1 hour ago",
                "The piece could have said more about who pushed for the meeting in the first place. Does anyone "
                "have a link to the full statement?",
            ),
            (
                "gridlock_gus",
                "43 minutes ago",
                "@M. Okafor the full statement is on the ministry website. It is three paragraphs long and says "
                "even less than this article does.",
            ),
        ],
        footer=[
            (
                "Meridian Wire",
                [
                    "About Us",
                    "Careers",
                    "Our Standards",
                    "Corrections",
                    "Press Releases",
                    "Diversity Report",
                    "Contact Us",
                    "Advertise With Us",
                ],
            ),
            (
                "Products",
                [
                    "Meridian Terminal",
                    "Data Feeds",
                    "Wire Service",
                    "Photo Licensing",
                    "Video Licensing",
                    "Events",
                    "Professional Courses",
                ],
            ),
            (
                "Follow Us",
                ["Newsletters", "Podcasts", "Apps", "RSS Feeds", "Mastodon", "LinkedIn", "YouTube", "Instagram"],
            ),
            (
                "Sections",
                ["World", "Business", "Markets", "Technology", "Defence", "Climate", "Health", "Sport", "Lifestyle"],
            ),
            (
                "Legal",
                [
                    "Terms of Use",
                    "Privacy Notice",
                    "Cookie Settings",
                    "Accessibility",
                    "Modern Slavery Statement",
                    "Do Not Sell My Information",
                ],
            ),
        ],
        copyright="© 2025 Meridian Wire Ltd. All rights reserved. Meridian Wire is a registered trademark.",
        breadcrumb=["Home", "World", "Asia-Pacific"],
    ),
    "ministry": _Style(
        site_name="Ministry of Defence Press Office",
        nav=[
            ("Home", []),
            (
                "About the Ministry",
                [
                    "The Minister",
                    "Deputy Ministers",
                    "Organisation Chart",
                    "History",
                    "Senior Leadership",
                    "Annual Reports",
                ],
            ),
            ("News", ["Press Releases", "Statements", "Speeches", "Transcripts", "Media Advisories", "Fact Sheets"]),
            (
                "International Cooperation",
                [
                    "Bilateral Relations",
                    "Military Diplomacy",
                    "Defence Dialogues",
                    "Peacekeeping",
                    "Joint Exercises",
                    "Attaché Network",
                ],
            ),
            ("Armed Forces", ["Army", "Navy", "Air Force", "Reserve Forces", "Joint Staff", "Cadets"]),
            (
                "Policy",
                ["White Papers", "Defence Strategy", "Legislation", "Budget", "Arms Control Policy", "Consultations"],
            ),
            ("Veterans", ["Pensions", "Health Support", "Memorials", "Resettlement", "Medals", "Helplines"]),
            ("Careers", ["Civilian Jobs", "Graduate Programme", "Apprenticeships", "Security Vetting"]),
            ("Publications", ["Research", "Statistics", "Guidance", "Forms", "Corporate Reports"]),
            ("Multimedia", ["Photo Gallery", "Video", "Podcasts", "Infographics"]),
            (
                "Open Government",
                ["Transparency Data", "FOI Requests", "Open Data", "Procurement Notices", "Audit Reports"],
            ),
            ("Contact", ["Press Office", "Public Enquiries", "Regional Offices", "Social Media"]),
            ("Accessibility", []),
        ],
        cookie=(
            "This website uses essential cookies to make it work. We would also like to set optional "
            "analytics cookies to help us understand how you use the site."
        ),
        related=[
            "Minister opens annual logistics conference",
            "Defence budget statement tabled in parliament",
            "Search-and-rescue exercise concludes off the east coast",
            "New veterans' support centre opens in the capital",
        ],
        newsletter="Subscribe to receive press releases and speeches from the Ministry by email.",
        comments=[
            (
                "Citizen J. Varga",
                "12 March 2025, 14:02",
                "Will the Ministry publish the minutes of this meeting? Taxpayers deserve to know what was "
                "actually agreed, not just that a meeting took place.",
            ),
            (
                "R. Lindqvist",
                "12 March 2025, 15:40",
                "Please make the photographs available in higher resolution for regional newspapers, the "
                "gallery versions are too small to print.",
            ),
            (
                "Veteran of the 3rd Brigade",
                "13 March 2025, 08:11",
                "Dialogue is always better than the alternative. My old unit would have welcomed this thirty "
                "years ago.",
            ),
        ],
        footer=[
            (
                "The Ministry",
                [
                    "Our Mission",
                    "Minister's Office",
                    "Departments",
                    "Agencies and Bodies",
                    "Working for Us",
                    "Complaints Procedure",
                ],
            ),
            (
                "Information",
                [
                    "Freedom of Information",
                    "Publication Scheme",
                    "Statistics",
                    "Procurement Notices",
                    "Grants",
                    "Corporate Information",
                ],
            ),
            (
                "Help",
                [
                    "Accessibility Statement",
                    "Cookies",
                    "Privacy",
                    "Terms and Conditions",
                    "Sitemap",
                    "Help Using This Site",
                ],
            ),
            (
                "Government Links",
                [
                    "Prime Minister's Office",
                    "Parliament",
                    "Foreign Ministry",
                    "National Archives",
                    "Government Gazette",
                    "Emergency Alerts",
                ],
            ),
        ],
        copyright=(
            "© 2025 Ministry of Defence Press Office. Content is available under the Open Government "
            "Licence unless otherwise stated."
        ),
        breadcrumb=["Home", "News", "Press Releases"],
    ),
    "regional": _Style(
        site_name="Harbour City Gazette",
        nav=[
            ("News", ["Local News", "National", "World", "Crime & Courts", "Education", "Health", "Environment"]),
            ("Politics", ["City Council", "State Politics", "Federal", "Elections", "Have Your Say"]),
            ("Business", ["Property", "Jobs Market", "Tourism", "Agriculture", "Port & Shipping", "Small Business"]),
            ("Sport", ["Football", "Rugby", "Cricket", "Sailing", "Racing", "Schools Sport", "Community Sport"]),
            ("Opinion", ["Editorials", "Letters to the Editor", "Columnists", "Cartoons"]),
            ("Lifestyle", ["Food & Drink", "Travel", "Homes", "Gardening", "Motoring", "Health & Fitness"]),
            ("Entertainment", ["What's On", "Movies", "Music", "TV Guide", "Puzzles", "Horoscopes"]),
            ("Weather", ["7-Day Forecast", "Tides", "Marine Weather", "Rain Radar"]),
            ("Traffic", ["Road Closures", "Live Cameras", "Public Transport"]),
            ("Obituaries", ["Death Notices", "Tributes", "Funeral Directors"]),
            ("Classifieds", ["Jobs", "Motors", "Real Estate", "Public Notices", "Garage Sales"]),
            ("Community", ["Events", "Clubs", "Schools", "Churches", "Volunteering"]),
            ("e-Edition", ["Today's Paper", "Back Issues", "Subscribe"]),
        ],
        cookie=(
            "By clicking “Accept All Cookies”, you agree to the storing of cookies on your device to enhance "
            "site navigation, analyse site usage, and assist in our marketing efforts."
        ),
        related=[
            "Ferry timetable changes from Monday",
            "Council approves upgrade of Quayside Park playground",
            "Gazette readers pick the best fish and chips in town",
            "Harbour Lions clinch late win against Northport",
        ],
        newsletter="Sign up to the Gazette Daily for local news, weather and traffic every morning.",
        comments=[
            (
                "Deb from Eastbank",
                "3h",
                "My husband served on the frigate that hosted the last visit. Nice to read some good news "
                "for once instead of the usual doom and gloom.",
            ),
            (
                "Northport Nev",
                "2h",
                "Same old story. Lots of handshakes for the cameras and nothing changes for ordinary people "
                "who live near the base.",
            ),
            (
                "quayside_kate",
                "58m",
                "Does anyone know if the navy band is still playing at the foreshore on Saturday, or has that "
                "been cancelled too?",
            ),
        ],
        footer=[
            (
                "The Gazette",
                ["About Us", "Contact the Newsroom", "Editorial Code", "Complaints", "Work With Us", "Gazette History"],
            ),
            (
                "Subscribe",
                [
                    "Digital Subscription",
                    "Home Delivery",
                    "Gift Subscriptions",
                    "Student Offer",
                    "Manage My Account",
                    "FAQs",
                ],
            ),
            ("Advertise", ["Display Advertising", "Classifieds", "Public Notices", "Funeral Notices", "Media Kit"]),
            ("Our Network", ["Northport Herald", "Bayside Times", "Valley Courier", "Coastal Farmer", "Island Sun"]),
            ("Legal", ["Terms of Use", "Privacy Policy", "Cookie Policy", "Conditions of Entry", "Accessibility"]),
        ],
        copyright="© 2025 Harbour City Gazette Pty Ltd, a member of the Coastal Media Group. All rights reserved.",
        breadcrumb=["Home", "News", "Local News"],
    ),
}


def _markers(style: _Style) -> dict[str, list[str]]:
    return {
        "cookie banner": [style.cookie[:60]],
        "comments": [text[:50] for _, _, text in style.comments],
        "related stories": list(style.related),
        "newsletter": [style.newsletter[:50]],
        "footer": [style.copyright[:50], style.footer[-1][1][1]],
        "navigation": [style.nav[2][1][3], style.nav[-2][1][1]],
    }


BOILERPLATE_MARKERS: dict[str, dict[str, list[str]]] = {name: _markers(s) for name, s in _STYLES.items()}
"""Per style, strings that appear only in the page chrome (banner, comments, related box...):
text extraction should return none of them."""


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Inline SVG icons, as share bars and headers carry them.
_ICONS = {
    "search": '<svg class="icon icon-search" width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M15.5 14h-.79l-.28-.27A6.471 6.471 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19l-4.99-5zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14z"/></svg>',
    "menu": '<svg class="icon icon-menu" width="24" height="24" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M3 18h18v-2H3v2zm0-5h18v-2H3v2zm0-7v2h18V6H3z"/></svg>',
    "facebook": '<svg class="icon icon-facebook" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M22 12.06C22 6.5 17.52 2 12 2S2 6.5 2 12.06c0 5.02 3.66 9.18 8.44 9.94v-7.03H7.9v-2.91h2.54V9.85c0-2.52 1.49-3.91 3.78-3.91 1.1 0 2.24.2 2.24.2v2.47h-1.26c-1.24 0-1.63.78-1.63 1.57v1.88h2.78l-.44 2.91h-2.34V22c4.78-.76 8.43-4.92 8.43-9.94z"/></svg>',
    "x": '<svg class="icon icon-x" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M18.244 2.25h3.308l-7.227 8.26 8.502 11.24H16.17l-5.214-6.817L4.99 21.75H1.68l7.73-8.835L1.254 2.25H8.08l4.713 6.231zm-1.161 17.52h1.833L7.084 4.126H5.117z"/></svg>',
    "linkedin": '<svg class="icon icon-linkedin" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M20.45 20.45h-3.56v-5.57c0-1.33-.02-3.04-1.85-3.04-1.85 0-2.14 1.45-2.14 2.94v5.67H9.35V9h3.41v1.56h.05c.48-.9 1.64-1.85 3.37-1.85 3.6 0 4.27 2.37 4.27 5.46v6.28zM5.34 7.43a2.06 2.06 0 1 1 0-4.13 2.06 2.06 0 0 1 0 4.13zM7.12 20.45H3.56V9h3.56v11.45zM22.22 0H1.77C.79 0 0 .77 0 1.73v20.54C0 23.23.79 24 1.77 24h20.45c.98 0 1.78-.77 1.78-1.73V1.73C24 .77 23.2 0 22.22 0z"/></svg>',
    "email": '<svg class="icon icon-email" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M20 4H4c-1.1 0-1.99.9-1.99 2L2 18c0 1.1.9 2 2 2h16c1.1 0 2-.9 2-2V6c0-1.1-.9-2-2-2zm0 4-8 5-8-5V6l8 5 8-5v2z"/></svg>',
    "print": '<svg class="icon icon-print" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M19 8H5c-1.66 0-3 1.34-3 3v6h4v4h12v-4h4v-6c0-1.66-1.34-3-3-3zm-3 11H8v-5h8v5zm3-7c-.55 0-1-.45-1-1s.45-1 1-1 1 .45 1 1-.45 1-1 1zm-1-9H6v4h12V3z"/></svg>',
}


def _utility_css(prefix: str) -> str:
    """Atomic utility classes of the kind CSS frameworks inline into news pages."""
    scale = ["0", ".25rem", ".5rem", ".75rem", "1rem", "1.5rem", "2rem", "3rem", "4rem"]
    sides = {
        "t": ("top",),
        "b": ("bottom",),
        "l": ("left",),
        "r": ("right",),
        "x": ("left", "right"),
        "y": ("top", "bottom"),
    }
    rules = []
    for bp, width in (("", None), ("md\\:", 768), ("lg\\:", 1024)):
        block = []
        for short, prop in (("m", "margin"), ("p", "padding")):
            for i, size in enumerate(scale):
                block.append(f".{prefix}{bp}{short}-{i}{{{prop}:{size}}}")
                for side, names in sides.items():
                    decl = ";".join(f"{prop}-{n}:{size}" for n in names)
                    block.append(f".{prefix}{bp}{short}{side}-{i}{{{decl}}}")
        for display in ("block", "inline-block", "flex", "grid", "none"):
            block.append(f".{prefix}{bp}{display.replace('inline-block', 'ib')}{{display:{display}}}")
        text = "\n".join(block)
        rules.append(f"@media (min-width:{width}px){{\n{text}\n}}" if width else text)
    return "\n".join(rules)


_COMPONENT_CSS = """
:root{--brand:#c8102e;--ink:#1a1a1a;--muted:#5f6368;--rule:#e0e0e0;--paper:#fff;--focus:#ffbf47}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;font-size:100%}
body{margin:0;font-family:"Source Sans 3",system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);background:var(--paper);line-height:1.5}
a{color:inherit;text-decoration:underline;text-underline-offset:.15em}
a:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip-link{position:absolute;left:-9999px;top:0;background:var(--focus);padding:.5rem 1rem}
.skip-link:focus{left:0;z-index:1000}
.site-header{border-bottom:1px solid var(--rule);position:sticky;top:0;background:var(--paper);z-index:50}
.site-header__inner{max-width:1280px;margin:0 auto;display:flex;align-items:center;gap:1rem;padding:.75rem 1rem}
.logo{font-family:Georgia,"Times New Roman",serif;font-weight:700;font-size:1.75rem;text-decoration:none;letter-spacing:-.02em}
.nav-list{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.nav-item{position:relative}
.nav-item>a{display:block;padding:.5rem 0;font-weight:600;text-decoration:none}
.mega-menu{display:none;position:absolute;top:100%;left:0;min-width:16rem;background:var(--paper);box-shadow:0 8px 24px rgba(0,0,0,.12);padding:1rem;z-index:60}
.nav-item:hover .mega-menu,.nav-item:focus-within .mega-menu{display:block}
.mega-menu ul{list-style:none;margin:0;padding:0;columns:2;column-gap:1.5rem}
.mega-menu a{display:block;padding:.25rem 0;text-decoration:none;color:var(--muted)}
.mega-menu a:hover{color:var(--brand)}
.cookie-banner,.consent{position:fixed;bottom:0;left:0;right:0;background:#111;color:#fff;padding:1.25rem;z-index:999;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
.cookie-banner button,.consent button{font:inherit;padding:.6rem 1.2rem;border:2px solid #fff;background:transparent;color:#fff;cursor:pointer}
.cookie-banner button.primary{background:#fff;color:#111}
.breadcrumb{list-style:none;display:flex;gap:.5rem;padding:0;margin:1rem 0;font-size:.875rem;color:var(--muted)}
.breadcrumb li+li::before{content:"›";margin-right:.5rem}
.story{max-width:720px;margin:0 auto;padding:0 1rem}
.story h1{font-family:Georgia,"Times New Roman",serif;font-size:clamp(1.75rem,4vw,2.75rem);line-height:1.15;margin:.5rem 0 1rem}
.byline{font-size:.9375rem;color:var(--muted);display:flex;gap:.75rem;flex-wrap:wrap}
.story-body p{font-size:1.125rem;line-height:1.65;margin:0 0 1.25rem}
.related-stories{border-top:3px solid var(--brand);border-bottom:1px solid var(--rule);margin:2rem 0;padding:1rem 0}
.related-stories h2{font-size:1rem;text-transform:uppercase;letter-spacing:.06em;margin:0 0 .75rem}
.related-stories ul{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(2,1fr);gap:.75rem}
.newsletter-signup{background:#f5f1ea;padding:1.5rem;margin:2rem 0;border-radius:4px}
.newsletter-signup input[type=email]{width:100%;padding:.75rem;border:1px solid #bbb;font:inherit}
.share-bar{display:flex;gap:.5rem;margin:1rem 0}
.share-bar a,.share-bar button{display:inline-flex;align-items:center;justify-content:center;width:2.25rem;height:2.25rem;border-radius:50%;border:1px solid var(--rule);background:var(--paper)}
.comments{max-width:720px;margin:3rem auto;padding:0 1rem}
.comment{border-top:1px solid var(--rule);padding:1rem 0}
.comment__meta{font-size:.875rem;color:var(--muted);display:flex;gap:.5rem}
.comment__actions{display:flex;gap:1rem;font-size:.8125rem}
.site-footer{background:#111;color:#ccc;margin-top:4rem;padding:3rem 1rem}
.site-footer__cols{max-width:1280px;margin:0 auto;display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:2rem}
.site-footer h3{color:#fff;font-size:.875rem;text-transform:uppercase;letter-spacing:.08em}
.site-footer ul{list-style:none;margin:0;padding:0}
.site-footer a{color:#ccc;text-decoration:none;line-height:2}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(1px,1px,1px,1px);white-space:nowrap}
@media print{.site-header,.site-footer,.cookie-banner,.share-bar,.comments,.related-stories,.newsletter-signup{display:none}}
"""

_ANALYTICS_JS = """
window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}
gtag('consent','default',{ad_storage:'denied',analytics_storage:'denied',wait_for_update:500});
(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});
var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;
j.src='/static/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-FAKE01');
document.addEventListener('DOMContentLoaded',function(){var b=document.getElementById('cookie-accept');
if(b){b.addEventListener('click',function(){document.cookie='consent=all;path=/;max-age=31536000;SameSite=Lax';
var c=document.querySelector('[data-consent-banner]');if(c){c.hidden=true;}gtag('consent','update',{ad_storage:'granted',analytics_storage:'granted'});});}});
"""


def _head(site: FeedSite, article: Article, style: _Style, extra: str = "") -> str:
    url = site.url(article.path)
    summary = escape(article.paragraphs[0][:200])
    return f"""<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(article.title)} | {escape(style.site_name)}</title>
<meta name="description" content="{summary}">
<meta name="author" content="{escape(article.author)}">
<meta name="robots" content="{"noindex, nofollow" if article.private else "index, follow, max-image-preview:large"}">
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(article.title)}">
<meta property="og:description" content="{summary}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{escape(style.site_name)}">
<meta property="og:locale" content="en_GB">
<meta property="article:published_time" content="{article.published.isoformat()}">
<meta property="article:section" content="{escape(style.breadcrumb[-1])}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="{escape(article.title)}">
<link rel="canonical" href="{url}">
<link rel="alternate" type="application/rss+xml" title="{escape(style.site_name)}" href="{site.url(FIXTURE_FEED)}">
<link rel="preconnect" href="https://fonts.example.invalid" crossorigin>
<link rel="icon" href="/favicon.ico" sizes="any">
<style>{_COMPONENT_CSS}{extra}</style>
<script>{_ANALYTICS_JS}</script>
</head>"""


def _nav(style: _Style, css_class: str, item_class: str, label: str) -> str:
    items = []
    for section, subs in style.nav:
        href = "/" if section == "Home" else f"/{_slugify(section)}/"
        sub = ""
        if subs:
            links = "\n".join(
                f'<li><a href="{href}{_slugify(s)}/" data-track="nav|{_slugify(section)}|{_slugify(s)}">{escape(s)}</a></li>'
                for s in subs
            )
            sub = f'\n<div class="mega-menu" role="group" aria-label="{escape(section)}">\n<ul>\n{links}\n</ul>\n</div>'
        items.append(
            f'<li class="{item_class}"><a href="{href}" aria-haspopup="{str(bool(subs)).lower()}">{escape(section)}</a>{sub}</li>'
        )
    return (
        f'<nav class="{css_class}" aria-label="{label}">\n<ul class="nav-list">\n'
        + "\n".join(items)
        + "\n</ul>\n</nav>"
    )


def _footer_columns(style: _Style) -> str:
    cols = []
    for heading, links in style.footer:
        lis = "\n".join(
            f'<li><a href="/{_slugify(heading)}/{_slugify(link)}/">{escape(link)}</a></li>' for link in links
        )
        cols.append(f'<div class="footer-col">\n<h3>{escape(heading)}</h3>\n<ul>\n{lis}\n</ul>\n</div>')
    return "\n".join(cols)


def _share_bar() -> str:
    return (
        '<div class="share-bar" aria-label="Share this article">'
        f'<a href="#share-facebook" title="Share on Facebook">{_ICONS["facebook"]}<span class="visually-hidden">Facebook</span></a>'
        f'<a href="#share-x" title="Share on X">{_ICONS["x"]}<span class="visually-hidden">X</span></a>'
        f'<a href="#share-linkedin" title="Share on LinkedIn">{_ICONS["linkedin"]}<span class="visually-hidden">LinkedIn</span></a>'
        f'<a href="#share-email" title="Share by email">{_ICONS["email"]}<span class="visually-hidden">Email</span></a>'
        f'<button type="button" onclick="window.print()" title="Print">{_ICONS["print"]}<span class="visually-hidden">Print</span></button>'
        "</div>"
    )


def _related_items(style: _Style, section: str) -> str:
    return "\n".join(
        f'<li><a href="/{section}/{_slugify(h)}.html" data-track="related|{i}">{escape(h)}</a></li>'
        for i, h in enumerate(style.related, 1)
    )


def _comment_list(style: _Style, css: str) -> str:
    out = []
    for i, (who, when, text) in enumerate(style.comments, 1):
        out.append(
            f'<li class="{css}" id="comment-{1000 + i}">\n'
            f'<div class="{css}__meta"><span class="{css}__author">{escape(who)}</span>'
            f'<span class="{css}__time">{escape(when)}</span></div>\n'
            f'<div class="{css}__body"><p>{escape(text)}</p></div>\n'
            f'<div class="{css}__actions"><a href="#reply-{1000 + i}">Reply</a><a href="#report-{1000 + i}">Report</a>'
            f'<span class="{css}__likes">{(7 * i) % 23 + 2} likes</span></div>\n</li>'
        )
    return "\n".join(out)


def _display_date(style: str, when: dt.datetime) -> str:
    when = when.astimezone(dt.UTC)
    if style == "wire":
        return f"{when.day} {when:%B %Y}, {when:%H:%M} GMT"
    if style == "ministry":
        return f"{when.day} {when:%B %Y}"
    return f"{when:%B} {when.day}, {when.year} — {when.hour % 12 or 12}:{when:%M}{'am' if when.hour < 12 else 'pm'}"


def _paragraphs(paragraphs: list[str], insert_after: int, box: str, second_after: int, second: str) -> str:
    out = []
    for i, text in enumerate(paragraphs, 1):
        out.append(f"<p>{escape(text)}</p>")
        if i == min(insert_after, len(paragraphs)):
            out.append(box)
        if i == min(second_after, len(paragraphs)):
            out.append(second)
    return "\n".join(out)


def _render_article(site: FeedSite, article: Article) -> str:
    return {"wire": _render_wire, "ministry": _render_ministry, "regional": _render_regional}[article.style](
        site, article
    )


def _render_wire(site: FeedSite, article: Article, *, empty: bool = False, banner: bool = True) -> str:
    style = _STYLES["wire"]
    json_ld = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        f'"headline":{_json(article.title)},"datePublished":"{article.published.isoformat()}",'
        f'"author":[{{"@type":"Person","name":{_json(article.author)}}}],'
        f'"publisher":{{"@type":"Organization","name":"{style.site_name}"}},'
        f'"mainEntityOfPage":"{site.url(article.path)}"}}</script>'
    )
    related = (
        '<aside class="related-stories" aria-labelledby="related-heading">\n'
        '<h2 id="related-heading">Related stories</h2>\n<ul>\n' + _related_items(style, "world") + "\n</ul>\n</aside>"
    )
    newsletter = (
        '<div class="newsletter-signup" data-component="newsletter">\n'
        f"<h3>The Morning Briefing</h3>\n<p>{escape(style.newsletter)}</p>\n"
        '<form action="/newsletters/subscribe" method="post"><label for="nl-email" class="visually-hidden">Email address</label>'
        '<input id="nl-email" type="email" name="email" placeholder="Your email address" required>'
        '<button type="submit">Sign up</button></form>\n'
        '<p class="newsletter-signup__legal">By signing up you agree to our Terms of Use and Privacy Notice.</p>\n</div>'
    )
    body = _paragraphs(article.paragraphs, 2, related, 4, newsletter)
    consent = f"""<a class="skip-link" href="#main">Skip to main content</a>
<div id="cookie-consent" class="cookie-banner" role="dialog" aria-label="Cookie consent" data-consent-banner>
<p>{escape(style.cookie)} You can change your choices at any time by visiting Cookie Settings.</p>
<button type="button" id="cookie-accept" class="primary">Accept all</button>
<button type="button" id="cookie-reject">Reject all</button>
<a href="/legal/cookie-settings/">Manage settings</a>
</div>"""
    crumbs = "".join(
        f'<li><a href="/{"" if i == 0 else _slugify(c) + "/"}">{escape(c)}</a></li>'
        for i, c in enumerate(style.breadcrumb)
    )
    main = (
        ""
        if empty
        else f"""
<nav aria-label="Breadcrumb"><ol class="breadcrumb">{crumbs}</ol></nav>
<article class="story" itemscope itemtype="https://schema.org/NewsArticle">
<header class="story-header">
<h1 itemprop="headline">{escape(article.title)}</h1>
<div class="byline"><span class="byline__author">By <a href="/authors/{_slugify(article.author)}/" rel="author">{escape(article.author)}</a></span>
<time datetime="{article.published.isoformat()}" itemprop="datePublished">{_display_date("wire", article.published)}</time>
<span class="byline__read">4 min read</span></div>
{_share_bar()}
</header>
<div class="story-body" itemprop="articleBody">
{body}
</div>
<footer class="story-footer"><p class="story-footer__standards">Our Standards: The Meridian Wire Trust Principles.</p></footer>
</article>
<section id="comments" class="comments" aria-labelledby="comments-heading">
<h2 id="comments-heading">Comments ({len(style.comments)})</h2>
<p class="comments__policy">Comments are moderated. Please read our community guidelines before posting.</p>
<ol class="comment-list">
{_comment_list(style, "comment")}
</ol>
<a class="comments__more" href="#comments-all">Load more comments</a>
</section>"""
    )
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
{_head(site, article, style, _utility_css("u-"))}
<body class="article-page">
{"" if empty else json_ld}
{consent if banner else ""}<header class="site-header" role="banner">
<div class="site-header__inner">
<button class="site-header__menu" type="button" aria-controls="main-nav" aria-expanded="false">{_ICONS["menu"]}<span class="visually-hidden">Menu</span></button>
<a class="logo" href="/">{escape(style.site_name)}</a>
<form class="site-search" role="search" action="/search"><input type="search" name="q" aria-label="Search"><button type="submit">{_ICONS["search"]}</button></form>
<a class="site-header__subscribe" href="/subscribe/">Subscribe</a><a href="/account/sign-in/">Sign in</a>
</div>
{_nav(style, "site-nav", "nav-item", "Main")}
</header>
<main id="main">{main}
</main>
<footer class="site-footer" role="contentinfo">
<div class="site-footer__cols">
{_footer_columns(style)}
</div>
<p class="site-footer__data">All quotes delayed a minimum of 15 minutes. See here for a complete list of exchanges and delays.</p>
<p class="site-footer__copyright">{escape(style.copyright)}</p>
</footer>
</body>
</html>
"""


def _render_ministry(site: FeedSite, article: Article) -> str:
    style = _STYLES["ministry"]
    see_also = (
        '<div class="see-also related-content">\n<h3>Related stories</h3>\n<ul>\n'
        + _related_items(style, "news/press-releases")
        + "\n</ul>\n</div>"
    )
    subscribe = (
        '<div class="subscribe-box newsletter">\n<h3>Stay informed</h3>\n'
        f"<p>{escape(style.newsletter)}</p>\n"
        '<form action="/subscriptions" method="post"><input type="email" name="email" aria-label="Email address">'
        '<select name="topic" aria-label="Topic"><option>All press releases</option><option>Speeches</option>'
        '<option>International cooperation</option></select><button type="submit">Subscribe</button></form>\n</div>'
    )
    body = _paragraphs(article.paragraphs, 3, see_also, 99, subscribe)
    languages = "".join(
        f'<li><a href="/{code}/" lang="{code}" hreflang="{code}">{name}</a></li>'
        for code, name in (
            ("en", "English"),
            ("fr", "Français"),
            ("es", "Español"),
            ("de", "Deutsch"),
            ("zh", "中文"),
            ("ar", "العربية"),
            ("ru", "Русский"),
            ("ja", "日本語"),
        )
    )
    section_menu = "".join(f'<li><a href="/news/{_slugify(s)}/">{escape(s)}</a></li>' for s in style.nav[2][1])
    comments = "\n".join(
        f'<div class="comment-item" id="c{200 + i}"><p class="comment-item__by"><strong>{escape(who)}</strong> '
        f"wrote on {escape(when)}:</p><p>{escape(text)}</p></div>"
        for i, (who, when, text) in enumerate(style.comments, 1)
    )
    release_no = f"{article.published.year}-{int(hashlib.sha1(article.slug.encode()).hexdigest()[:4], 16) % 900 + 100}"
    return f"""<!DOCTYPE html>
<html lang="en">
{_head(site, article, style, _utility_css("ds-"))}
<body class="page-node-type-press-release">
<div class="gov-banner"><p>An official website of the Ministry of Defence. <a href="/about/official-websites/">Here is how you know</a></p></div>
<div id="cookie-notice" class="cookie-notice consent" role="region" aria-label="Cookies on this website" data-consent-banner>
<h2>Cookies on this website</h2>
<p>{escape(style.cookie)}</p>
<button type="button" id="cookie-accept">Accept analytics cookies</button> <button type="button">Reject analytics cookies</button>
<a href="/help/cookies/">View cookies</a>
</div>
<header id="header" class="header">
<div class="header__top"><a class="header__crest" href="/"><span>{escape(style.site_name)}</span></a>
<ul class="language-switcher" aria-label="Languages">{languages}</ul>
<form class="search-block" action="/search" role="search"><input type="search" name="keys" aria-label="Search this site"><button type="submit">Search</button></form></div>
{_nav(style, "main-menu", "menu-item", "Main navigation")}
</header>
<div class="breadcrumbs" aria-label="Breadcrumb"><span>You are here:</span> {" › ".join(f'<a href="/{_slugify(c)}/">{escape(c)}</a>' for c in style.breadcrumb)}</div>
<div class="layout-container">
<div class="region-sidebar-first"><nav class="section-menu" aria-label="In this section"><h2>In this section</h2><ul>{section_menu}</ul></nav></div>
<main id="main-content" class="region-content" role="main">
<article class="press-release node--type-press-release">
<h1 class="page-title">{escape(article.title)}</h1>
<div class="release-meta">
<p class="release-meta__number">Release No: {release_no}</p>
<p class="release-meta__date">Release date: <time datetime="{article.published.isoformat()}">{_display_date("ministry", article.published)}</time></p>
<p class="release-meta__author">By {escape(article.author)}, Press Office</p>
</div>
<div class="field field--name-body field--type-text-with-summary">
{body}
</div>
</article>
<div class="page-feedback"><h2>Was this page helpful?</h2><form action="/feedback" method="post"><button type="submit" name="helpful" value="yes">Yes</button><button type="submit" name="helpful" value="no">No</button></form></div>
<section id="comments" class="comments-section">
<h2>Public comments (3)</h2>
{comments}
<p class="comments-closed">Comments on this release are now closed.</p>
</section>
</main>
</div>
<footer id="footer" class="site-footer">
<div class="site-footer__cols">
{_footer_columns(style)}
</div>
<div class="footer-bottom"><p>Ministry of Defence, 1 Parade Ground Road, Capital City. Switchboard: 0300 000 0000.</p>
<p class="copyright">{escape(style.copyright)}</p></div>
</footer>
</body>
</html>
"""


def _render_regional(site: FeedSite, article: Article) -> str:
    style = _STYLES["regional"]
    related = (
        '<div class="inline-related">\n<h4 class="inline-related__title">Related stories</h4>\n<ul>\n'
        + _related_items(style, "news/local-news")
        + "\n</ul>\n</div>"
    )
    promo = (
        '<div class="newsletter-promo" data-module="newsletter">\n<h4>Gazette Daily</h4>\n'
        f"<p>{escape(style.newsletter)}</p>\n"
        '<form action="/newsletters" method="post"><input type="email" name="email" placeholder="Email address">'
        '<button type="submit">Sign me up</button></form>\n</div>'
    )
    body = _paragraphs(article.paragraphs, 3, related, 5, promo)
    most_read = "\n".join(
        f'<li><a href="/news/local-news/{_slugify(t)}.html">{escape(t)}</a></li>'
        for t in (
            "Road closures planned for the Harbour Fun Run",
            "Heritage cinema to reopen after flood repairs",
            "Property prices on the peninsula rise for a fourth month",
            "Fishing fleet ties up as fuel prices bite",
            "School zone speed cameras switched on next week",
        )
    )
    state = (
        "window.__GAZETTE_STATE__={"
        + ",".join(
            f'"{_slugify(s)}":{{"label":{_json(s)},"children":[{",".join(_json(c) for c in subs)}]}}'
            for s, subs in style.nav
        )
        + '};window.__GAZETTE_ADS__={"slots":["leaderboard","mrec-1","mrec-2","skin"],"targeting":{"section":"news","sub":"local-news"}};'
    )
    return f"""<!DOCTYPE html>
<html lang="en">
{_head(site, article, style, _utility_css("g-"))}
<body class="template-article section-news">
<div class="ad-slot ad-slot--leaderboard" data-ad="leaderboard"><span class="ad-slot__label">Advertisement</span></div>
<header class="masthead">
<div class="masthead__date">Today's Paper · <a href="/weather/">Harbour City 14°C, showers clearing</a></div>
<a class="masthead__logo" href="/">{escape(style.site_name)}</a>
<div class="masthead__account"><a href="/subscribe/">Subscribe from $1 a week</a> <a href="/login/">Log in</a></div>
{_nav(style, "primary-nav", "primary-nav__item", "Sections")}
<div class="trending-bar"><span>Trending:</span> <a href="/topics/ferry-terminal/">Ferry terminal</a> <a href="/topics/council-budget/">Council budget</a> <a href="/topics/harbour-lions/">Harbour Lions</a> <a href="/topics/school-zones/">School zones</a></div>
</header>
<div class="page">
<div class="main-col">
<ul class="crumbs">{"".join(f'<li><a href="/{_slugify(c)}/">{escape(c)}</a></li>' for c in style.breadcrumb)}</ul>
<article class="story-article">
<h1 class="story-article__headline">{escape(article.title)}</h1>
<div class="author-box"><span class="author-box__name">By {escape(article.author)}</span>
<time class="author-box__date" datetime="{article.published.isoformat()}">{_display_date("regional", article.published)}</time></div>
{_share_bar()}
<div class="story-body">
{body}
</div>
<section class="comments" id="comments">
<h3 class="comments-title">Join the conversation</h3>
<ul class="comment-list">
{_comment_list(style, "comment")}
</ul>
</section>
</article>
</div>
<aside class="sidebar">
<div class="ad-slot ad-slot--mrec" data-ad="mrec-1"><span class="ad-slot__label">Advertisement</span></div>
<section class="most-read"><h3>Most read</h3><ol>{most_read}</ol></section>
<div class="ad-slot ad-slot--mrec" data-ad="mrec-2"><span class="ad-slot__label">Advertisement</span></div>
</aside>
</div>
<footer class="site-footer">
<div class="site-footer__cols">
{_footer_columns(style)}
</div>
<p class="site-footer__ack">The Gazette acknowledges the Traditional Custodians of the land on which we work.</p>
<p class="site-footer__copyright">{escape(style.copyright)}</p>
</footer>
<div id="onetrust-banner-sdk" class="otFlat cookie-banner" role="region" aria-label="Cookie banner" data-consent-banner>
<div id="onetrust-policy"><p id="onetrust-policy-text">{escape(style.cookie)} <a href="/cookie-policy/">Cookie Policy</a></p></div>
<div id="onetrust-button-group"><button id="onetrust-pc-btn-handler">Cookies Settings</button><button id="onetrust-reject-all-handler">Reject All</button><button id="cookie-accept">Accept All Cookies</button></div>
</div>
<script>{state}</script>
</body>
</html>
"""


def _render_empty_page(site: FeedSite, *, banner: bool) -> str:
    placeholder = Article(
        "empty",
        "World",
        dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC),
        ["World news"],
        "Meridian Wire",
        "wire",
        False,
        0,
    )
    return _render_wire(site, placeholder, empty=True, banner=banner)


def _json(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
