"""Fetching feeds and pages over HTTP: the one place newswatch talks to the web.

httpx with connect/read timeouts and one total deadline per attempt, a cap on body size (counted
as it is decoded, layer by layer, so a gzip bomb is cut short before its memory is spent), a
redirect limit with every hop checked, conditional GET, retries with backoff on timeouts and 5xx
(never on 4xx or refusals), a per-host concurrency limit, robots.txt for article pages, and an
address guard: feed links come from third parties, so a name that resolves to an address that is
not public is refused unless the operator allows it.

The guard and the deadline live in the network backend that httpx's connection pool uses
(``_PinnedBackend``): a name is resolved once, every address is checked, and the connection goes
to a checked address, never through a second look-up (DNS rebinding). Because the connection is
made here, proxies from the environment (``HTTP_PROXY``…) are not used.
"""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import socket
import ssl
import threading
import time
import typing
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from newswatch import __version__
from newswatch.backoff import backoff_seconds
from newswatch.errors import NewswatchError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = f"newswatch/{__version__} (news monitor; +https://github.com/newswatch/newswatch)"
MAX_ENCODING_LAYERS = 3
"""More Content-Encoding layers than this are refused: no honest server stacks more than two."""
_ALLOW_HINT = "(set allow_private_networks: true or NEWSWATCH_ALLOW_PRIVATE_NETWORKS=1 to allow it)"
_INPUT_CHUNK = 16_384  # compressed bytes handed to one decoder at a time
_OUTPUT_CHUNK = 65_536  # decoded bytes asked of the outermost layer at a time

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> addresses`` (numeric strings); raises OSError when the name cannot be resolved."""


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


# -- the address guard ---------------------------------------------------------------------------- #

_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)  # AWS/GCP/Azure, AWS over IPv6, Alibaba: refused by name even if a range test ever let them by
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, 6to4, NAT64), if any: those are
    judged by the IPv4 address they reach, not by the IPv6 range they are written in."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """Whether ``address`` is on the public internet: ``is_global`` (no private, loopback,
    link-local, CGNAT, documentation… ranges), not multicast or reserved, not a cloud metadata
    address; an IPv6 form of an IPv4 address is judged by that IPv4 address."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        ip = _embedded_ipv4(ip) or ip
    if ip in _METADATA_ADDRESSES or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT):
        return False
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _guard_refusal(host: str, addresses: list[str]) -> str | None:
    """The guard's reason to refuse ``host`` (any one non-public address is enough), or None."""
    for address in addresses:
        if not is_public_address(address):
            return f"refused by the address guard: {host} resolves to the non-public address {address} {_ALLOW_HINT}"
    return None


def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver's addresses for ``host`` (getaddrinfo), in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


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
        addresses = [host] if _is_ip_literal(host) else resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve {host} ({_os_reason(exc)})", retryable=True) from None
    refusal = _guard_refusal(host, addresses)
    if refusal:
        raise AddressRefused(url, refusal)


def _os_reason(exc: Exception) -> str:
    return str(getattr(exc, "strerror", None) or exc or type(exc).__name__)


# -- the network backend: one resolution, pinned; one deadline ------------------------------------ #


@dataclass
class _Deadline:
    """When the current attempt must end (monotonic clock); moved on by waits we impose ourselves."""

    at: float

    def remaining(self) -> float:
        return self.at - time.monotonic()


_DEADLINE: contextvars.ContextVar[_Deadline | None] = contextvars.ContextVar("newswatch_fetch_deadline", default=None)
"""The deadline of the attempt running in this thread (httpx's sync client does its I/O in the
caller's thread, so the network backend sees the fetcher's deadline here)."""


def _bounded(timeout: float | None, timeout_error: type[Exception]) -> float | None:
    """``timeout`` shortened to what is left of the attempt's deadline; past it, ``timeout_error``.
    This is what makes one deadline cover every read and write: a server that dribbles a byte
    just before each read timeout no longer restarts the clock."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline.remaining()
    if remaining <= 0:
        raise timeout_error("past the fetch's total deadline")
    return remaining if timeout is None else min(timeout, remaining)


class _Unconnectable(Exception):
    """Raised inside httpcore when a connection must not (guard) or cannot (DNS) be made. Not an
    httpcore exception, so httpx passes it through unchanged to the fetcher."""

    def __init__(self, reason: str, *, retryable: bool, guard: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.guard = guard


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake is bounded by the current deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        # server_hostname is the URL's host (httpcore passes it): SNI and the certificate check
        # are about the name, while the socket underneath is connected to the pinned address
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with the address guard in ``connect_tcp``: the host is resolved
    once, every address is checked, and the socket connects to those numeric addresses only."""

    def __init__(self, resolver: Resolver, *, guard: bool) -> None:
        self._resolver = resolver
        self._guard = guard
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = [host] if _is_ip_literal(host) else self._resolve(host, port, timeout)
        if not addresses:
            raise _Unconnectable(f"cannot resolve {host} (no addresses)", retryable=True)
        refusal = _guard_refusal(host, addresses) if self._guard else None
        if refusal:
            raise _Unconnectable(refusal, retryable=False, guard=True)
        failure: Exception = httpcore.ConnectError(f"cannot connect to {host}")
        for address in addresses:  # numeric: create_connection resolves nothing more
            try:
                stream = self._sockets.connect_tcp(
                    address, port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options or []
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        raise failure

    def _resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        """The resolver's answer within the connect timeout and the deadline. getaddrinfo has no
        timeout of its own (a name server that never answers holds it for the system resolver's
        retries), so it runs in a daemon thread that is left behind if it is late."""
        answer: list[list[str] | BaseException] = []
        done = threading.Event()

        def look_up() -> None:
            try:
                answer.append(self._resolver(host, port))
            except BaseException as exc:  # handed to the waiting thread, raised there
                answer.append(exc)
            finally:
                done.set()

        limit = _bounded(timeout, httpcore.ConnectTimeout)
        threading.Thread(target=look_up, name="newswatch-resolve", daemon=True).start()
        if not done.wait(limit):
            raise _Unconnectable(f"cannot resolve {host} (no answer in {limit:.3g} s)", retryable=True)
        result = answer[0]
        if isinstance(result, (OSError, UnicodeError)):
            raise _Unconnectable(f"cannot resolve {host} ({_os_reason(result)})", retryable=True)
        if isinstance(result, BaseException):
            raise result
        return result

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:  # pragma: no cover - the fetcher never sets uds
        raise httpcore.ConnectError("newswatch does not connect to Unix sockets")


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool on ``_PinnedBackend`` (httpx.HTTPTransport takes
    no network_backend argument, so the pool it builds is replaced by an equivalent one)."""

    def __init__(self, backend: _PinnedBackend, limits: httpx.Limits) -> None:
        super().__init__(verify=_tls_context(), limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


# -- decoding bounded as it streams ---------------------------------------------------------------- #


class _Malformed(Exception):
    """A body that cannot be decoded as its Content-Encoding says."""


class _Reader(typing.Protocol):
    def read(self, limit: int) -> bytes: ...


class _RawBody:
    """The body as received, as ``read(limit)`` calls."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, limit: int) -> bytes:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._buffer = chunk
        piece, self._buffer = self._buffer[:limit], self._buffer[limit:]
        return piece


class _Inflater:
    """One gzip or deflate layer decoded on demand: ``read(limit)`` returns at most ``limit``
    bytes, and zlib's ``max_length`` keeps the rest compressed (``unconsumed_tail``) until asked
    for, so a layer never holds more than one input chunk and one output piece."""

    def __init__(self, source: _Reader, coding: str) -> None:
        self._source = source
        self._coding = coding
        self._decoder: typing.Any = None  # zlib's Decompress object (no public type)
        self._pending = b""
        self._finished = False

    def read(self, limit: int) -> bytes:
        try:
            return self._read(limit)
        except zlib.error as exc:
            raise _Malformed(f"cannot decode its {self._coding} layer ({exc})") from None

    def _read(self, limit: int) -> bytes:
        while not self._finished:
            if self._decoder is None or self._decoder.eof:
                self._start_member()
                continue
            out = self._decoder.decompress(self._pending, limit)
            self._pending = self._decoder.unused_data if self._decoder.eof else self._decoder.unconsumed_tail
            if out:
                return out
            if not self._decoder.eof and not self._pending:
                self._pending = self._source.read(_INPUT_CHUNK)
                if not self._pending:  # cut short: what was decoded is the body, as httpx had it
                    self._finished = True
        return b""

    def _start_member(self) -> None:
        """Start the stream, or (gzip) its next member; bytes after the end that do not start one
        are ignored, as browsers do."""
        while len(self._pending) < 2:
            more = self._source.read(_INPUT_CHUNK)
            if not more:
                break
            self._pending += more
        first = self._pending[:2]
        if self._coding == "gzip":
            wbits = 16 + zlib.MAX_WBITS
            starts = first == b"\x1f\x8b" or (self._decoder is None and bool(first))
        else:  # deflate is zlib-wrapped by the RFC, raw in some servers: the header tells
            wbits = zlib.MAX_WBITS if len(first) == 2 and _is_zlib_header(first) else -zlib.MAX_WBITS
            starts = self._decoder is None and bool(first)
        if not starts:
            self._finished = True
            return
        self._decoder = zlib.decompressobj(wbits)


def _is_zlib_header(first: bytes) -> bool:
    return first[0] & 0x0F == 8 and first[0] >> 4 <= 7 and (first[0] << 8 | first[1]) % 31 == 0


_CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


def content_codings(header: str) -> list[str]:
    """The decoders for a Content-Encoding value, in the order they were applied.

    Raises:
        ValueError: an encoding newswatch does not decode, or more than MAX_ENCODING_LAYERS.
    """
    codings = [c.strip().lower() for c in header.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    for coding in codings:
        if coding not in _CODINGS:
            raise ValueError(f"unsupported Content-Encoding {coding[:40]!r} (newswatch asks for gzip or deflate)")
    if len(codings) > MAX_ENCODING_LAYERS:
        raise ValueError(f"{len(codings)} layers of Content-Encoding (at most {MAX_ENCODING_LAYERS} are decoded)")
    return [_CODINGS[c] for c in codings]


# -- the fetcher ------------------------------------------------------------------------------------ #


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR), built
    once per process: loading the bundle takes ~0.1 s, as long as a whole idle cycle's polls."""
    return httpx.create_ssl_context()


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
        backend = _PinnedBackend(resolver, guard=not self.policy.allow_private_networks)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
        self._client = httpx.Client(
            transport=_PinnedTransport(backend, limits),
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
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str | None] = {}
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
        deadline = _Deadline(time.monotonic() + self.policy.total_timeout)
        token = _DEADLINE.set(deadline)
        try:
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
        finally:
            _DEADLINE.reset(token)
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects (a redirect loop?)")

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            if host not in self._host_slots:
                self._host_slots[host] = threading.BoundedSemaphore(self.policy.per_host_concurrency)
            return self._host_slots[host]

    def _fetch_once(self, url: str, headers: dict[str, str], max_bytes: int, deadline: _Deadline) -> FetchResult:
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
            except _Unconnectable as exc:
                error = AddressRefused if exc.guard else FetchError
                raise error(url, exc.reason, retryable=exc.retryable) from None
            except httpx.TimeoutException as exc:
                if deadline.remaining() <= 0.01:
                    raise FetchError(url, f"took longer than {self.policy.total_timeout:g} s", retryable=True) from None
                kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
                raise FetchError(url, f"{kind} (no answer in time)", retryable=True) from None
            except httpx.TooManyRedirects:
                raise FetchError(url, "too many redirects") from None
            except (httpx.DecodingError, httpx.RemoteProtocolError) as exc:
                raise FetchError(url, f"malformed response: {exc}", retryable=True) from None
            except _Malformed as exc:
                raise FetchError(url, f"malformed response: {exc}", retryable=True) from None
            except httpx.TransportError as exc:
                raise FetchError(url, f"cannot connect ({exc or type(exc).__name__})", retryable=True) from None
            except (httpx.InvalidURL, UnicodeError) as exc:  # e.g. idna's error for a host "xn--"
                raise FetchError(url, f"not a valid URL ({exc})") from None

    def _read_body(self, url: str, response: httpx.Response, max_bytes: int, deadline: _Deadline) -> bytes:
        """The body, decoded layer by layer from the raw stream so that at most ``max_bytes`` + 1
        decoded bytes ever exist: httpx's own decoding would inflate a whole network read through
        every layer before a byte could be counted (a 7 KB gzip-of-gzip is gigabytes)."""
        try:
            codings = content_codings(", ".join(response.headers.get_list("content-encoding")))
        except ValueError as exc:
            raise FetchError(url, str(exc)) from None
        received = 0

        def raw_chunks() -> Iterator[bytes]:
            nonlocal received
            for chunk in response.iter_raw():
                received += len(chunk)
                if received > max_bytes:  # compressed and already over: decoded can only be larger
                    raise FetchError(url, f"body is over the {max_bytes:,}-byte limit")
                yield chunk

        reader: _Reader = _RawBody(raw_chunks())
        for coding in reversed(codings):  # the last encoding applied is the first to undo
            reader = _Inflater(reader, coding)
        pieces: list[bytes] = []
        size = 0
        while piece := reader.read(min(_OUTPUT_CHUNK, max_bytes + 1 - size)):
            size += len(piece)
            if size > max_bytes:
                raise FetchError(url, f"body is over the {max_bytes:,}-byte limit")
            if deadline.remaining() <= 0:
                raise FetchError(url, f"took longer than {self.policy.total_timeout:g} s", retryable=True)
            pieces.append(piece)
        return b"".join(pieces)

    def _check_robots(self, url: str) -> None:
        """Raise if robots.txt forbids ``url``, naming the real cause: a guard refusal of the
        robots.txt fetch is the page's own refusal, and an unreadable robots.txt says so."""
        verdict = self._robots_verdict(url)
        if isinstance(verdict, str):
            raise FetchError(url, f"robots.txt could not be read ({verdict}), so the site is not fetched for now")
        if verdict is not None and not verdict.can_fetch(self.policy.user_agent, url):
            raise FetchError(url, "disallowed by the site's robots.txt")

    def _robots_verdict(self, url: str) -> urllib.robotparser.RobotFileParser | str | None:
        """RFC 9309: a missing robots.txt (4xx) allows everything (None); an unreachable one (5xx,
        network error) disallows for now (the reason, as a string). Cached per origin for the run,
        except a guard refusal, which is re-raised as the page's (and decided again next time)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._robots:
                return self._robots[origin]
        verdict: urllib.robotparser.RobotFileParser | str | None
        try:
            result = self._fetch_following_redirects(origin + "/robots.txt", {"Accept": "text/plain"}, 512_000)
            verdict = urllib.robotparser.RobotFileParser()
            verdict.parse(result.body.decode("utf-8", errors="replace").splitlines())
        except AddressRefused as exc:
            raise AddressRefused(url, exc.reason) from None
        except FetchError as exc:
            verdict = None if exc.status is not None and 400 <= exc.status < 500 else exc.reason
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
