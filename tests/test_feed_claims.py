"""Workers sharing a database share the feeds (issue 19, item 4): a monitor cycle claims each
feed before polling it, and holds its claims until it has recorded the feeds' health, so two
cycles at once poll each feed once between them. PostgreSQL: advisory locks; SQLite: one machine,
every feed claimed."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import yaml

from newswatch.storage.database import open_database
from newswatch.storage.feeds import feed_claims, last_polls, record_feed_poll
from tests.conftest import config_folder, stored_totals
from tests.feed_site import FeedSite

FEEDS = 8


def test_a_cycle_holds_its_claims_until_it_ends_and_another_takes_the_rest(postgres_url: str) -> None:
    first, second = open_database(postgres_url), open_database(postgres_url)
    with feed_claims(first, {}) as claim_first, feed_claims(second, {}) as claim_second:
        assert claim_first(["https://a/feed", "https://b/feed"]) == ["https://a/feed", "https://b/feed"]
        assert claim_second(["https://a/feed", "https://b/feed", "https://c/feed"]) == ["https://c/feed"]
        assert claim_first(["https://a/feed"]) == ["https://a/feed"]  # (its own: held already)
    with feed_claims(second, {}) as claim_second:
        assert claim_second(["https://a/feed", "https://b/feed"]) == ["https://a/feed", "https://b/feed"]


def test_a_feed_another_cycle_polled_since_this_cycle_chose_its_feeds_is_not_claimed(postgres_url: str) -> None:
    """The workers benchmark's smoke run polled every feed twice: the later cycle chose its due
    feeds while the first was still polling them, and claimed them once the first had recorded
    their polls and let them go. A claim now also checks the feed's last poll is the one seen."""
    first, second = open_database(postgres_url), open_database(postgres_url)
    urls = ["https://a/feed", "https://b/feed"]
    with second.transaction() as session:
        chosen_with = last_polls(session, urls)  # the later cycle chooses: neither feed polled
    with feed_claims(first, {}) as claim_first:
        assert claim_first(urls[:1]) == urls[:1]
        with first.transaction() as session:
            record_feed_poll(session, urls[0], "a", status=200, error=None)
    with feed_claims(second, chosen_with) as claim_second:
        assert claim_second(urls) == urls[1:]
        with second.transaction() as session:
            chosen_after = last_polls(session, urls)
        with feed_claims(first, chosen_after) as claim_again:  # (the stale claim was let go)
            assert claim_again(urls) == urls[:1]


def test_on_sqlite_every_feed_is_the_cycles(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    with feed_claims(db, {}) as claim, feed_claims(db, {}) as other:
        assert claim(["https://a/feed"]) == other(["https://a/feed"]) == ["https://a/feed"]


def test_two_monitor_runs_at_once_poll_each_due_feed_once_and_store_each_article_once(
    feed_site: FeedSite, postgres_url: str, prefect_server: str, tmp_path: Path
) -> None:
    urls = []
    for number in range(FEEDS):
        slugs = []
        for item in range(3):
            slug = f"story-{number}-{item}"
            paragraphs = [f"Paragraph one of story {number}.{item} about the harbour.", "Paragraph two, longer."]
            feed_site.add_article(slug, f"Story {number}.{item}", dt.date(2025, 3, 4), paragraphs * 3)
            slugs.append(slug)
        urls.append(feed_site.add_feed(f"feed-{number}", "rss2", slugs))
    config = config_folder(tmp_path / "config", monitor={"allow_private_networks": True})
    (config / "feeds.yaml").write_text(
        yaml.safe_dump({"replace_shipped": True, "feeds": [{"url": url} for url in urls]}), encoding="utf-8"
    )
    env = {
        **os.environ,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "NEWSWATCH_DATABASE_URL": postgres_url,
        "PREFECT_API_URL": prefect_server,
    }
    env.pop("NEWSWATCH_NOTIFY", None)
    open_database(postgres_url)  # (the schema made once, not by two migrations at once)
    # (the feeds' intervals kept: a run that starts after the other has recorded its polls finds
    # nothing due, one that overlaps it finds the feeds claimed or, once they are let go, polled
    # since it chose them; either way each is polled once)
    command = [sys.executable, "-m", "newswatch", "run", "--config", str(config)]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    polled = [feed_site.count(f"/feeds/feed-{number}.xml") for number in range(FEEDS)]
    assert polled == [1] * FEEDS, (polled, outputs)
    articles, _, _ = stored_totals(postgres_url)
    assert articles == FEEDS * 3
    said = [int(m.group(1)) for out, _ in outputs for m in re.finditer(r"Feeds: (\d+) polled", out)]
    assert sum(said) == FEEDS, outputs  # each run counts what it polled (and what the other did)


def _site_with_feeds(feed_site: FeedSite, feeds: int, items: int) -> tuple[list[str], list[str]]:
    urls, pages = [], []
    for number in range(feeds):
        slugs = []
        for item in range(items):
            slug = f"round-{number}-{item}"
            paragraphs = [f"Paragraph one of story {number}.{item} about the harbour.", "Paragraph two, longer."]
            feed_site.add_article(slug, f"Story {number}.{item}", dt.date(2025, 3, 4), paragraphs * 3)
            slugs.append(slug)
            pages.append(slug)
        urls.append(feed_site.add_feed(f"round-feed-{number}", "rss2", slugs))
    return urls, pages


def _recording(
    claim: Callable[[list[str]], list[str]], before: Callable[[], object]
) -> Callable[[list[str]], list[str]]:
    def recording(urls: list[str]) -> list[str]:
        before()
        return claim(urls)

    return recording


def _append_pages_fetched(log: list[int], pages_fetched: Callable[[], int]) -> None:
    log.append(pages_fetched())


def test_on_a_shared_database_a_cycle_claims_the_feeds_a_round_at_a_time(
    feed_site: FeedSite, postgres_url: str, prefect_server: str
) -> None:
    """Claiming every feed first left a cycle that started a moment later with nothing to do: on
    PostgreSQL the cycle claims a round of feeds, collects its pages, then claims the next."""
    from prefect import flow

    from newswatch.config_schema import FeedConfig, MonitorSettings
    from newswatch.flows.monitor import claim_rounds, collect_articles

    urls, slugs = _site_with_feeds(feed_site, 6, 2)
    options = MonitorSettings(concurrency=1, allow_private_networks=True)
    feeds = [FeedConfig(url=url) for url in urls]
    assert [len(r) for r in claim_rounds(feeds, options)] == [2, 2, 2]

    def pages_fetched() -> int:
        return sum(feed_site.count(f"/news/{slug}.html") for slug in slugs)

    db = open_database(postgres_url)
    for shared, expected in ((False, [0] * 6), (True, [0, 0, 4, 4, 8, 8])):
        feed_site.clear_requests()
        fetched_at_claim: list[int] = []
        with feed_claims(db, {}) as claim:
            recording = _recording(claim, partial(_append_pages_fetched, fetched_at_claim, pages_fetched))
            polls, items, articles, _ = flow(collect_articles)(db, feeds, options, recording, shared=shared)
        assert len(polls) == 6 and len(items) == len(articles) == 12
        assert fetched_at_claim == expected, f"shared={shared}: pages fetched when each feed was claimed"
