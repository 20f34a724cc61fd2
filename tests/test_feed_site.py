"""The local news site of feed_site.py, checked with the libraries newswatch uses on it.

Bytes are fetched with httpx from the real server and handed to feedparser and trafilatura, as
newswatch does; several tests pin library behaviour that newswatch has to cope with (noted inline).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import re
import threading
import time
import urllib.robotparser
import xml.etree.ElementTree as ET
import xml.sax
from collections.abc import Iterator
from html import unescape

import feedparser
import httpx
import pytest
import trafilatura
from trafilatura.settings import Document

from tests.feed_site import (
    BOILERPLATE_MARKERS,
    CONSENT_PAGE,
    DEAD_LINK_FEED,
    DEAD_LINK_PAGE,
    DEFAULT_FEED_TITLES,
    EMPTY_FEED,
    EMPTY_PAGE,
    ERROR_FEED,
    FEED_KINDS,
    FIXTURE_FEED,
    FIXTURE_SLUGS,
    GZIP_FEED,
    LAUGHS_FEED,
    LOOP_A,
    LOOP_B,
    MALFORMED_FEED,
    MOVED_FEED,
    NOT_FOUND_FEED,
    OVERSIZED_DECLARED_FEED,
    OVERSIZED_FEED,
    ROBOTS_TXT,
    SLOW_FEED,
    STYLES,
    WRONG_TYPE_FEED,
    FeedSite,
)

PARAGRAPHS = [
    "Senior defence officials met in Honolulu on Tuesday for the first maritime consultative talks in "
    "nearly two years, according to statements released by both delegations after the meeting.",
    "The delegations discussed unsafe encounters between ships and aircraft in international waters and "
    "agreed to keep the military hotline open, the statements said.",
    "Analysts said the resumption signalled a cautious thaw, although neither side announced a date for a "
    "further round of talks.",
    "The talks were led on one side by a deputy assistant secretary and on the other by a rear admiral "
    "from the naval staff.",
    "A joint working group will meet before the end of the year to review incident reporting procedures, "
    "officials added.",
]

CAFE_TITLE = "Café talks in Zürich end without agreement"
QUOTES_TITLE = "Minister calls talks “constructive” – and ‘frank’"
PLAIN_TITLE = "Maritime safety talks resume after two-year pause"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def parse(response: httpx.Response) -> feedparser.FeedParserDict:
    """Parse fetched bytes as newswatch does: the body as a stream, the response's headers beside it."""
    return feedparser.parse(io.BytesIO(response.content), response_headers=dict(response.headers))


def publish_three(site: FeedSite) -> dict[str, str]:
    """Three articles, oldest first; returns slug -> page URL."""
    return {
        "cafe": site.add_article("cafe", CAFE_TITLE, dt.date(2025, 3, 4), PARAGRAPHS, "Anna Keller"),
        "quotes": site.add_article("quotes", QUOTES_TITLE, dt.date(2025, 3, 5), PARAGRAPHS, "Tom Reyes"),
        "plain": site.add_article("plain", PLAIN_TITLE, dt.date(2025, 3, 6), PARAGRAPHS, style="regional"),
    }


# --------------------------------------------------------------------------- #
# Feeds
# --------------------------------------------------------------------------- #

EXPECTED = {
    "rss2": ("rss20", "utf-8"),
    "rss1": ("rss10", "utf-8"),
    "atom": ("atom10", "utf-8"),
    "rss2-latin1": ("rss20", "iso-8859-1"),
    "rss2-cp1252": ("rss20", "windows-1252"),
}


@pytest.mark.parametrize("kind", FEED_KINDS)
def test_each_feed_kind_parses_with_titles_links_ids_and_dates(
    feed_site: FeedSite, client: httpx.Client, kind: str
) -> None:
    pages = publish_three(feed_site)
    url = feed_site.add_feed("world", kind, ["cafe", "quotes", "plain"])
    assert url == feed_site.url("/feeds/world.xml")

    response = client.get(url)
    parsed = parse(response)

    assert response.status_code == 200
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert (parsed.version, parsed.encoding) == EXPECTED[kind]
    assert parsed.feed.title == DEFAULT_FEED_TITLES[kind]
    # newest added first
    assert [e.title for e in parsed.entries] == [PLAIN_TITLE, QUOTES_TITLE, CAFE_TITLE]
    assert [e.link for e in parsed.entries] == [pages["plain"], pages["quotes"], pages["cafe"]]
    assert parsed.entries[2].author == "Anna Keller"
    assert parsed.entries[0].summary == PARAGRAPHS[0]
    if kind == "rss1":
        # RSS 1.0: the id is the item's rdf:about, and dc:date lands in *updated*, not *published*
        assert [e.id for e in parsed.entries] == [pages["plain"], pages["quotes"], pages["cafe"]]
        assert "published_parsed" not in parsed.entries[0]
        dates = [e.updated_parsed for e in parsed.entries]
    else:
        assert [e.id for e in parsed.entries] == [FeedSite.guid(s) for s in ("plain", "quotes", "cafe")]
        dates = [e.published_parsed for e in parsed.entries]
    assert [tuple(d[:5]) for d in dates] == [(2025, 3, day, 9, 30) for day in (6, 5, 4)]


def test_latin1_and_cp1252_feeds_are_really_encoded_so(feed_site: FeedSite, client: httpx.Client) -> None:
    publish_three(feed_site)
    latin1 = client.get(feed_site.add_feed("latin", "rss2-latin1", ["cafe", "quotes"]))
    cp1252 = client.get(feed_site.add_feed("ansi", "rss2-cp1252", ["cafe", "quotes"]))

    assert latin1.content.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert "Café talks in Zürich".encode("latin-1") in latin1.content
    assert b"D\xe9p\xeaches du Caf\xe9 de Z\xfcrich" in latin1.content
    # what Latin-1 cannot hold becomes a character reference
    assert b"&#8220;constructive&#8221;" in latin1.content

    assert cp1252.content.startswith(b'<?xml version="1.0" encoding="windows-1252"?>')
    assert b"\x93constructive\x94 \x96 and \x91frank\x92" in cp1252.content
    assert b"Caf\xe9" in cp1252.content
    assert parse(cp1252).entries[0].title == QUOTES_TITLE
    # no charset in Content-Type: only the XML declaration tells the encoding
    assert latin1.headers["content-type"] == "application/rss+xml"


def test_latin1_feed_served_as_text_xml_is_bozo_but_still_decoded(feed_site: FeedSite, client: httpx.Client) -> None:
    """RFC 3023: text/xml without charset means us-ascii; feedparser flags it yet decodes the declaration."""
    publish_three(feed_site)
    response = client.get(feed_site.add_feed("latin", "rss2-latin1", ["cafe"], content_type="text/xml"))
    parsed = parse(response)

    assert parsed.bozo
    assert isinstance(parsed.bozo_exception, feedparser.CharacterEncodingOverride)
    assert parsed.encoding == "iso-8859-1"
    assert parsed.entries[0].title == CAFE_TITLE


def test_rss2_guid_is_not_a_permalink(feed_site: FeedSite, client: httpx.Client) -> None:
    pages = publish_three(feed_site)
    response = client.get(feed_site.add_feed("world", "rss2", ["cafe"]))
    entry = parse(response).entries[0]

    assert f'<guid isPermaLink="false">{FeedSite.guid("cafe")}</guid>'.encode() in response.content
    assert entry.id == FeedSite.guid("cafe") == entry.guid
    assert entry.guidislink is False
    assert entry.link == pages["cafe"]
    # the same guid on any port: ids survive a restart of the site
    assert FeedSite.guid("cafe").startswith("urn:uuid:")


def test_add_entry_changes_body_etag_and_last_modified(feed_site: FeedSite, client: httpx.Client) -> None:
    publish_three(feed_site)
    url = feed_site.add_feed("world", "atom", ["cafe"])
    path = "/feeds/world.xml"

    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")

    by_etag = client.get(url, headers={"If-None-Match": etag})
    by_date = client.get(url, headers={"If-Modified-Since": modified})
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert (by_date.status_code, by_date.content) == (304, b"")
    assert by_etag.headers["etag"] == etag

    feed_site.add_entry("world", "quotes")  # between two polling cycles

    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert [e.title for e in parse(changed).entries] == [QUOTES_TITLE, CAFE_TITLE]
    since = client.get(url, headers={"If-Modified-Since": modified})
    assert since.status_code == 200
    assert email.utils.parsedate_to_datetime(since.headers["last-modified"]) > email.utils.parsedate_to_datetime(
        modified
    )

    assert feed_site.count(path) == 5
    seen = [r for r in feed_site.requests if r.path == path]
    assert [r.status for r in seen] == [200, 304, 304, 200, 200]
    assert seen[1].headers["if-none-match"] == etag
    assert seen[2].headers["if-modified-since"] == modified


def test_conditional_get_on_pages(feed_site: FeedSite, client: httpx.Client) -> None:
    url = feed_site.add_article("talks", PLAIN_TITLE, dt.date(2025, 3, 4), PARAGRAPHS)
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    an_hour_before = email.utils.format_datetime(
        email.utils.parsedate_to_datetime(modified) - dt.timedelta(hours=1), usegmt=True
    )

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f'"stale", W/{etag}'}).status_code == 304  # weak comparison
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": an_hour_before}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    assert client.get(url, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified}).status_code == 200

    feed_site.add_article("talks", PLAIN_TITLE + " (corrected)", dt.date(2025, 3, 4), PARAGRAPHS)
    corrected = client.get(url, headers={"If-None-Match": etag})
    assert corrected.status_code == 200
    assert "(corrected)" in corrected.text


# --------------------------------------------------------------------------- #
# Pages and extraction
# --------------------------------------------------------------------------- #


def all_markers(style: str) -> list[str]:
    return [m for markers in BOILERPLATE_MARKERS[style].values() for m in markers]


@pytest.mark.parametrize("style", STYLES)
def test_page_looks_like_a_news_page(feed_site: FeedSite, client: httpx.Client, style: str) -> None:
    url = feed_site.add_article("talks", PLAIN_TITLE, dt.date(2025, 3, 4), PARAGRAPHS, "Jane Doe", style=style)
    html = client.get(url).text

    assert 30_000 <= len(html.encode()) <= 80_000, len(html.encode())
    assert html.startswith('<!DOCTYPE html>\n<html lang="en"')
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="article:published_time" content="2025-03-04T09:30:00+00:00">' in html
    assert re.search(r'<time [^>]*datetime="2025-03-04T09:30:00\+00:00"', html)
    assert html.count("<article") == 1 and html.count("<h1") == 1
    for marker in all_markers(style):
        assert marker in unescape(html), marker


@pytest.mark.parametrize("style", STYLES)
def test_trafilatura_extracts_the_article_and_no_chrome(feed_site: FeedSite, client: httpx.Client, style: str) -> None:
    url = feed_site.add_article("talks", PLAIN_TITLE, dt.date(2025, 3, 4), PARAGRAPHS, style=style)
    text = trafilatura.extract(client.get(url).text, url=url, include_comments=False)

    assert text is not None
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    leaked = [m for m in all_markers(style) if m in text]
    assert leaked == []


@pytest.mark.parametrize("style", STYLES)
def test_trafilatura_default_appends_reader_comments(feed_site: FeedSite, client: httpx.Client, style: str) -> None:
    """include_comments defaults to True: newswatch must pass include_comments=False."""
    url = feed_site.add_article("talks", PLAIN_TITLE, dt.date(2025, 3, 4), PARAGRAPHS, style=style)
    text = trafilatura.extract(client.get(url).text, url=url)

    assert text is not None
    assert all(m in text for m in BOILERPLATE_MARKERS[style]["comments"])
    others = [m for kind, ms in BOILERPLATE_MARKERS[style].items() if kind != "comments" for m in ms]
    assert not [m for m in others if m in text]


@pytest.mark.parametrize("style", STYLES)
def test_bare_extraction_metadata(feed_site: FeedSite, client: httpx.Client, style: str) -> None:
    url = feed_site.add_article("talks", PLAIN_TITLE, dt.date(2025, 3, 4), PARAGRAPHS, "Jane Doe", style=style)
    document = trafilatura.bare_extraction(client.get(url).text, url=url, with_metadata=True, include_comments=False)
    assert isinstance(document, Document)
    meta = document.as_dict()

    site_names = {
        "wire": "Meridian Wire",
        "ministry": "Ministry of Defence Press Office",
        "regional": "Harbour City Gazette",
    }
    assert meta["title"] == PLAIN_TITLE
    assert meta["author"] == "Jane Doe"
    assert meta["date"] == "2025-03-04"
    assert meta["sitename"] == site_names[style]
    assert meta["url"] == url
    assert meta["description"] == PARAGRAPHS[0]
    assert meta["pagetype"] == "article"
    assert meta["hostname"] is None  # courlan gives no hostname for an IP address


def test_pages_without_article_text(feed_site: FeedSite, client: httpx.Client) -> None:
    """trafilatura does not return None for a page without article: it returns the menu (or the banner)."""
    empty = client.get(feed_site.url(EMPTY_PAGE)).text
    consent = client.get(feed_site.url(CONSENT_PAGE)).text

    text = trafilatura.extract(empty, include_comments=False)
    assert text is not None
    lines = text.splitlines()
    assert "Breakingviews" in lines and max(len(line.split()) for line in lines) <= 3  # labels, no sentence
    assert trafilatura.extract(empty, include_comments=False, favor_precision=True) is None

    cookie = BOILERPLATE_MARKERS["wire"]["cookie banner"][0]
    banner = trafilatura.extract(consent, include_comments=False)
    assert banner is not None and cookie in banner
    precise = trafilatura.extract(consent, include_comments=False, favor_precision=True)
    assert precise == "Skip to main content"  # not None: the skip link survives


def test_short_article_pulls_in_chrome(feed_site: FeedSite, client: httpx.Client) -> None:
    """Under 250 characters (MIN_EXTRACTED_SIZE) trafilatura's baseline rescue takes page chrome along."""
    url = feed_site.add_article("brief", "Talks held", dt.date(2025, 3, 4), ["Officials met on Tuesday."])
    text = trafilatura.extract(client.get(url).text, url=url, include_comments=False)

    assert text is not None and "Officials met on Tuesday." in text
    assert BOILERPLATE_MARKERS["wire"]["newsletter"][0] in text


def test_private_pages_and_robots_txt(feed_site: FeedSite, client: httpx.Client) -> None:
    url = feed_site.add_article("leak", PLAIN_TITLE, dt.date(2025, 3, 4), PARAGRAPHS, private=True)
    public = feed_site.add_article("open", PLAIN_TITLE, dt.date(2025, 3, 4), PARAGRAPHS)
    assert url == feed_site.url("/private/news/leak.html")

    robots = client.get(feed_site.url(ROBOTS_TXT))
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots.text.splitlines())

    assert robots.headers["content-type"].startswith("text/plain")
    assert not parser.can_fetch("newswatch/0.1", url)
    assert parser.can_fetch("newswatch/0.1", public)
    page = client.get(url)
    assert page.status_code == 200 and '<meta name="robots" content="noindex, nofollow">' in page.text
    assert client.get(feed_site.url("/news/leak.html")).status_code == 404


# --------------------------------------------------------------------------- #
# Misbehaving endpoints
# --------------------------------------------------------------------------- #


def test_slow_feed_does_not_block_other_requests(feed_site: FeedSite) -> None:
    assert feed_site.slow_seconds == 5
    feed_site.slow_seconds = 1
    result: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        with httpx.Client(timeout=5) as c:
            result["response"] = c.get(feed_site.url(SLOW_FEED))
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    deadline = time.monotonic() + 2
    while feed_site.count(SLOW_FEED) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

    started = time.monotonic()
    fast = httpx.get(feed_site.url(FIXTURE_FEED), timeout=5)
    fast_elapsed = time.monotonic() - started
    assert fast.status_code == 200 and fast_elapsed < 0.5
    assert thread.is_alive()  # the slow one is still waiting

    thread.join(timeout=5)
    assert result["elapsed"] >= 1.0  # type: ignore[operator]
    response = result["response"]
    assert isinstance(response, httpx.Response)
    assert [e.title for e in parse(response).entries] == [e.title for e in parse(fast).entries]


def test_slow_feed_trips_a_read_timeout(feed_site: FeedSite) -> None:
    feed_site.slow_seconds = 1
    with httpx.Client(timeout=httpx.Timeout(5, read=0.3)) as c, pytest.raises(httpx.ReadTimeout):
        c.get(feed_site.url(SLOW_FEED))
    # the status line and headers were sent at once: only the body is late
    assert feed_site.requests[-1].status == 200


def test_redirect_loop_loops(feed_site: FeedSite, client: httpx.Client) -> None:
    first = client.get(feed_site.url(LOOP_A))
    assert first.status_code == 302
    assert first.headers["location"] == feed_site.url(LOOP_B)

    with httpx.Client(follow_redirects=True, max_redirects=6, timeout=5) as c, pytest.raises(httpx.TooManyRedirects):
        c.get(feed_site.url(LOOP_A))
    assert feed_site.count(LOOP_A) == 1 + 4 and feed_site.count(LOOP_B) == 3


def test_moved_feed_redirects_permanently(feed_site: FeedSite) -> None:
    with httpx.Client(follow_redirects=True, timeout=5) as c:
        response = c.get(feed_site.url(MOVED_FEED))

    assert [r.status_code for r in response.history] == [301]
    assert response.url == feed_site.url(FIXTURE_FEED)
    assert len(parse(response).entries) == len(FIXTURE_SLUGS)


def test_gzip_feed(feed_site: FeedSite, client: httpx.Client) -> None:
    url = feed_site.url(GZIP_FEED)
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
        decoded = response.headers  # keep for the checks below
    assert decoded["content-encoding"] == "gzip" and decoded["vary"] == "Accept-Encoding"
    assert raw[:2] == b"\x1f\x8b" and int(decoded["content-length"]) == len(raw)

    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content  # httpx decoded it
    assert len(parse(zipped).entries) == len(FIXTURE_SLUGS)
    assert zipped.headers["etag"] != plain.headers["etag"]  # one strong ETag per representation
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]})
    assert again.status_code == 304


def test_malformed_feed_is_bozo_with_one_complete_entry(feed_site: FeedSite, client: httpx.Client) -> None:
    response = client.get(feed_site.url(MALFORMED_FEED))
    parsed = parse(response)

    assert parsed.bozo
    assert isinstance(parsed.bozo_exception, xml.sax.SAXParseException)
    assert "no element found" in str(parsed.bozo_exception)
    complete = parsed.entries[0]
    assert complete.title == feed_site.article(FIXTURE_SLUGS[0]).title
    assert complete.link == feed_site.url(f"/news/{FIXTURE_SLUGS[0]}.html")
    assert complete.id == FeedSite.guid(FIXTURE_SLUGS[0])
    assert complete.published_parsed[:3] == (2025, 1, 3)
    # feedparser's loose parser still returns the cut item: a title, but no link and no id
    assert len(parsed.entries) == 2
    partial = parsed.entries[1]
    assert partial.title == feed_site.article(FIXTURE_SLUGS[1]).title
    assert "link" not in partial and "id" not in partial
    assert [e for e in parsed.entries if "link" in e] == [complete]


def test_billion_laughs_feed_is_defused(feed_site: FeedSite, client: httpx.Client) -> None:
    body = client.get(feed_site.url(LAUGHS_FEED)).content
    assert b'<!ENTITY lol9 "&lol8;&lol8;' in body

    with pytest.raises(ET.ParseError, match="amplification"):  # expat's own protection
        ET.fromstring(body)

    started = time.monotonic()
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-type": "application/rss+xml"})
    assert time.monotonic() - started < 0.5
    # feedparser drops the entity declarations with '&' in their values before parsing
    assert parsed.bozo
    assert isinstance(parsed.bozo_exception, xml.sax.SAXParseException)
    assert "undefined entity" in str(parsed.bozo_exception)
    assert [e.title for e in parsed.entries] == ["&lol9;"]


def test_empty_feed_is_not_bozo(feed_site: FeedSite, client: httpx.Client) -> None:
    response = client.get(feed_site.url(EMPTY_FEED))
    parsed = parse(response)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml"
    assert response.content == b"" and response.headers["content-length"] == "0"
    # feedparser returns early on no data: no bozo, no version, no entries
    assert not parsed.bozo and parsed.entries == [] and "version" not in parsed


def test_oversized_feed_is_streamed_without_length(feed_site: FeedSite, client: httpx.Client) -> None:
    with client.stream("GET", feed_site.url(OVERSIZED_FEED)) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        body = b"".join(response.iter_bytes())
    assert len(body) > 12 * 1024 * 1024
    assert body.endswith(b"</description>\n</item>\n</channel>\n</rss>\n")

    with client.stream("GET", feed_site.url(OVERSIZED_DECLARED_FEED)) as declared:
        assert int(declared.headers["content-length"]) == len(body)  # refused here, body never read

    parsed = feedparser.parse(io.BytesIO(body))
    assert not parsed.bozo and len(parsed.entries[0].summary) == 12 * 1024 * 1024


def test_error_missing_and_dead_links(feed_site: FeedSite, client: httpx.Client) -> None:
    assert client.get(feed_site.url(ERROR_FEED)).status_code == 500
    assert client.get(feed_site.url(NOT_FOUND_FEED)).status_code == 404

    entries = parse(client.get(feed_site.url(DEAD_LINK_FEED))).entries
    assert [e.link for e in entries] == [feed_site.url(DEAD_LINK_PAGE), feed_site.url(f"/news/{FIXTURE_SLUGS[0]}.html")]
    assert [client.get(e.link).status_code for e in entries] == [404, 200]

    # the same on a feed of one's own
    publish_three(feed_site)
    feed_site.add_feed("world", "rss2", ["cafe"])
    feed_site.add_entry("world", "retracted", title="Retracted story", published=dt.date(2025, 3, 7))
    newest = parse(client.get(feed_site.url("/feeds/world.xml"))).entries[0]
    assert newest.title == "Retracted story"
    assert client.get(newest.link).status_code == 404


def test_wrong_content_type(feed_site: FeedSite, client: httpx.Client) -> None:
    response = client.get(feed_site.url(WRONG_TYPE_FEED))
    parsed = parse(response)

    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text.startswith("<!DOCTYPE html>")
    assert parsed.bozo and parsed.entries == []
    assert isinstance(parsed.bozo_exception, xml.sax.SAXParseException)  # not NonXMLContentType


# --------------------------------------------------------------------------- #
# The helper itself
# --------------------------------------------------------------------------- #


def test_requests_are_recorded(feed_site: FeedSite, client: httpx.Client) -> None:
    feed_site.clear_requests()
    client.head(feed_site.url(FIXTURE_FEED), headers={"User-Agent": "newswatch-test/1.0"})
    client.get(feed_site.url(FIXTURE_FEED + "?utm_source=test"))
    client.get(feed_site.url("/nowhere"))

    method, path, headers, status = feed_site.requests[0]
    assert (method, path, status) == ("HEAD", FIXTURE_FEED, 200)
    assert headers["user-agent"] == "newswatch-test/1.0"
    assert feed_site.count(FIXTURE_FEED) == 2
    assert feed_site.count(feed_site.url(FIXTURE_FEED)) == 2
    assert feed_site.requests[-1].status == 404


def test_options_and_validation(feed_site: FeedSite, client: httpx.Client) -> None:
    publish_three(feed_site)
    url = feed_site.add_feed("top", "rss2", ["cafe", "quotes", "plain"], title="Top stories", max_items=2)
    parsed = parse(client.get(url))
    assert parsed.feed.title == "Top stories"
    assert [e.title for e in parsed.entries] == [PLAIN_TITLE, QUOTES_TITLE]

    with pytest.raises(ValueError, match="kind"):
        feed_site.add_feed("x", "rss3")
    with pytest.raises(ValueError, match="reserved"):
        feed_site.add_feed("malformed", "rss2")
    with pytest.raises(TypeError, match="colour"):
        feed_site.add_feed("x", "rss2", colour="red")
    with pytest.raises(KeyError):
        feed_site.add_feed("x", "rss2", ["no-such-article"])
    with pytest.raises(KeyError):
        feed_site.add_entry("top", "no-such-article")
    with pytest.raises(ValueError, match="style"):
        feed_site.add_article("x", "X", dt.date(2025, 1, 1), ["x"], style="tabloid")


def test_stop_closes_the_port_and_kept_alive_connections() -> None:
    site = FeedSite().start()
    with httpx.Client(timeout=2) as c:
        url = site.url(FIXTURE_FEED)
        assert c.get(url).status_code == 200  # leaves a pooled keep-alive connection
        site.stop()
        with pytest.raises(httpx.TransportError):
            c.get(url)
