"""The pure parts of a monitoring cycle: which feeds are due, which items are new, and how an
article is built from a feed item and its page."""

from __future__ import annotations

import datetime as dt

from newswatch.config_schema import FeedConfig
from newswatch.feeds import FeedEntry
from newswatch.polling import FeedPoll, NewItem, build_article, due_feeds, group_by_host, select_new_items

NOW = dt.datetime(2025, 9, 10, 12, 0, tzinfo=dt.UTC)
FEED = FeedConfig(url="https://example.com/feed.xml", interval_minutes=30)


def test_feeds_are_due_after_their_interval() -> None:
    other = FeedConfig(url="https://example.org/rss", interval_minutes=120)
    new = FeedConfig(url="https://example.net/atom")
    last = {FEED.url: NOW - dt.timedelta(minutes=29, seconds=30), other.url: NOW - dt.timedelta(minutes=30)}
    assert due_feeds([FEED, other, new], last, NOW) == [FEED, new]


def _entry(guid: str, link: str, published: dt.datetime | None = None) -> FeedEntry:
    return FeedEntry(guid=guid, link=link, title="A title", summary="The summary of the story.", published=published)


def test_new_items_skip_known_guids_and_urls_and_repeat_once() -> None:
    polls = [
        FeedPoll(
            FEED,
            200,
            (_entry("g1", "https://news.example.com/a?utm_source=rss"), _entry("g2", "https://news.example.com/b")),
        ),
        FeedPoll(
            FEED, 200, (_entry("g3", "https://NEWS.example.com/a#comments"), _entry("g4", "https://news.example.com/c"))
        ),
    ]
    items = select_new_items(polls, known={"g2"})
    assert [i.ref for i in items] == ["https://news.example.com/a", "https://news.example.com/c"]


def test_without_a_page_the_summary_and_the_entry_date_are_used() -> None:
    item = NewItem(FEED, _entry("g", "https://example.com/x", NOW - dt.timedelta(days=1)), "https://example.com/x")
    article = build_article(item, None, NOW)
    assert (article.text, article.text_source) == ("The summary of the story.", "summary")
    assert (article.published, article.published_source) == (dt.date(2025, 9, 9), "feed")
    undated = build_article(
        NewItem(FEED, _entry("g", "https://example.com/y"), "https://example.com/y"), b"<html></html>", NOW
    )
    assert (undated.published, undated.published_source) == (dt.date(2025, 9, 10), "fetched")
    assert undated.feed_url == FEED.url and undated.guid == "g" and undated.source == "feed"


def test_work_is_grouped_by_host_into_even_groups() -> None:
    urls = [
        f"https://{host}/feed{i}"
        for host, count in (("a.example", 5), ("b.example", 3), ("c.example", 2), ("d.example", 1))
        for i in range(count)
    ]
    groups = group_by_host(urls, lambda url: url, 2)
    assert len(groups) == 2
    assert sorted(url for group in groups for url in group) == sorted(urls)
    hosts = [{url.split("/")[2] for url in group} for group in groups]
    assert not hosts[0] & hosts[1]  # a host's work stays in one group
    assert sorted(len(group) for group in groups) == [5, 6]
    assert group_by_host(urls, lambda url: url, 10) == [urls[0:5], urls[5:8], urls[8:10], urls[10:11]]
    assert group_by_host([], lambda url: url, 3) == []
