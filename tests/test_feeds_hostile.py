"""Hostile feeds, entries and pages (issue 16, rows 1, 5 and 13): entity declarations are refused
before parsing, entries, titles and texts are capped and the cut is said, control characters are
stripped, and any exception in one feed, entry or page stays with that item."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time

import pytest
from pydantic import ValidationError

from newswatch.config_schema import FeedConfig, MonitorSettings
from newswatch.extract import ExtractedPage, cut_text
from newswatch.feeds import FeedEntry, FeedError, FeedLimits, ParsedFeed, parse_feed
from newswatch.fetch import Fetcher, FetchPolicy
from newswatch.polling import (
    FeedPoll,
    NewItem,
    build_article,
    collect_article,
    feed_limits,
    group_by_host,
    item_ref,
    poll_feed,
    select_new_items,
)
from tests.feed_site import FIXTURE_FEED, LAUGHS_FEED, FeedSite

URL = "https://news.example/feed.xml"
HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
REFUSED = "declares XML entities (refused: entity expansion can blow up memory and time)"
NOW = dt.datetime(2025, 9, 10, 12, 0, tzinfo=dt.UTC)
FEED = FeedConfig(url=URL)
NETSCAPE_DOCTYPE = (
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
)


def _rss(items: str, *, prolog: str = "", title: str = "Hostile wire", encoding: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example/</link>{items}</channel></rss>"
    )


def _item(n: int, *, title: str | None = None, date: str | None = None, description: str = "A summary.") -> str:
    published = f"<pubDate>{date}</pubDate>" if date else ""
    return (
        f"<item><title>{title if title is not None else f'Story {n}'}</title>"
        f"<link>https://news.example/story/{n}</link>{published}<description>{description}</description></item>"
    )


def _policy() -> FetchPolicy:
    return FetchPolicy(allow_private_networks=True, retries=0, connect_timeout=1, read_timeout=2, total_timeout=3)


# --------------------------------------------------------------------------- #
# Row 5: entity declarations are refused before parsing
# --------------------------------------------------------------------------- #


def test_quadratic_blowup_is_refused_before_parsing_in_well_under_a_second() -> None:
    # one 50 KB entity referenced 100,000 times: 5 GB once expanded, from a 450 KB document
    prolog = f'<!DOCTYPE rss [\n<!ENTITY big "{"a" * 50_000}">\n]>\n'
    body = _rss(_item(1, description="&big;" * 100_000), prolog=prolog).encode()
    started = time.monotonic()
    with pytest.raises(FeedError) as refused:
        parse_feed(body, HEADERS, URL)
    assert time.monotonic() - started < 0.5
    assert str(refused.value) == f"{URL}: {REFUSED}"  # names nothing of the document


@pytest.mark.parametrize(
    ("name", "prolog", "encoding", "codec"),
    [
        ("utf-16 with a BOM", '<!DOCTYPE rss [<!ENTITY big "aaaa">]>\n', "UTF-16", "utf-16"),
        ("utf-16-be with a BOM", '<!DOCTYPE rss [<!ENTITY big "aaaa">]>\n', "UTF-16", "utf-16-be-bom"),
        ("utf-8 with a BOM", '<!DOCTYPE rss [<!ENTITY big "aaaa">]>\n', "UTF-8", "utf-8-sig"),
        # feedparser strips declarations only up to the first "<" and a letter: one hidden
        # behind such a "<r" in a quoted literal would reach expat and be expanded there
        ("behind a quoted tag", '<!DOCTYPE rss SYSTEM "<rss>" [<!ENTITY big "aaaa">]>\n', "UTF-8", "utf-8"),
        ("after a tricky comment", '<!-- "]> \' --><!DOCTYPE rss [<!-- ]> --><!ENTITY big "a">]>', "UTF-8", "utf-8"),
        ("a parameter entity", "<!DOCTYPE rss [<!ENTITY % p \"<!ENTITY big 'a'>\"> %p;]>", "UTF-8", "utf-8"),
        ("in lower case", '<!DOCTYPE rss [<!entity big "aaaa">]>\n', "UTF-8", "utf-8"),
        ("an unterminated DOCTYPE", '<!DOCTYPE rss [<!ENTITY big "aaaa">\n', "UTF-8", "utf-8"),
    ],
)
def test_entity_declarations_are_found_in_the_prolog_as_the_parser_reads_it(
    name: str, prolog: str, encoding: str, codec: str
) -> None:
    text = _rss(_item(1, description="&big;&big;"), prolog=prolog, encoding=encoding)
    body = b"\xfe\xff" + text.encode("utf-16-be") if codec == "utf-16-be-bom" else text.encode(codec)
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(body, {"content-type": "application/rss+xml"}, URL)


def test_a_plain_doctype_and_entity_text_in_the_content_are_accepted() -> None:
    netscape = parse_feed(_rss(_item(1), prolog=NETSCAPE_DOCTYPE).encode(), HEADERS, URL)
    assert [e.title for e in netscape.entries] == ["Story 1"]
    about_xml = _item(2, description="<![CDATA[<p>How <!ENTITY declarations work</p>]]>")
    parsed = parse_feed(_rss(about_xml).encode(), HEADERS, URL)
    assert [e.link for e in parsed.entries] == ["https://news.example/story/2"]


@pytest.mark.parametrize(
    "subset",
    [b"<!--" * 500_000, b'"a" ' * 500_000, b"<a" * 1_000_000, b"[a" * 1_000_000, b"<" * 2_000_000],
    ids=["unterminated comments", "literals", "tags", "brackets", "angles"],
)
def test_a_prolog_crafted_to_slow_the_scan_is_read_in_linear_time(subset: bytes) -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE rss [' + subset + b"]>" + _rss(_item(1)).split("?>", 1)[1].encode()
    started = time.monotonic()
    with contextlib.suppress(FeedError):  # a malformed DOCTYPE may leave no entries; the point is the time
        parse_feed(body, HEADERS, URL)
    assert time.monotonic() - started < 2


def test_html_pages_expand_no_entities() -> None:
    """lxml's HTML parser (trafilatura's, and feeds' summaries) reads no DTD: an internal entity
    stays unexpanded text, an external one is not fetched."""
    big = "x" * 50_000
    page = (
        f'<!DOCTYPE html [<!ENTITY big "{big}"><!ENTITY secret SYSTEM "file:///etc/hostname">]>'
        "<html><body><article>"
        + "".join(f"<p>Paragraph {n} on the harbour talks, &big;&big; and &secret; in it.</p>" for n in range(20))
        + "</article></body></html>"
    ).encode()
    extracted = build_article(_new_item("https://news.example/a"), page, NOW)
    assert extracted.text_source == "page" and big not in extracted.text and len(extracted.text) < 5_000


def test_the_billion_laughs_feed_fails_fast_with_the_refusal(feed_site: FeedSite) -> None:
    started = time.monotonic()
    with Fetcher(_policy()) as fetcher:
        poll = poll_feed(fetcher, FeedConfig(url=feed_site.url(LAUGHS_FEED)), (None, None), 1_000_000)
    assert time.monotonic() - started < 1
    assert (poll.status, poll.error, poll.entries) == (200, REFUSED, ())


# --------------------------------------------------------------------------- #
# Row 13: caps on entries, titles and text, and what was cut is said
# --------------------------------------------------------------------------- #


def _rfc822(day: int) -> str:
    return (dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)).strftime("%a, %d %b %Y %H:%M:%S +0000")


def test_entries_beyond_the_cap_are_dropped_newest_kept_and_said() -> None:
    days = [(n * 7919) % 1_200 for n in range(1_200)]  # every day once, shuffled
    dated = _rss("".join(_item(n, date=_rfc822(day)) for n, day in enumerate(days)))
    parsed = parse_feed(dated.encode(), HEADERS, URL, FeedLimits(max_entries=100))
    newest = {n for n, day in enumerate(days) if day >= 1_100}
    assert [e.link for e in parsed.entries] == [f"https://news.example/story/{n}" for n in sorted(newest)]
    assert parsed.warning == "kept 100 of 1,200 entries, the newest"

    undated = _rss("".join(_item(n) for n in range(300)))
    first = parse_feed(undated.encode(), HEADERS, URL, FeedLimits(max_entries=100))
    assert [e.title for e in first.entries] == [f"Story {n}" for n in range(100)]
    assert first.warning == "kept 100 of 300 entries, the first in the document"


def test_a_50000_entry_feed_is_capped_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    # feedparser reads all 50,000 (~2 s on an idle core; the feed's byte cap bounds that), the
    # run carries 500 on: 500 pages fetched, 500 rows, at most 500 lines about them
    items = "".join(f"<item><guid>urn:item:{n}</guid></item>" for n in range(50_000))
    parsed = parse_feed(_rss(items).encode(), HEADERS, URL)
    assert len(parsed.entries) == MonitorSettings().max_entries_per_feed == 500
    assert parsed.warning == "kept 500 of 50,000 entries, the first in the document"
    assert [e.guid for e in parsed.entries[:2]] == ["urn:item:0", "urn:item:1"]
    assert capfd.readouterr() == ("", "")


def test_long_titles_are_cut_at_a_word_and_said() -> None:
    long = " ".join(["word"] * 2_000)
    parsed = parse_feed(_rss(_item(1, title=long) + _item(2), title=long).encode(), HEADERS, URL)
    first = parsed.entries[0].title
    assert len(first) <= 1_000 and first.endswith("word…") and len(parsed.title) <= 1_000
    assert parsed.entries[1].title == "Story 2"
    assert parsed.warning == "2 titles cut to 1,000 characters"


def test_control_characters_are_stripped_from_titles_and_summaries() -> None:
    # numeric references to C0 controls are not XML 1.0: expat refuses, feedparser's loose parser
    # reads them. feedparser reads C1 controls as cp1252 ("\x9b" is "›") but for the five that
    # cp1252 leaves undefined, such as \x9d and \x81: those come through.
    title = "Talks &#27;]0;owned&#7; resume \u009d31m today"
    summary = "&lt;p&gt;Ministers &#27;[2J met.&lt;/p&gt; Tab\tand\u0081C1"
    parsed = parse_feed(_rss(_item(1, title=title, description=summary), title=f"Wire{title}").encode(), HEADERS, URL)
    (entry,) = parsed.entries
    assert entry.title == "Talks ]0;owned resume 31m today"
    assert entry.summary == "Ministers [2J met. Tab andC1"
    assert parsed.title == "WireTalks ]0;owned resume 31m today"
    strict = parse_feed(_rss(_item(2, title="Plain \u009d31m \u0081title")).encode(), HEADERS, URL)
    assert strict.entries[0].title == "Plain 31m title"


def test_an_unrepresentable_date_leaves_only_that_entry_undated() -> None:
    items = _item(1, date="0001-01-01T00:00:00+01:00") + _item(2, date="Mon, 06 Jan 2025 08:00:00 +0000")
    parsed = parse_feed(_rss(items).encode(), HEADERS, URL)
    assert [(e.title, e.published) for e in parsed.entries] == [
        ("Story 1", None),
        ("Story 2", dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)),
    ]


def test_text_is_cut_at_a_paragraph_else_a_sentence_near_the_cap() -> None:
    paragraphs = "\n\n".join(f"Paragraph {n} says one thing. And then another." for n in range(100))
    cut, was_cut = cut_text(paragraphs, 1_000)
    assert was_cut and len(cut) <= 1_000 and cut.endswith("another.") and paragraphs.startswith(cut)
    assert len(cut) > 900 and not cut.endswith("\n")
    sentences = " ".join(f"Sentence {n} is here." for n in range(200))
    cut, was_cut = cut_text(sentences, 1_000)
    assert was_cut and 900 < len(cut) <= 1_000 and cut.endswith("here.")
    unbroken = "x" * 5_000
    assert cut_text(unbroken, 1_000) == ("x" * 1_000, True)
    assert cut_text("short.", 1_000) == ("short.", False)


def _new_item(link: str, summary: str = "The summary of the story.", *, full_text: bool = True) -> NewItem:
    feed = FeedConfig(url=URL, full_text=full_text)
    entry = FeedEntry(guid=f"g:{link}", link=link, title="A title", summary=summary, published=NOW)
    return NewItem(feed, entry, item_ref(entry))


def _page(paragraphs: int) -> bytes:
    body = "".join(
        f"<p>Paragraph {n} of the report describes the harbour talks at length. It goes on.</p>"
        for n in range(paragraphs)
    )
    return f"<html><head><title>Harbour talks</title></head><body><article>{body}</article></body></html>".encode()


def test_article_text_is_capped_and_the_cut_is_recorded() -> None:
    limits = FeedLimits(max_text_chars=2_000)
    article = build_article(_new_item("https://news.example/a"), _page(200), NOW, limits)
    assert article.text_source == "page (cut)" and 1_800 < len(article.text) <= 2_000
    assert article.text.endswith("It goes on.")
    whole = build_article(_new_item("https://news.example/a"), _page(5), NOW, limits)
    assert whole.text_source == "page"
    summary = " ".join(f"Sentence {n} of the summary." for n in range(500))
    from_summary = build_article(_new_item("https://news.example/b", summary), None, NOW, limits)
    assert from_summary.text_source == "summary (cut)" and len(from_summary.text) <= 2_000
    assert len(build_article(_new_item("https://news.example/b", summary), None, NOW).text) == len(summary)


def test_the_caps_are_monitor_settings() -> None:
    defaults = MonitorSettings()
    assert feed_limits(defaults) == FeedLimits()  # what poll_feed and collect_article use when not told
    assert (defaults.max_entries_per_feed, defaults.max_title_chars, defaults.max_text_chars) == (500, 1_000, 200_000)
    configured = MonitorSettings(max_entries_per_feed=50, max_title_chars=200, max_text_chars=10_000)
    assert feed_limits(configured) == FeedLimits(max_entries=50, max_title_chars=200, max_text_chars=10_000)
    for field in ("max_entries_per_feed", "max_title_chars", "max_text_chars"):
        with pytest.raises(ValidationError, match=field):
            MonitorSettings.model_validate({field: 0})


# --------------------------------------------------------------------------- #
# Row 1: any exception stays with its feed, entry or page
# --------------------------------------------------------------------------- #


def test_any_exception_in_parsing_becomes_that_feeds_error(
    feed_site: FeedSite, caplog: pytest.LogCaptureFixture
) -> None:
    def overflowing(body: bytes, headers: dict[str, str], url: str, limits: FeedLimits) -> ParsedFeed:
        raise RecursionError("maximum recursion depth exceeded")

    caplog.set_level(logging.DEBUG, logger="newswatch.polling")
    with Fetcher(_policy()) as fetcher:
        feed = FeedConfig(url=feed_site.url(FIXTURE_FEED))
        poll = poll_feed(fetcher, feed, (None, None), 1_000_000, parse=overflowing)
        assert (poll.status, poll.error) == (200, "RecursionError: maximum recursion depth exceeded")
        assert "Traceback" in caplog.text and feed.url in caplog.text
        assert poll_feed(fetcher, feed, (None, None), 1_000_000).error is None  # the fetcher is still good


def test_an_unexpected_failure_shows_no_credentials(feed_site: FeedSite, caplog: pytest.LogCaptureFixture) -> None:
    def naming(body: bytes, headers: dict[str, str], url: str, limits: FeedLimits) -> ParsedFeed:
        raise ValueError(f"cannot read {url}")

    caplog.set_level(logging.DEBUG, logger="newswatch.polling")
    real = feed_site.url(FIXTURE_FEED).replace("http://", "http://reader:s3cret@")
    feed = FeedConfig(url=feed_site.url(FIXTURE_FEED)).model_copy(update={"url": real})  # as the flow polls it
    with Fetcher(_policy()) as fetcher:
        poll = poll_feed(fetcher, feed, (None, None), 1_000_000, parse=naming)
    assert poll.error is not None and poll.error.startswith("ValueError: cannot read http://reader:***@")
    assert "Traceback" in caplog.text and "s3cret" not in caplog.text and "s3cret" not in poll.error


@pytest.mark.parametrize("url", ["http://[::1/feed.xml", "http://\u2100.example/feed.xml"])
def test_a_feed_url_that_urllib_cannot_split_fails_alone(url: str) -> None:
    with Fetcher(_policy()) as fetcher:
        poll = poll_feed(fetcher, FeedConfig(url=url), (None, None), 1_000_000)
    assert poll.status is None and poll.error and poll.entries == ()


def test_entry_links_that_cannot_be_canonicalised_are_kept_as_written() -> None:
    links = ["http://[::1/x", "http://\u2100.example/x", "not a url", "https://news.example/a?utm_source=rss"]
    entries = tuple(
        FeedEntry(guid=f"g{n}", link=link, title="t", summary="s", published=None) for n, link in enumerate(links)
    )
    items = select_new_items([FeedPoll(FEED, 200, entries)], known=set())
    assert [item.ref for item in items] == [*links[:3], "https://news.example/a"]
    groups = group_by_host(items, lambda item: item.entry.link, 3)
    assert sorted(item.ref for group in groups for item in group) == sorted(item.ref for item in items)


def test_a_page_link_that_cannot_be_fetched_falls_back_to_the_summary(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="newswatch.polling")
    with Fetcher(_policy()) as fetcher:
        article, reason = collect_article(fetcher, _new_item("http://[::1/story"))
    assert article.text == "The summary of the story." and article.text_source == "summary"
    assert reason  # the fetcher's refusal, or the ValueError that urllib raised


def test_a_page_whose_extraction_raises_falls_back_to_the_summary(
    feed_site: FeedSite, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(html: bytes, url: str, with_metadata: bool = True, title: str = "") -> ExtractedPage | None:
        raise ValueError("lxml: Document is empty")

    paragraphs = [f"Paragraph {n} of the report describes the harbour talks at length. It goes on." for n in range(6)]
    url = feed_site.add_article("harbour-talks", "Harbour talks", dt.date(2025, 9, 9), paragraphs)
    caplog.set_level(logging.DEBUG, logger="newswatch.polling")
    with Fetcher(_policy()) as fetcher:
        item = _new_item(url)
        article, reason = collect_article(fetcher, item, extract=failing)
        assert article.text == "The summary of the story." and article.text_source == "summary"
        assert reason == "article extraction failed: ValueError: lxml: Document is empty"
        assert "Traceback" in caplog.text
        fetched, reason = collect_article(fetcher, item)
    assert fetched.text_source == "page" and reason is None


# --- OPML and feed discovery: a subscription list or a site's page is as hostile as a feed ----------

LAUGHS_OPML = (
    '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {n} "{f"&{p};" * 10}">' for p, n in zip("abcdefgh", "bcdefghi", strict=True))
    + ']><opml version="2.0"><head><title>&i;</title></head><body>'
    '<outline text="&i;" xmlUrl="https://laughs.example/feed"/></body></opml>'
).encode()


def test_an_opml_file_declaring_entities_is_read_without_expanding_them() -> None:
    from newswatch.opml import read_opml

    started = time.perf_counter()
    (feed,) = read_opml(LAUGHS_OPML, "laughs.opml").feeds
    assert time.perf_counter() - started < 1
    assert feed.url == "https://laughs.example/feed" and len(feed.title) < 10  # 10**9 "a"s not expanded


def test_an_oversized_opml_file_is_refused_before_parsing() -> None:
    from newswatch.opml import MAX_OPML_BYTES, OpmlError, read_opml

    with pytest.raises(OpmlError, match=r"^huge.opml: larger than 5,000,000 bytes"):
        read_opml(b"<opml>" + b" " * MAX_OPML_BYTES + b"</opml>", "huge.opml")


def test_opml_titles_lose_control_characters_and_urls_must_be_http() -> None:
    from newswatch.opml import read_opml

    listed = read_opml(
        b'<opml version="2.0"><body><outline text="A\x1b]0;pwned\x07 feed" xmlUrl="https://a.example/rss"/>'
        b'<outline text="local" xmlUrl="file:///etc/passwd"/><outline text="js" xmlUrl="javascript:alert(1)"/>'
        b"</body></opml>",
        "x.opml",
    )
    assert [(f.url, f.title) for f in listed.feeds] == [("https://a.example/rss", "A]0;pwned feed")]
    assert listed.unusable == ("file:///etc/passwd", "javascript:alert(1)")


@pytest.mark.parametrize(
    "page",
    [b"", b"\x00\xff" * 1000, b"<html>" + b"<div>" * 100_000, b'<link rel="alternate" type="application/rss+xml">'],
    ids=["empty", "binary", "deep", "no-href"],
)
def test_discovery_on_a_hostile_page_finds_nothing_and_never_raises(page: bytes) -> None:
    from newswatch.feed_discovery import discover_feeds

    started = time.perf_counter()
    assert discover_feeds(page, "https://site.example/") == []
    assert time.perf_counter() - started < 2


def test_discovery_keeps_http_links_resolved_and_caps_them() -> None:
    from newswatch.feed_discovery import MAX_DISCOVERED, discover_feeds

    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="/feed{n}.xml">' for n in range(20))
    page = f'<html><head>{links}<link rel="alternate" type="application/atom+xml" href="javascript:x"></head></html>'
    found = discover_feeds(page.encode(), "https://site.example/news/")
    assert found == [f"https://site.example/feed{n}.xml" for n in range(MAX_DISCOVERED)]
