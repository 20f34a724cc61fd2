"""Fetching feeds and pages over HTTP: the one place newswatch talks to the web.

httpx with connect/read timeouts and one total deadline per attempt, a cap on body size (counted
as the body is decoded: ``newswatch.decoding``), a redirect limit with every hop checked,
conditional GET, retries with backoff on timeouts and 5xx (never on 4xx or refusals), a per-host
concurrency limit, robots.txt for article pages (read as RFC 9309 says: ``newswatch.robots``), and
the address guard (``newswatch.netguard``: a name that resolves to an address that is not public
is refused unless the operator allows it).
"""

from __future__ import annotations

import threading
import time
import typing
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from newswatch import __version__
from newswatch.backoff import backoff_seconds
from newswatch.decoding import BodyTooLarge, MalformedBody, content_codings, decode_body
from newswatch.errors import NewswatchError
from newswatch.netguard import (
    Deadline,
    PinnedTransport,
    Resolver,
    Unconnectable,
    attempt_deadline,
    guard_refusal,
    is_ip_literal,
    os_reason,
    resolve_host,
)
from newswatch.robots import ROBOTS_MAX_BYTES, parse_robots, robots_allow

TOO_MANY_REQUESTS = 429

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


class AddressRefused(FetchError):
    """The address guard refused a host (final: the operator must allow private networks)."""


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and defensively to fetch."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    """One attempt's deadline: connect, request, headers and body of every redirect hop together
    (time spent waiting for a per-host slot is not counted: that wait is our politeness)."""
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


# -- refusing what cannot be fetched -------------------------------------------------------------- #


def check_url(url: str) -> None:
    """Refuse, without any network access, a URL that newswatch cannot fetch: not http(s), no
    host, a host with spaces or control characters, or a port that is not a port number.

    Raises:
        FetchError: naming the URL (final: trying again cannot help).
    """
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "http://[::1/"
        raise FetchError(url, "not a valid URL") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise FetchError(url, "only http and https URLs can be fetched")
    if any(c.isspace() or not c.isprintable() for c in hostname):
        raise FetchError(url, "not a valid URL (the host name has spaces or control characters)")
    try:
        parts.port  # noqa: B018 - urllib checks the range when asked
    except ValueError:  # "h:99999": urllib's ValueError would end the whole run
        raise FetchError(url, "the URL's port is not a port number (0 to 65535)") from None


def check_address(url: str, resolver: Resolver = resolve_host) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a non-public address.

    The fetcher does not call this (it checks the addresses it connects to, resolved once); it is
    the same test for callers that only want an answer.

    Raises:
        FetchError: naming the URL and the address it resolves to.
    """
    check_url(url)
    parts = urlsplit(url)
    host = typing.cast(str, parts.hostname)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [host] if is_ip_literal(host) else resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve {host} ({os_reason(exc)})", retryable=True) from None
    refusal = guard_refusal(host, addresses)
    if refusal:
        raise AddressRefused(url, refusal)


# -- the fetcher ------------------------------------------------------------------------------------ #


def _header_safe(value: str | None) -> str | None:
    """A validator fit to send back: a server's non-ASCII or control characters would make httpx
    raise while building the request, so such a validator is dropped (the GET is unconditional)."""
    return value if value and value.isascii() and value.isprintable() else None


class Fetcher:
    """A pooled HTTP client with newswatch's policy; use one per run and close it (or use ``with``).

    ``resolver`` turns a host name into addresses (the system resolver by default); it is called
    once per new connection, and those addresses are the ones checked and connected to.
    """

    def __init__(self, policy: FetchPolicy | None = None, *, resolver: Resolver = resolve_host) -> None:
        self.policy = policy or FetchPolicy()
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
        self._client = httpx.Client(
            transport=PinnedTransport(resolver, guard=not self.policy.allow_private_networks, limits=limits),
            timeout=httpx.Timeout(
                connect=self.policy.connect_timeout,
                read=self.policy.read_timeout,
                write=self.policy.read_timeout,
                pool=self.policy.total_timeout,
            ),
            follow_redirects=False,
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, Protego | str | None] = {}
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
                answered with an error status (4xx and refusals are final; 5xx and network
                trouble were retried).
        """
        check_url(url)
        if check_robots and self.policy.respect_robots:
            self._check_robots(url)
        headers = {"Accept": accept}
        if etag := _header_safe(etag):
            headers["If-None-Match"] = etag
        if last_modified := _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                return self._fetch_following_redirects(url, headers, max_bytes or self.policy.max_bytes)
            except FetchError as exc:
                if not exc.retryable or attempt >= self.policy.retries:
                    raise
            attempt += 1
            time.sleep(backoff_seconds(attempt, self.policy.backoff_seconds))

    def _fetch_following_redirects(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        """One attempt: every hop under one deadline, each redirect target checked before it is
        followed (the address guard then checks where it connects)."""
        check_url(url)
        with attempt_deadline(self.policy.total_timeout) as deadline:
            current = url
            for _ in range(self.policy.max_redirects + 1):
                result = self._fetch_once(current, headers, max_bytes, deadline)
                if result.status in REDIRECT_STATUSES and "location" in result.headers:
                    current = _redirect_target(url, current, result.headers["location"])
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

    def _fetch_once(self, url: str, headers: dict[str, str], max_bytes: int, deadline: Deadline) -> FetchResult:
        waiting_since = time.monotonic()
        with self._host_slot(url):
            deadline.at += time.monotonic() - waiting_since
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError(url, f"body of {int(declared):,} bytes is over the {max_bytes:,}-byte limit")
                    status = response.status_code
                    unread = status >= 400 or (status in REDIRECT_STATUSES and "location" in response.headers)
                    return FetchResult(
                        url=str(response.url),
                        status=status,
                        headers={k.lower(): v for k, v in response.headers.items()},
                        body=b"" if unread else self._read_body(url, response, max_bytes, deadline),
                    )
            except Unconnectable as exc:
                error = AddressRefused if exc.guard else FetchError
                raise error(url, exc.reason, retryable=exc.retryable) from None
            except httpx.TimeoutException as exc:
                if deadline.remaining() <= 0.01:
                    raise FetchError(url, f"took longer than {self.policy.total_timeout:g} s", retryable=True) from None
                kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
                raise FetchError(url, f"{kind} (no answer in time)", retryable=True) from None
            except httpx.TooManyRedirects:
                raise FetchError(url, "too many redirects") from None
            except (httpx.DecodingError, httpx.RemoteProtocolError, MalformedBody) as exc:
                raise FetchError(url, f"malformed response: {exc}", retryable=True) from None
            except httpx.TransportError as exc:
                raise FetchError(url, f"cannot connect ({exc or type(exc).__name__})", retryable=True) from None
            except (httpx.InvalidURL, UnicodeError) as exc:  # e.g. idna's error for a host "xn--"
                raise FetchError(url, f"not a valid URL ({exc})") from None

    def _read_body(self, url: str, response: httpx.Response, max_bytes: int, deadline: Deadline) -> bytes:
        """The body, decoded from the raw stream under ``max_bytes`` and the attempt's deadline."""
        try:
            codings = content_codings(", ".join(response.headers.get_list("content-encoding")))
        except ValueError as exc:
            raise FetchError(url, str(exc)) from None

        def within_deadline() -> None:
            if deadline.remaining() <= 0:
                raise FetchError(url, f"took longer than {self.policy.total_timeout:g} s", retryable=True)

        try:
            return decode_body(response.iter_raw(), codings, max_bytes, within_deadline)
        except BodyTooLarge as exc:
            raise FetchError(url, str(exc)) from None

    def _check_robots(self, url: str) -> None:
        """Raise if robots.txt forbids ``url``, naming the real cause: a guard refusal of the
        robots.txt fetch is the page's own refusal, and an unreadable robots.txt says so."""
        verdict = self._robots_verdict(url)
        if isinstance(verdict, str):
            raise FetchError(url, f"robots.txt could not be read ({verdict}), so the site is not fetched for now")
        if verdict is not None and not robots_allow(verdict, url, self.policy.user_agent):
            raise FetchError(url, "disallowed by the site's robots.txt")

    def _robots_verdict(self, url: str) -> Protego | str | None:
        """RFC 9309 §2.3.1: a missing robots.txt (4xx but 429) allows everything (None); an
        unreachable one (5xx, 429 Too Many Requests, network error, timeout, or over
        ROBOTS_MAX_BYTES) disallows for now (the reason, as a string); of a large one, the first
        500 KiB are read (RFC 9309 §2.5). Cached per origin for the run (the Fetcher's life), so the next run asks again;
        a guard refusal is not cached but re-raised as the page's."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._robots:
                return self._robots[origin]
        verdict: Protego | str | None
        try:
            result = self._fetch_following_redirects(origin + "/robots.txt", {"Accept": "text/plain"}, ROBOTS_MAX_BYTES)
            verdict = parse_robots(result.body)
        except AddressRefused as exc:
            raise AddressRefused(url, exc.reason) from None
        except FetchError as exc:
            # 4xx: there is none, fetch anything; but 429 asks us to slow down, not to go ahead
            missing = exc.status is not None and 400 <= exc.status < 500 and exc.status != TOO_MANY_REQUESTS
            verdict = None if missing else exc.reason
        with self._lock:
            self._robots[origin] = verdict
        return verdict


def _redirect_target(url: str, current: str, location: str) -> str:
    """Where a redirect leads, refused at once (final) if newswatch would not fetch it."""
    try:
        target = urljoin(current, location)
        scheme = urlsplit(target).scheme
    except ValueError:
        raise FetchError(url, "redirects to an invalid URL") from None
    if scheme not in ("http", "https"):
        raise FetchError(url, f"redirects to a {scheme[:20]}: URL, which newswatch does not fetch")
    try:
        check_url(target)
    except FetchError as exc:
        raise FetchError(url, f"redirects to {target[:200]}: {exc.reason}") from None
    return target
