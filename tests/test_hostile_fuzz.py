"""Fuzzing the item boundaries: mutated feeds and pages through parse → extract → classify → store.

Whatever bytes a feed or a page holds, the only exception that may leave parsing is ``FeedError``
(the feed is reported as failing), and nothing may leave building an article, classifying it or
storing it: one hostile item must never end a run. The mutations start from well-formed documents
and splice in what hostile servers send (entity declarations, NUL and control bytes, cut-off
markup, deep nesting, odd encodings, absurd dates and ports).

Bounded for CI: ``NEWSWATCH_FUZZ_EXAMPLES`` examples per test (default 60), no per-example deadline
but a small input size; run longer locally with e.g. ``NEWSWATCH_FUZZ_EXAMPLES=2000``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.config_schema import FeedConfig
from newswatch.feeds import FeedEntry, FeedError, parse_feed
from newswatch.model import Article
from newswatch.polling import NewItem, build_article, select_new_items
from newswatch.storage.database import open_database

EXAMPLES = int(os.environ.get("NEWSWATCH_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every CI run: a failure here is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Wire</title><link>https://news.example.org/</link>
<item><title>Defence chiefs hold video call</title><link>https://news.example.org/a/1?utm_source=x</link>
<guid isPermaLink="false">urn:a:1</guid><pubDate>Tue, 04 Mar 2025 09:00:00 GMT</pubDate>
<description><![CDATA[<p>The U.S. defence secretary held a video call with China's defence minister.</p>]]></description></item>
<item><title>Port levy reversed</title><link>https://news.example.org/a/2</link>
<pubDate>Wed, 05 Mar 2025 10:00:00 +0800</pubDate><description>Harbour board news.</description></item>
</channel></rss>"""

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Defence chiefs talk</title>
<meta property="article:published_time" content="2025-03-04T09:00:00Z"></head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a></nav><article><h1>Defence chiefs hold video call</h1>
<p>WASHINGTON, March 4 (Harbour Wire) — U.S. Defense Secretary Lloyd Austin held a video call on Tuesday
with Chinese Defense Minister Dong Jun, the Pentagon said.</p>
<p>The two discussed the South China Sea and Taiwan, according to a readout.</p></article>
<footer>© Harbour Wire</footer></body></html>"""

SPLICES = [
    b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
    b'<!ENTITY x SYSTEM "file:///etc/passwd">',
    b"&b;&b;&b;&x;",
    b"\x00",
    b"\x1b]0;pwned\x07\x1b[2J\x9b",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"]]>",
    b"<![CDATA[",
    b"<div>" * 300,
    b"</item></channel></rss>",
    b"<link>http://h:99999/x</link>",
    b"<link>javascript:alert(1)</link>",
    b"<link>http://[::1</link>",
    b"<pubDate>Sun, 31 Dec 99999 25:61:61 +9999</pubDate>",
    b"&#0;&#xD800;&#1114112;",
    "\u202e\ufeff\u200b\U0001f600".encode(),
    "國防部長 視訊通話 董軍 奧斯汀".encode(),
    b"<p>" + "с министром обороны Китая".encode("cp1251"),
    b'<?xml version="1.0" encoding="x-unknown"?>',
    b"<meta charset='utf-16'>",
]


@st.composite
def mutated(draw: st.DrawFn, document: str) -> bytes:
    """The document with a few random edits: splices of hostile snippets, random bytes, cuts."""
    data = bytearray(document.encode())
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        edit = draw(st.sampled_from(["splice", "bytes", "delete", "repeat"]))
        if edit == "splice":
            data[at:at] = draw(st.sampled_from(SPLICES))
        elif edit == "bytes":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif edit == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=200))]
        else:
            data[at:at] = bytes(data[at : at + 30]) * draw(st.integers(min_value=2, max_value=50))
    return bytes(data)


HOSTILE_TEXT = ["\x00", "\ud800", "\udfff", "\x1b[2J", "\x9b", "\u202e", "\ufffe", "a" * 5000, "\n\n"]

HEADERS = st.sampled_from(
    [
        {"content-type": "application/rss+xml; charset=utf-8"},
        {"content-type": "text/xml"},
        {"content-type": "text/html; charset=iso-8859-1"},
        {"content-type": "<!channel> <@U123> <img src=x onerror=alert(1)>"},
        {},
    ]
)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from newswatch.settings import load_settings

    return Classifier(load_settings())


@FUZZ
@given(body=mutated(FEED), headers=HEADERS)
def test_a_mutated_feed_parses_or_fails_as_a_feed_error(body: bytes, headers: dict[str, str]) -> None:
    try:
        parsed = parse_feed(body, headers, "https://news.example.org/feed.xml")
    except FeedError:
        return
    for entry in parsed.entries:
        assert isinstance(entry.title, str) and isinstance(entry.link, str)
    select_new_items([_poll(parsed.entries)], set())  # canonicalising every link must not raise


def _poll(entries: tuple[FeedEntry, ...]):
    from newswatch.polling import FeedPoll

    return FeedPoll(FeedConfig(url="https://news.example.org/feed.xml"), 200, entries)


@FUZZ
@given(
    page=mutated(PAGE), title=st.text(max_size=80), link=st.sampled_from(["https://n.example/a", "http://h:99999/x"])
)
def test_a_mutated_page_becomes_an_article_that_classifies(
    page: bytes, title: str, link: str, classifier: Classifier
) -> None:
    entry = FeedEntry(guid="urn:x", link=link, title=title, summary="A summary.", published=None)
    item = NewItem(FeedConfig(url="https://n.example/feed.xml"), entry, link)
    article = build_article(item, page, dt.datetime(2025, 3, 5, tzinfo=dt.UTC))
    assert article.text
    classifier.classify(article)


def test_mutated_articles_are_all_stored_or_reported_one_by_one(database_url: str, classifier: Classifier) -> None:
    """Storing, on SQLite and PostgreSQL: a batch of mutated articles (NUL bytes, surrogates,
    control characters, huge repeats) is stored whole, or each bad one is reported against its
    ref; nothing escapes."""
    sessions = open_database(database_url)
    articles: list[Article] = []

    @FUZZ
    @given(page=mutated(PAGE), extra=st.lists(st.sampled_from(HOSTILE_TEXT), max_size=3), title=st.text(max_size=40))
    def collect(page: bytes, extra: list[str], title: str) -> None:
        entry = FeedEntry(guid=f"urn:{len(articles)}", link="", title="t", summary="s", published=None)
        item = NewItem(FeedConfig(url="https://n.example/feed.xml"), entry, f"urn:{len(articles)}")
        article = build_article(item, page, dt.datetime(2025, 3, 5, tzinfo=dt.UTC))
        # text as a seed file or a careless feed can hold it, past what extraction would clean
        articles.append(replace(article, text=article.text + "".join(extra), title=title + "".join(extra)))

    collect()
    classifications = [classifier.classify(article) for article in articles]
    outcomes = store_classifications(sessions, classifications, [], on_progress=lambda *_: None)
    assert [o.ref for o in outcomes] == [a.ref for a in articles]
