"""The address guard: third-party links to private networks are refused unless allowed."""

from __future__ import annotations

import pytest

from newswatch.fetch import Fetcher, FetchError, FetchPolicy, check_address


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/feed.xml",
        "http://localhost/feed.xml",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://224.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_private_loopback_link_local_and_multicast_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match=r"refused by the address guard: .* resolves to the non-public address"):
        check_address(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        check_address(url)


def test_the_fetcher_refuses_before_connecting_and_says_how_to_allow() -> None:
    with Fetcher(FetchPolicy(retries=0)) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch("http://127.0.0.1:9/feed.xml")
    assert "NEWSWATCH_ALLOW_PRIVATE_NETWORKS=1" in str(info.value)
    assert not info.value.retryable


@pytest.mark.parametrize("url", ["http://example.com:99999/x", "https://example.com:-1/", "http://example.com:abc/"])
def test_a_port_out_of_range_is_this_urls_error_not_the_runs(url: str) -> None:
    # urllib raises ValueError for these: it used to end the whole run (issue 16, row 1)
    with pytest.raises(FetchError, match="port"):
        check_address(url)
    with Fetcher(FetchPolicy(retries=0)) as fetcher, pytest.raises(FetchError):
        fetcher.fetch(url)
