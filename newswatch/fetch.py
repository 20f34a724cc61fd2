"""Fetching feeds and pages over HTTP: the one place newswatch talks to the web.

httpx with connect/read/total timeouts, a cap on body size (after decompression, so a gzip bomb
is cut short too), a redirect limit with every hop checked, conditional GET, retries with
backoff on timeouts and 5xx (never on 4xx), a per-host concurrency limit, robots.txt for
article pages, and an address guard: feed links come from third parties, so a URL that resolves
to a private, loopback, link-local or multicast address is refused unless the operator allows it.
"""

from __future__ import annotations

import functools
import ipaddress
import random
import socket
import ssl
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from newswatch import __version__
from newswatch.errors import NewswatchError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = f"newswatch/{__version__} (news monitor; +https://github.com/newswatch/newswatch)"


class FetchError(NewswatchError):
    """A URL could not be fetched; ``retryable`` tells whether trying again later may help."""

    def __init__(self, url: str, reason: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and defensively to fetch."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 2
    backoff_seconds: float = 0.5
    per_host_concurrency: int = 2
    user_agent: str = USER_AGENT
    allow_private_networks: bool = False
    respect_robots: bool = True


@dataclass(frozen=True)
class FetchResult:
    """A response: the final URL after redirects, its status, headers (lower-case names) and body."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def check_address(url: str) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a non-public address.

    Raises:
        FetchError: naming the URL and the address it resolves to.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "only http and https URLs can be fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # "h:99999": urllib's ValueError would end the whole run
        raise FetchError(url, "the URL's port is not a port number (0 to 65535)") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(url, f"cannot resolve {parts.hostname} ({exc.strerror})", retryable=True) from None
    for info in infos:
        address = str(info[4][0])
        if not _is_public(address):
            raise FetchError(
                url,
                f"refused: {parts.hostname} resolves to the non-public address {address} "
                "(set allow_private_networks: true or NEWSWATCH_ALLOW_PRIVATE_NETWORKS=1 to allow it)",
            )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR), built
    once per process: loading the bundle takes ~0.1 s, as long as a whole idle cycle's polls."""
    return httpx.create_ssl_context()


class Fetcher:
    """A pooled HTTP client with newswatch's policy; use one per run and close it (or use ``with``)."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._client = httpx.Client(
            verify=_tls_context(),
            timeout=httpx.Timeout(
                connect=self.policy.connect_timeout,
                read=self.policy.read_timeout,
                write=self.policy.read_timeout,
                pool=self.policy.total_timeout,
            ),
            follow_redirects=False,
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        check_robots: bool = False,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url`` under the policy, retrying what is worth retrying.

        Args:
            etag, last_modified: validators from the previous fetch, for a conditional GET.
            accept: the Accept header.
            check_robots: obey the host's robots.txt (article pages; feeds are meant to be polled).
            max_bytes: a cap for this URL instead of the policy's.

        Raises:
            FetchError: the URL is refused, unreachable, too large, redirects too often, or
                answered with an error status (4xx is final; 5xx and timeouts were retried).
        """
        if check_robots and self.policy.respect_robots and not self._robots_allow(url):
            raise FetchError(url, "disallowed by the site's robots.txt")
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                return self._fetch_following_redirects(url, headers, max_bytes or self.policy.max_bytes)
            except FetchError as exc:
                if not exc.retryable or attempt >= self.policy.retries:
                    raise
            attempt += 1
            delay = self.policy.backoff_seconds * 2 ** (attempt - 1)
            time.sleep(delay * random.uniform(0.75, 1.25))  # jitter: workers retrying together spread out

    def _fetch_following_redirects(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        current = url
        for _ in range(self.policy.max_redirects + 1):
            if not self.policy.allow_private_networks:
                check_address(current)
            result = self._fetch_once(current, headers, max_bytes)
            if result.status in REDIRECT_STATUSES and "location" in result.headers:
                current = urljoin(current, result.headers["location"])
                continue
            if result.status >= 500:
                raise FetchError(url, f"HTTP {result.status}", status=result.status, retryable=True)
            if result.status >= 400:
                raise FetchError(url, f"HTTP {result.status}", status=result.status)
            return result
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects (a redirect loop?)")

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            if host not in self._host_slots:
                self._host_slots[host] = threading.BoundedSemaphore(self.policy.per_host_concurrency)
            return self._host_slots[host]

    def _fetch_once(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        deadline = time.monotonic() + self.policy.total_timeout
        with self._host_slot(url):
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError(url, f"body of {int(declared):,} bytes is over the {max_bytes:,}-byte limit")
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise FetchError(url, f"body is over the {max_bytes:,}-byte limit")
                        if time.monotonic() > deadline:
                            raise FetchError(url, f"took longer than {self.policy.total_timeout:g} s", retryable=True)
                        chunks.append(chunk)
                    return FetchResult(
                        url=str(response.url),
                        status=response.status_code,
                        headers={k.lower(): v for k, v in response.headers.items()},
                        body=b"".join(chunks),
                    )
            except httpx.TimeoutException as exc:
                kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
                raise FetchError(url, f"{kind} (no answer in time)", retryable=True) from None
            except httpx.TooManyRedirects:
                raise FetchError(url, "too many redirects") from None
            except (httpx.DecodingError, httpx.RemoteProtocolError) as exc:
                raise FetchError(url, f"malformed response: {exc}", retryable=True) from None
            except httpx.TransportError as exc:
                raise FetchError(url, f"cannot connect ({exc or type(exc).__name__})", retryable=True) from None

    def _robots_allow(self, url: str) -> bool:
        """RFC 9309: a missing robots.txt (4xx) allows everything; an unreachable one (5xx,
        network error) disallows for now."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            known = origin in self._robots
        if not known:
            parser: urllib.robotparser.RobotFileParser | None
            try:
                result = self._fetch_following_redirects(origin + "/robots.txt", {"Accept": "text/plain"}, 512_000)
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(result.body.decode("utf-8", errors="replace").splitlines())
            except FetchError as exc:
                parser = None if exc.status is not None and 400 <= exc.status < 500 else _DISALLOW_ALL
            with self._lock:
                self._robots[origin] = parser
        parser = self._robots[origin]
        return parser is None or parser.can_fetch(self.policy.user_agent, url)


_DISALLOW_ALL = urllib.robotparser.RobotFileParser()
_DISALLOW_ALL.parse(["User-agent: *", "Disallow: /"])
