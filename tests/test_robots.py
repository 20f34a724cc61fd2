"""robots.txt as RFC 9309 reads it (issue 18, item 7): wildcards, ``$``, the longest match, Allow
against Disallow, user-agent groups; and newswatch's policy around it (one fetch per host and run,
4xx but 429 allows all, 5xx, 429 and worse disallow for the run; of a large one, the first 500 KiB are
read). Through the Fetcher and the local site."""

from __future__ import annotations

import pytest

from newswatch.fetch import USER_AGENT, Fetcher, FetchError, FetchPolicy
from newswatch.robots import ROBOTS_MAX_BYTES, ROBOTS_PARSE_BYTES, parse_robots, product_token, robots_allow
from tests.feed_site import FeedSite

ROBOTS = """\
# the rules of issue 18 in our group (named in another case, shared with another bot)
User-agent: *
Disallow: /not-for-anyone/

User-agent: otherbot
Disallow: /

User-agent: NewsWatch
User-agent: anotherbot
Disallow: /*.pdf$
Disallow: /news/
Allow: /news/article
Disallow: /page
Allow: /page
Disallow: /新闻/
""".encode()

CASES = [
    ("/a/b.pdf", False),  # `*` and `$`: the stdlib parser allowed it
    ("/a/b.pdf?x=1", True),  # `$` ends the pattern: a query after it is another URL
    ("/a/b.pdfx", True),
    ("/news/", False),
    ("/news/world", False),
    ("/news/article", True),  # the longer Allow wins over `Disallow: /news/`: the stdlib blocked it
    ("/news/article/2025/talks", True),
    ("/page", True),  # an Allow as long as the Disallow wins the tie
    ("/%E6%96%B0%E9%97%BB/1", False),  # a UTF-8 path rule matches its percent-encoded form
    ("/not-for-anyone/x", True),  # our group replaces the `*` group
    ("/index.html", True),  # not `otherbot`'s `Disallow: /`
]


def _policy() -> FetchPolicy:
    return FetchPolicy(allow_private_networks=True, retries=0, backoff_seconds=0.01)


@pytest.mark.parametrize(("path", "allowed"), CASES)
def test_robots_rules_as_rfc_9309_reads_them(feed_site: FeedSite, path: str, allowed: bool) -> None:
    feed_site.add_raw("/robots.txt", ROBOTS, content_type="text/plain")
    url = feed_site.add_raw(path.partition("?")[0], b"<html>page</html>", content_type="text/html")
    url += path.partition("?")[1] + path.partition("?")[2]
    with Fetcher(_policy()) as fetcher:
        if allowed:
            assert fetcher.fetch(url, check_robots=True).body == b"<html>page</html>"
        else:
            with pytest.raises(FetchError) as info:
                fetcher.fetch(url, check_robots=True)
            assert info.value.reason == "disallowed by the site's robots.txt"
            assert not info.value.retryable
    assert feed_site.count(path) == (1 if allowed else 0)


def test_the_star_group_applies_when_ours_is_absent() -> None:
    rules = parse_robots(b"User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\n")
    assert robots_allow(rules, "https://example.com/news/1", USER_AGENT)
    assert not robots_allow(rules, "https://example.com/private/1", USER_AGENT)


def test_our_group_replaces_the_star_group() -> None:
    rules = parse_robots(b"User-agent: *\nDisallow: /\n\nUser-agent: newswatch\nDisallow: /drafts/\n")
    assert robots_allow(rules, "https://example.com/news/1", USER_AGENT)
    assert not robots_allow(rules, "https://example.com/drafts/1", USER_AGENT)


def test_percent_encoded_and_raw_paths_match_alike() -> None:
    rules = parse_robots(ROBOTS)
    assert not robots_allow(rules, "https://example.com/新闻/1", USER_AGENT)
    assert not robots_allow(rules, "https://example.com/%e6%96%b0%e9%97%bb/1", USER_AGENT)


def test_the_product_token_is_the_name_before_the_version() -> None:
    assert product_token(USER_AGENT) == "newswatch"
    assert product_token("Foo Bar") == "Foo"


def test_robots_txt_is_fetched_once_per_host_and_run(feed_site: FeedSite) -> None:
    feed_site.add_raw("/robots.txt", ROBOTS, content_type="text/plain")
    pages = [feed_site.add_raw(f"/story-{n}.html", b"<html></html>", content_type="text/html") for n in range(3)]
    with Fetcher(_policy()) as fetcher:
        for page in pages:
            fetcher.fetch(page, check_robots=True)
    assert feed_site.count("/robots.txt") == 1
    with Fetcher(_policy()) as fetcher:  # the next run asks again
        fetcher.fetch(pages[0], check_robots=True)
    assert feed_site.count("/robots.txt") == 2


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_a_robots_txt_answered_with_4xx_allows_everything(feed_site: FeedSite, status: int) -> None:
    feed_site.add_raw("/robots.txt", b"User-agent: *\nDisallow: /\n", status=status, content_type="text/plain")
    page = feed_site.add_raw("/story.html", b"<html></html>", content_type="text/html")
    with Fetcher(_policy()) as fetcher:
        assert fetcher.fetch(page, check_robots=True).status == 200


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, b"User-agent: *\nAllow: /\n", "HTTP 500"),
        (429, b"User-agent: *\nAllow: /\n", "HTTP 429"),  # "slow down" is no leave to go ahead
        (200, b"#" * (ROBOTS_MAX_BYTES + 1), "over the 4,194,304-byte limit"),
    ],
)
def test_a_robots_txt_that_cannot_be_had_disallows_the_site_for_the_run(
    feed_site: FeedSite, status: int, body: bytes, reason: str
) -> None:
    feed_site.add_raw("/robots.txt", body, status=status, content_type="text/plain")
    page = feed_site.add_raw("/story.html", b"<html></html>", content_type="text/html")
    with Fetcher(_policy()) as fetcher:
        for _ in range(2):
            with pytest.raises(FetchError) as info:
                fetcher.fetch(page, check_robots=True)
            assert info.value.reason.startswith("robots.txt could not be read (")
            assert reason in info.value.reason
    assert feed_site.count("/robots.txt") == 1
    assert feed_site.count("/story.html") == 0


def test_a_page_is_fetched_without_robots_txt_when_the_policy_says_so(feed_site: FeedSite) -> None:
    feed_site.add_raw("/robots.txt", ROBOTS, content_type="text/plain")
    url = feed_site.add_raw("/a/b.pdf", b"%PDF", content_type="application/pdf")
    policy = FetchPolicy(allow_private_networks=True, retries=0, respect_robots=False)
    with Fetcher(policy) as fetcher:
        assert fetcher.fetch(url, check_robots=True).body == b"%PDF"
    assert feed_site.count("/robots.txt") == 0


def test_of_a_large_robots_txt_the_first_500_kib_are_read(feed_site: FeedSite) -> None:
    """RFC 9309 §2.5: rules within the parsing limit apply; what lies beyond it is ignored."""
    head = b"User-agent: *\nDisallow: /private/\n"
    filler = b"# padding line of a generated robots.txt\n" * (ROBOTS_PARSE_BYTES // 40)
    body = head + filler + b"Disallow: /beyond-the-limit/\n"
    assert len(body) > ROBOTS_PARSE_BYTES
    feed_site.add_raw("/robots.txt", body, content_type="text/plain")
    private = feed_site.add_raw("/private/a.html", b"<html></html>", content_type="text/html")
    beyond = feed_site.add_raw("/beyond-the-limit/a.html", b"<html></html>", content_type="text/html")
    with Fetcher(_policy()) as fetcher:
        with pytest.raises(FetchError, match=r"disallowed by the site's robots\.txt"):
            fetcher.fetch(private, check_robots=True)
        assert fetcher.fetch(beyond, check_robots=True).status == 200
