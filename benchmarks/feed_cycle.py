"""One monitoring cycle over a local fixture site: wall time, the share spent in trafilatura,
and peak memory. Run: .venv/bin/python -m benchmarks.feed_cycle [--feeds 10 --items 20]

The cycle runs the same functions as the monitor flow (poll, pick new items, fetch pages and
extract, classify, store, resolve events) in a plain loop, without Prefect, so the figures are
newswatch's own cost; trafilatura is then timed alone on the same page bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

import httpx
from newswatch.storage.database import open_database

from newswatch.classify import Classifier
from newswatch.extract import extract_page
from newswatch.fetch import Fetcher
from newswatch.monitor import build_article, fetch_item_page, fetch_policy, in_parallel, poll_feed, select_new_items
from newswatch.notify import CONSOLE
from newswatch.pipeline import store_classifications
from newswatch.seeds import read_seed_files
from newswatch.settings import FeedConfig, load_settings
from tests.feed_site import STYLES, FeedSite

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()

    texts, _ = read_seed_files([REPO / "seeds", REPO / "tests" / "corpus"])
    settings = load_settings()
    monitor = settings.core.monitor.model_copy(update={"allow_private_networks": True, "concurrency": 8})
    with FeedSite() as site, tempfile.TemporaryDirectory() as folder:
        feeds = []
        for f in range(args.feeds):
            slugs = []
            for i in range(args.items):
                source = texts[(f * args.items + i) % len(texts)]
                slug = f"f{f}-i{i}"
                # A line that makes each copy distinct, as different stories are.
                paragraphs = [*source.text.split("\n\n"), f"Story {slug} was filed by the desk."]
                site.add_article(slug, source.title, source.published, paragraphs, style=STYLES[i % len(STYLES)])
                slugs.append(slug)
            feeds.append(FeedConfig(url=site.add_feed(f"feed{f}", "rss2", slugs)))
        sessions = open_database(f"sqlite:///{folder}/bench.db")
        classifier = Classifier(settings)

        start = time.perf_counter()
        with Fetcher(fetch_policy(monitor)) as fetcher:
            polls = in_parallel(lambda feed: poll_feed(fetcher, feed, (None, None), monitor.max_feed_bytes), feeds, 8)
            items = select_new_items(polls, set())
            pages = in_parallel(lambda item: fetch_item_page(fetcher, item), items, 8)
        fetched = time.perf_counter()
        now = dt.datetime.now(dt.UTC)
        articles = [build_article(item, page, now) for item, (page, _) in zip(items, pages, strict=True)]
        extracted = time.perf_counter()
        classifications = [classifier.classify(a) for a in articles]
        classified = time.perf_counter()
        store_classifications(sessions, classifications, [CONSOLE])
        stored = time.perf_counter()

        bodies = [page for page, _ in pages if page]
        t0 = time.perf_counter()
        for body, item in zip(bodies, items, strict=False):
            extract_page(body, item.entry.link)
        trafilatura_alone = time.perf_counter() - t0
        with httpx.Client() as client:
            t0 = time.perf_counter()
            client.get(site.url("/feeds/feed0.xml"))
            one_request = time.perf_counter() - t0

    total = stored - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(feeds)} feeds x {args.items} items = {len(articles)} articles, pages {sum(map(len, bodies)) / len(bodies) / 1024:.0f} KB on average"
    )
    print(f"cycle: {total:.2f} s  ({len(articles) / total:.0f} articles/s)")
    print(f"  poll + fetch pages (8 at a time): {fetched - start:.2f} s")
    print(f"  extract (trafilatura) + build:    {extracted - fetched:.2f} s")
    print(f"  classify:                         {classified - extracted:.2f} s")
    print(f"  store + resolve events:           {stored - classified:.2f} s")
    print(
        f"trafilatura alone on the same pages: {trafilatura_alone:.2f} s = {trafilatura_alone / total:.0%} of the cycle"
    )
    print(f"one feed request: {one_request * 1000:.1f} ms; peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
