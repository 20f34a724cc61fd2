"""The address guard and the network backend under the fetcher: where a socket may connect, and
for how long.

Feed links come from third parties, so a name that resolves to an address that is not public is
refused unless the operator allows it. The guard lives in the network backend that httpx's
connection pool uses (``PinnedTransport``): a name is resolved once, every address is checked, and
the connection goes to a checked address, never through a second look-up (DNS rebinding). Because
the connection is made here, proxies from the environment (``HTTP_PROXY``…) are not used.

The same backend bounds every connect, read, write and TLS handshake by the deadline of the
current attempt (``attempt_deadline``), so one total timeout covers a whole fetch.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import ipaddress
import socket
import ssl
import threading
import time
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpcore
import httpx

_ALLOW_HINT = "(set allow_private_networks: true or NEWSWATCH_ALLOW_PRIVATE_NETWORKS=1 to allow it)"

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> addresses`` (numeric strings); raises OSError when the name cannot be resolved."""


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


def guard_refusal(host: str, addresses: list[str]) -> str | None:
    """The guard's reason to refuse ``host`` (any one non-public address is enough), or None."""
    for address in addresses:
        if not is_public_address(address):
            return f"refused by the address guard: {host} resolves to the non-public address {address} {_ALLOW_HINT}"
    return None


def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver's addresses for ``host`` (getaddrinfo), in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_ip_literal(host: str) -> bool:
    """Whether ``host`` is a numeric address (IPv4, or IPv6 with an optional ``%zone``)."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def os_reason(exc: Exception) -> str:
    """The short reason of a resolver's or a socket's error, for a fetch error's message."""
    return str(getattr(exc, "strerror", None) or exc or type(exc).__name__)


# -- the network backend: one resolution, pinned; one deadline ------------------------------------ #


@dataclass
class Deadline:
    """When the current attempt must end (monotonic clock); moved on by waits we impose ourselves."""

    at: float

    def remaining(self) -> float:
        return self.at - time.monotonic()


_DEADLINE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("newswatch_fetch_deadline", default=None)
"""The deadline of the attempt running in this thread (httpx's sync client does its I/O in the
caller's thread, so the network backend sees the fetcher's deadline here)."""


@contextlib.contextmanager
def attempt_deadline(seconds: float) -> Iterator[Deadline]:
    """Bound every connect, read, write and TLS handshake made in this thread inside the block by
    one deadline ``seconds`` from now; the deadline is yielded so that waits we impose ourselves
    can move it on."""
    deadline = Deadline(time.monotonic() + seconds)
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


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


class Unconnectable(Exception):
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
        addresses = [host] if is_ip_literal(host) else self._resolve(host, port, timeout)
        if not addresses:
            raise Unconnectable(f"cannot resolve {host} (no addresses)", retryable=True)
        refusal = guard_refusal(host, addresses) if self._guard else None
        if refusal:
            raise Unconnectable(refusal, retryable=False, guard=True)
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
            raise Unconnectable(f"cannot resolve {host} (no answer in {limit:.3g} s)", retryable=True)
        result = answer[0]
        if isinstance(result, (OSError, UnicodeError)):
            raise Unconnectable(f"cannot resolve {host} ({os_reason(result)})", retryable=True)
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


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR), built
    once per process: loading the bundle takes ~0.1 s, as long as a whole idle cycle's polls."""
    return httpx.create_ssl_context()


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool on ``_PinnedBackend`` (httpx.HTTPTransport takes
    no network_backend argument, so the pool it builds is replaced by an equivalent one).

    ``resolver`` is called once per new connection; with ``guard``, the addresses it returns are
    checked by the address guard before the socket connects to one of them.
    """

    def __init__(self, resolver: Resolver, *, guard: bool, limits: httpx.Limits) -> None:
        super().__init__(verify=_tls_context(), limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(resolver, guard=guard),
        )
