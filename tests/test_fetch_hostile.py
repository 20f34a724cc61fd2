"""The network layer against hostile servers and names (issue 16, rows 2, 4, 6 and 14): a
decompression bomb through stacked encodings, headers dribbled a byte at a time, a name that
resolves to a private address (DNS rebinding), CGNAT / 6to4 / NAT64 / metadata addresses, and
the messages of refusals. Real local servers (tests/feed_site.py); no request leaves 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import gzip
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from newswatch.fetch import Fetcher, FetchError, FetchPolicy, check_address
from newswatch.netguard import is_public_address
from tests.feed_site import FeedSite

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Honest</title></channel></rss>\n' * 200
MB = 1_000_000


def _gzip_of_zeros(megabytes: int) -> bytes:
    """A gzip member of ``megabytes`` MiB of zeros, built in ~0.1 s: with a sync flush after each
    MiB the deflate output of every MiB after the first is the same bytes, so it is repeated."""
    zeros = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(zeros) + packer.flush(zlib.Z_SYNC_FLUSH)
    again = packer.compress(zeros) + packer.flush(zlib.Z_SYNC_FLUSH)
    end = packer.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = crc.to_bytes(4, "little") + ((megabytes << 20) & 0xFFFFFFFF).to_bytes(4, "little")
    return header + first + again * (megabytes - 1) + end + trailer


def _deflate(data: bytes, *, raw: bool = False) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15 if raw else 15)
    return packer.compress(data) + packer.flush()


def _encode(body: bytes, codings: list[str]) -> bytes:
    """``body`` with each coding applied in order (as Content-Encoding lists them)."""
    for coding in codings:
        if coding in ("gzip", "x-gzip"):
            body = gzip.compress(body, mtime=0)
        elif coding == "deflate":
            body = _deflate(body)
        elif coding == "deflate-raw":
            body = _deflate(body, raw=True)
    return body


def _policy(**overrides: object) -> FetchPolicy:
    values: dict[str, object] = {"allow_private_networks": True, "retries": 0, "backoff_seconds": 0.01}
    values.update(overrides)
    return FetchPolicy(**values)  # type: ignore[arg-type]


# -- row 2: decompression bounded as it streams, through every layer ------------------------------ #


def test_a_gzip_of_gzip_bomb_is_refused_at_the_cap_without_spending_memory(feed_site: FeedSite) -> None:
    inner = _gzip_of_zeros(1100)  # 1.15 GB of zeros
    bomb = gzip.compress(inner, mtime=0)  # ~5 KB on the wire
    assert len(bomb) < 20_000
    url = feed_site.add_raw("/bomb.xml", bomb, headers=[("Content-Encoding", "gzip, gzip")])
    cap = MB
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        started = time.monotonic()
        with Fetcher(_policy(max_bytes=cap)) as fetcher, pytest.raises(FetchError) as info:
            fetcher.fetch(url)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "over the 1,000,000-byte limit" in info.value.reason
    assert not info.value.retryable
    assert elapsed < 3.0
    assert peak < 2 * cap, f"peak {peak:,} bytes for a {cap:,}-byte cap"


@pytest.mark.parametrize(
    "codings",
    [
        ["gzip"],
        ["x-gzip"],
        ["deflate"],
        ["deflate-raw"],
        ["gzip", "gzip"],
        ["deflate", "gzip"],
        ["gzip", "deflate-raw", "gzip"],
    ],
)
def test_an_honest_layered_body_under_the_cap_still_reads(feed_site: FeedSite, codings: list[str]) -> None:
    header = ", ".join("deflate" if c == "deflate-raw" else c for c in codings)
    url = feed_site.add_raw("/layered.xml", _encode(FEED, codings), headers=[("Content-Encoding", header)])
    with Fetcher(_policy(max_bytes=len(FEED))) as fetcher:
        assert fetcher.fetch(url).body == FEED


def test_a_multi_member_gzip_body_reads_whole(feed_site: FeedSite) -> None:
    half = len(FEED) // 2
    body = gzip.compress(FEED[:half], mtime=0) + gzip.compress(FEED[half:], mtime=0)
    url = feed_site.add_raw("/members.xml", body, headers=[("Content-Encoding", "gzip")])
    with Fetcher(_policy()) as fetcher:
        assert fetcher.fetch(url).body == FEED


def test_an_honest_body_one_byte_over_the_cap_is_refused(feed_site: FeedSite) -> None:
    url = feed_site.add_raw("/over.xml", _encode(FEED, ["gzip", "gzip"]), headers=[("Content-Encoding", "gzip, gzip")])
    with Fetcher(_policy(max_bytes=len(FEED) - 1)) as fetcher, pytest.raises(FetchError, match="byte limit"):
        fetcher.fetch(url)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("br", "unsupported Content-Encoding 'br'"),
        ("gzip, compress", "unsupported Content-Encoding 'compress'"),
        ("gzip, gzip, gzip, gzip", "4 layers of Content-Encoding"),
    ],
)
def test_unknown_encodings_and_deep_stacks_are_refused_with_a_reason(
    feed_site: FeedSite, header: str, reason: str
) -> None:
    body = _encode(FEED, ["gzip"] * header.count("gzip"))
    url = feed_site.add_raw("/encoded.xml", body, headers=[("Content-Encoding", header)])
    with Fetcher(_policy(retries=2)) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    assert reason in info.value.reason
    assert not info.value.retryable
    assert feed_site.count("/encoded.xml") == 1


def test_a_corrupt_gzip_body_is_a_malformed_response(feed_site: FeedSite) -> None:
    url = feed_site.add_raw("/corrupt.xml", b"\x1f\x8b\x08\x00not gzip at all", headers=[("Content-Encoding", "gzip")])
    with Fetcher(_policy()) as fetcher, pytest.raises(FetchError, match="malformed response"):
        fetcher.fetch(url)


# -- row 4: one deadline over connect, request, headers and body --------------------------------- #


def test_headers_dribbled_a_byte_at_a_time_end_at_the_total_timeout(feed_site: FeedSite) -> None:
    url = feed_site.add_raw("/drip.xml", FEED, drip_seconds=0.2)
    started = time.monotonic()
    with Fetcher(_policy(total_timeout=1.5, read_timeout=1.0)) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    elapsed = time.monotonic() - started
    assert 1.3 < elapsed < 2.0, elapsed
    assert "took longer than 1.5 s" in info.value.reason
    assert info.value.retryable


def test_the_deadline_covers_the_whole_redirect_chain(feed_site: FeedSite) -> None:
    """Each hop is quick but the last one dribbles: the chain as a whole gets total_timeout."""
    drip = feed_site.add_raw("/drip2.xml", FEED, drip_seconds=0.2)
    feed_site.add_redirect("/hop1.xml", "/hop2.xml")
    feed_site.add_redirect("/hop2.xml", drip)
    started = time.monotonic()
    with (
        Fetcher(_policy(total_timeout=1.0, read_timeout=5.0)) as fetcher,
        pytest.raises(FetchError, match="took longer"),
    ):
        fetcher.fetch(feed_site.url("/hop1.xml"))
    assert time.monotonic() - started < 1.5


# -- row 6: one resolution, pinned ------------------------------------------------------------- #


class CountingResolver:
    """A resolver that answers fixed addresses for fake names and counts its calls."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[str]:
        with self._lock:
            self.calls.append(host)
        return list(self.answers[host])


def test_a_name_resolving_to_loopback_is_refused_before_any_connection(feed_site: FeedSite) -> None:
    resolver = CountingResolver({"rebind.newswatch.invalid": ["127.0.0.1"]})
    url = f"http://rebind.newswatch.invalid:{feed_site.port}/feed.xml"
    feed_site.add_raw("/feed.xml", FEED)
    with (
        Fetcher(_policy(allow_private_networks=False, retries=2), resolver=resolver) as fetcher,
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch(url)
    assert info.value.reason.startswith(
        "refused by the address guard: rebind.newswatch.invalid resolves to the non-public address 127.0.0.1"
    )
    assert "NEWSWATCH_ALLOW_PRIVATE_NETWORKS=1" in info.value.reason
    assert not info.value.retryable
    assert resolver.calls == ["rebind.newswatch.invalid"]  # resolved once: no second look-up to connect
    assert feed_site.requests == []


def test_one_private_address_among_public_ones_refuses_the_name(feed_site: FeedSite) -> None:
    resolver = CountingResolver({"mixed.newswatch.invalid": ["8.8.8.8", "2606:4700::1111", "127.0.0.1"]})
    with (
        Fetcher(_policy(allow_private_networks=False), resolver=resolver) as fetcher,
        pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1"),
    ):
        fetcher.fetch(f"http://mixed.newswatch.invalid:{feed_site.port}/feed.xml")
    assert feed_site.requests == []


def test_the_connection_goes_to_the_address_resolved_once(feed_site: FeedSite) -> None:
    """A .invalid name the system cannot resolve: the fetch only works if the connection uses the
    one resolution the fetcher made (and checked), and a kept-alive connection resolves nothing."""
    resolver = CountingResolver({"pinned.newswatch.invalid": ["127.0.0.1"]})
    url = feed_site.add_raw("/pinned.xml", FEED)
    pinned = url.replace("127.0.0.1", "pinned.newswatch.invalid")
    with Fetcher(_policy(allow_private_networks=True), resolver=resolver) as fetcher:
        assert fetcher.fetch(pinned).body == FEED
        assert fetcher.fetch(pinned).body == FEED
    # one look-up per connection (a raw answer closes its connection): none to connect
    assert resolver.calls == ["pinned.newswatch.invalid"] * 2
    assert feed_site.count("/pinned.xml") == 2


def test_an_unresolvable_name_is_network_trouble_and_retried(feed_site: FeedSite) -> None:
    def no_such_name(host: str, port: int) -> list[str]:
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    calls: list[str] = []
    with (
        Fetcher(_policy(allow_private_networks=False, retries=1), resolver=no_such_name) as fetcher,
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch("http://gone.newswatch.invalid/feed.xml")
    assert info.value.reason == "cannot resolve gone.newswatch.invalid (Name or service not known)"
    assert info.value.retryable
    assert calls == ["gone.newswatch.invalid"] * 2


@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",  # carrier-grade NAT
        "100.100.100.200",  # Alibaba Cloud metadata (in CGNAT)
        "169.254.169.254",  # AWS / GCP / Azure metadata
        "fd00:ec2::254",  # AWS metadata over IPv6
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::7f00:1",  # IPv4-compatible (deprecated)
        "224.0.0.1",
        "ff02::1",
        "0.0.0.0",
        "192.0.2.1",  # documentation
        "2001::1",  # Teredo
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)
    resolver = CountingResolver({"evil.newswatch.invalid": [address]})
    with (
        Fetcher(_policy(allow_private_networks=False), resolver=resolver) as fetcher,
        pytest.raises(FetchError, match=f"refused by the address guard: .* {address.replace('.', '[.]')}"),
    ):
        fetcher.fetch("http://evil.newswatch.invalid/feed.xml")


@pytest.mark.parametrize("url", ["http://100.64.0.1/", "http://100.100.100.200/", "http://[2002:7f00:1::]/"])
def test_check_address_refuses_cgnat_and_6to4_literals(url: str) -> None:
    with pytest.raises(FetchError, match="refused by the address guard"):
        check_address(url)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"])
def test_public_addresses_pass_including_nat64_and_6to4_of_public_ones(address: str) -> None:
    assert is_public_address(address)


# -- row 14: messages that name the right cause -------------------------------------------------- #


def test_a_page_refused_by_the_guard_is_not_reported_as_robots_txt(feed_site: FeedSite) -> None:
    page = feed_site.add_raw("/page.html", b"<html></html>", content_type="text/html")
    with Fetcher(_policy(allow_private_networks=False)) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(page, check_robots=True)
    assert "refused by the address guard" in info.value.reason
    assert "robots" not in info.value.reason
    assert not info.value.retryable


@pytest.mark.parametrize(("target", "scheme"), [("file:///etc/passwd", "file"), ("gopher://127.0.0.1:70/x", "gopher")])
def test_a_redirect_to_another_scheme_is_final(feed_site: FeedSite, target: str, scheme: str) -> None:
    feed_site.add_redirect("/to-elsewhere.xml", target)
    with Fetcher(_policy(retries=2)) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(feed_site.url("/to-elsewhere.xml"))
    assert info.value.reason == f"redirects to a {scheme}: URL, which newswatch does not fetch"
    assert not info.value.retryable
    assert feed_site.count("/to-elsewhere.xml") == 1


@pytest.mark.parametrize("url", ["http://exa mple.com/", "http://[::1/", "http://xn--/"])
def test_a_url_httpx_cannot_parse_is_this_urls_error(url: str) -> None:
    with Fetcher(_policy()) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    assert not info.value.retryable


def test_a_robots_txt_that_cannot_be_read_says_so(feed_site: FeedSite) -> None:
    feed_site.add_raw("/robots.txt", b"oops", status=503, content_type="text/plain")
    page = feed_site.add_raw("/story.html", b"<html></html>", content_type="text/html")
    with Fetcher(_policy()) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(page, check_robots=True)
    assert info.value.reason == "robots.txt could not be read (HTTP 503), so the site is not fetched for now"
    assert feed_site.count("/story.html") == 0


def test_a_validator_with_non_ascii_characters_is_not_sent_back(feed_site: FeedSite) -> None:
    """A hostile ETag stored from an earlier poll used to make httpx raise UnicodeEncodeError."""
    url = feed_site.add_raw("/etag.xml", FEED)
    with Fetcher(_policy()) as fetcher:
        assert fetcher.fetch(url, etag='"caf\u00e9"', last_modified="Mon\r\nX-Evil: 1").body == FEED
    sent = feed_site.requests[-1].headers
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def _self_signed(tmp_path: Path, name: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_tls_to_the_pinned_address_still_names_the_host(tmp_path: Path) -> None:
    """The socket goes to the address resolved once, while TLS (SNI, and so the certificate check)
    is about the URL's host name: a local TLS server records the name the client asked for."""
    name = "tls.newswatch.invalid"
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*_self_signed(tmp_path, name))
    asked: list[str | None] = []

    def record_name(_sock: ssl.SSLObject, server_name: str | None, _context: ssl.SSLContext) -> None:
        asked.append(server_name)

    context.sni_callback = record_name
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve_one() -> None:
        try:
            conn, _ = listener.accept()
            with context.wrap_socket(conn, server_side=True):
                pass
        except OSError:  # the client refuses the self-signed certificate: expected
            pass

    server = threading.Thread(target=serve_one, daemon=True)
    server.start()
    resolver = CountingResolver({name: ["127.0.0.1"]})
    url = f"https://{name}:{listener.getsockname()[1]}/feed.xml"
    try:
        with Fetcher(_policy(), resolver=resolver) as fetcher, pytest.raises(FetchError) as info:
            fetcher.fetch(url)
    finally:
        server.join(timeout=5)
        listener.close()
    assert asked == [name]
    assert resolver.calls == [name]
    assert "certificate" in info.value.reason.lower()


def test_a_name_server_that_never_answers_ends_at_the_deadline() -> None:
    def silent(host: str, port: int) -> list[str]:
        time.sleep(5)
        return ["127.0.0.1"]

    started = time.monotonic()
    with (
        Fetcher(_policy(total_timeout=1.0, connect_timeout=3.0), resolver=silent) as fetcher,
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch("http://slow-dns.newswatch.invalid/feed.xml")
    assert time.monotonic() - started < 1.5
    assert info.value.reason.startswith("cannot resolve slow-dns.newswatch.invalid (no answer in")
    assert info.value.retryable
