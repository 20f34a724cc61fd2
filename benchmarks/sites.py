"""Local news sites on several loopback addresses, serving a generated corpus as feeds and pages.

Each host is a ``tests.feed_site.FeedSite`` bound to its own address (127.0.0.2, 127.0.0.3, …;
Linux routes all of 127.0.0.0/8 to the loopback interface), so the monitor sees as many hosts as
a real run and its per-host limits apply as they would. Article pages are padded with more
boilerplate (most-read lists, ad slots, a link footer) to 30–80 KB, the size of real news pages.

``serve_network`` runs the sites in a separate process, so that serving costs the measured
process nothing, as a remote site would.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.connection
import random
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from html import escape
from typing import Any

from benchmarks.corpus import DEFAULT_SEED, CorpusWriter, GeneratedArticle
from newswatch.settings import load_settings
from tests.feed_site import FEED_KINDS, STYLES, Article, Feed, FeedSite, _Response, _Server

FIRST_HOST = 2  # 127.0.0.2; 127.0.0.1 stays free for everything else
PAGE_BYTES = (30_000, 80_000)
START_TIMEOUT_SECONDS = 300
_PADDING_MARK = "</body>"


class _NoDelayServer(_Server):
    """FeedSite's server with Nagle's algorithm off: it writes a response's headers and body
    separately, and the body would otherwise wait for the client's delayed ACK (40 ms a request)."""

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class HostSite(FeedSite):
    """A FeedSite on a given loopback address whose article pages are padded to 30–80 KB.

    Each version of a page or feed is rendered (pages padded and compressed) once, then served
    from memory, as a production site serves from its cache: serving costs little, so the measured
    client is what competes for the cores. ETag, Last-Modified, 304 and gzip negotiation stay
    FeedSite's, per request.
    """

    def __init__(self, host: str) -> None:
        super().__init__()
        self.host = host
        self._pages: dict[tuple[str, int], bytes] = {}
        self._compressed: dict[bytes, bytes] = {}
        self._rendered_feeds: dict[tuple[str, int], tuple[bytes, int]] = {}

    def start(self) -> HostSite:
        # FeedSite binds 127.0.0.1; this is its start() on another address.
        if self._server is not None:
            raise RuntimeError("site already started")
        self._stopping.clear()
        self._server = _NoDelayServer((self.host, 0), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=f"site-{self.host}", daemon=True
        )
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _route(self, path: str) -> _Response:
        article = self._public_article(path)
        if article is None:
            return super()._route(path)
        key = (article.slug, article.modified)
        if key not in self._pages:
            self._pages[key] = _padded(super()._route(path).body.decode(), article.slug).encode()
        return _Response(200, self._pages[key], last_modified=article.modified, gzip=True)

    def _render_feed(self, feed: Feed) -> tuple[bytes, int]:
        items = self._feed_items(feed)
        key = (feed.name, max([feed.modified] + [i.modified for i in items if isinstance(i, Article)]))
        if key not in self._rendered_feeds:  # a feed changes when it or one of its articles does
            self._rendered_feeds[key] = super()._render_feed(feed)
        return self._rendered_feeds[key]

    def _public_article(self, path: str) -> Article | None:
        """The article a path is the page of (not a private one, not a redirect), if any."""
        slug = path.removeprefix("/news/").removesuffix(".html")
        with self._lock:
            article = self._articles.get(slug)
            if article is None or article.private or path != article.path or path in self._redirects:
                return None
            return article

    def _gzipped(self, body: bytes) -> bytes:
        if body not in self._compressed:  # a cached page is the same bytes object each time: hashed once
            self._compressed[body] = super()._gzipped(body)
        return self._compressed[body]


_MOST_READ = (
    "Council votes to extend late-night bus services",
    "Five things to know before the markets open",
    "Inside the race to build cheaper batteries",
    "Readers' photos: autumn on the coast",
    "What the new school timetable means for parents",
    "Local bakery wins national award for sourdough",
    "Opinion: our roads need more than a fresh coat of paint",
    "Quiz: how well do you know this week's news?",
    "The long road back for the city's oldest theatre",
    "Live: traffic and travel updates",
)


def _padded(page: str, slug: str) -> str:
    """The page with boilerplate added until it reaches its target size (30–80 KB, fixed per slug)."""
    rng = random.Random(hashlib.sha256(slug.encode()).digest())
    target = rng.randint(*PAGE_BYTES)
    blocks: list[str] = []
    size = len(page.encode())
    while size < target:
        items = "".join(
            f'<li class="most-read__item"><a href="/news/more-{rng.randrange(10**6)}.html">'
            f'<span class="rank">{n + 1}</span>{escape(rng.choice(_MOST_READ))}</a></li>'
            for n in range(10)
        )
        block = (
            f'<aside class="most-read" aria-label="Most read"><h2>Most read</h2><ol>{items}</ol></aside>\n'
            f'<div class="ad-slot" data-ad-unit="/1234/news/sidebar-{len(blocks)}" data-sizes="[[300,250],[300,600]]"></div>\n'
        )
        blocks.append(block)
        size += len(block.encode())
    head, mark, tail = page.rpartition(_PADDING_MARK)
    return head + "".join(blocks) + mark + tail if mark else page + "".join(blocks)


@dataclass(frozen=True)
class NetworkSpec:
    """Which sites to serve: ``feeds`` feeds of ``items`` items each, spread over ``hosts`` hosts."""

    hosts: int
    feeds: int
    items: int
    seed: int = DEFAULT_SEED

    @property
    def articles(self) -> int:
        return self.feeds * self.items


@dataclass(frozen=True)
class NetworkUrls:
    """Where a served network's feeds and pages are."""

    feeds: list[str]
    pages: list[str]


class NewsNetwork:
    """Several HostSites serving a generated corpus: feed ``f`` lists articles ``f*items`` onwards."""

    def __init__(self, spec: NetworkSpec, articles: list[GeneratedArticle] | None = None) -> None:
        if articles is None:
            writer = CorpusWriter(load_settings(), spec.articles, spec.seed)
            articles = [writer.article(i) for i in range(spec.articles)]
        self.spec = spec
        self.articles = articles
        self.sites = [HostSite(f"127.0.0.{FIRST_HOST + h}") for h in range(spec.hosts)]
        self._feeds: list[tuple[HostSite, str]] = []

    def start(self) -> NetworkUrls:
        for site in self.sites:
            site.start()
        pages: list[str] = []
        for f in range(self.spec.feeds):
            site = self.sites[f % len(self.sites)]
            slugs = []
            for i, article in enumerate(self.articles[f * self.spec.items : (f + 1) * self.spec.items]):
                style = STYLES[(f + i) % len(STYLES)]
                pages.append(
                    site.add_article(
                        article.slug,
                        article.title,
                        article.published,
                        list(article.paragraphs),
                        article.author,
                        style=style,
                    )
                )
                slugs.append(article.slug)
            name = f"section-{f:03d}"
            site.add_feed(name, FEED_KINDS[f % len(FEED_KINDS)], slugs, title=f"Section {f} – Latest")
            self._feeds.append((site, name))
        return NetworkUrls([site.url(f"/feeds/{name}.xml") for site, name in self._feeds], pages)

    def stop(self) -> None:
        for site in self.sites:
            site.stop()


def _serve_until_told(spec: NetworkSpec, connection: multiprocessing.connection.Connection) -> None:
    """Child process: serve the network, send its URLs, stop when the parent says so (or dies)."""
    network = NewsNetwork(spec)
    try:
        connection.send(network.start())
        connection.recv()
    except EOFError:
        pass
    finally:
        network.stop()


@contextmanager
def serve_network(spec: NetworkSpec) -> Iterator[NetworkUrls]:
    """Serve the network from a separate process for the duration of the block."""
    context = multiprocessing.get_context("spawn")  # never fork a process with Prefect's threads
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_until_told, args=(spec, theirs), name="news-network", daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not ours.poll(0.5):
            if not process.is_alive():
                raise RuntimeError(f"the news network exited at start (status {process.exitcode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the news network did not start within {START_TIMEOUT_SECONDS} s")
        yield ours.recv()
    finally:
        with suppress(OSError):
            ours.send("stop")
        process.join(timeout=30)
        if process.is_alive():
            process.kill()


if __name__ == "__main__":  # pragma: no cover - a manual check: python -m benchmarks.sites
    with serve_network(NetworkSpec(hosts=2, feeds=2, items=2)) as urls:
        print(*urls.feeds, *urls.pages, sep="\n", file=sys.stdout)
