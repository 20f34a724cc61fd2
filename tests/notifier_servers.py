"""Real local notification receivers (HTTP JSON and SMTP) for apprise-based tests."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LOCALHOST = "127.0.0.1"

# Short socket timeouts so a dead receiver fails a notify() fast instead of
# hanging on apprise's defaults (4s connect/read for HTTP, 15s for SMTP).
DEFAULT_TIMEOUT = 2.0


def _free_port(host: str = LOCALHOST) -> int:
    """Return a TCP port on *host* that is currently free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _wait_until(predicate: Any, timeout: float) -> bool:
    """Poll *predicate* until it is truthy or *timeout* seconds elapse."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


# --------------------------------------------------------------------------- #
# HTTP / JSON
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class JsonRequest:
    """One HTTP request seen by JsonReceiver, with the status it was answered."""

    method: str
    path: str
    headers: dict[str, str]
    raw_body: bytes
    body: Any
    status: int


class _JsonHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows the JsonReceiver it reports to."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], receiver: JsonReceiver) -> None:
        """Bind to *address* and remember *receiver*."""
        self.receiver = receiver
        super().__init__(address, _JsonHandler)


class _JsonHandler(BaseHTTPRequestHandler):
    """Records every request and answers with the receiver's current status."""

    server: _JsonHTTPServer

    def _handle(self) -> None:
        """Read, record and answer one request."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        status = self.server.receiver._record(
            JsonRequest(
                method=self.command,
                path=self.path,
                headers=dict(self.headers.items()),
                raw_body=raw,
                body=body,
                status=self.server.receiver.status,
            )
        )
        payload = b"{}" if status < 300 else b'{"error": "injected failure"}'
        if self.server.receiver.delay_seconds:
            time.sleep(self.server.receiver.delay_seconds)  # a slow notifier: widens the window a crash can hit
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""


class JsonReceiver:
    """Real HTTP server receiving apprise ``json://`` notifications."""

    def __init__(
        self,
        host: str = LOCALHOST,
        port: int = 0,
        path: str = "/notify",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Configure (but do not start) a receiver; port 0 picks a free one."""
        self.host = host
        self.port = port
        self.path = path
        self.timeout = timeout
        self.status = 200
        self._lock = threading.Lock()
        self.delay_seconds = 0.0
        self._requests: list[JsonRequest] = []
        self._server: _JsonHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Apprise URL that targets this receiver."""
        query = urlencode({"cto": self.timeout, "rto": self.timeout})
        return f"json://{self.host}:{self.port}{self.path}?{query}"

    @property
    def running(self) -> bool:
        """Whether the socket is currently listening."""
        return self._server is not None

    @property
    def requests(self) -> list[JsonRequest]:
        """Every request received so far, including rejected ones."""
        with self._lock:
            return list(self._requests)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """JSON payloads of accepted (2xx) requests, exactly as apprise posted them.

        Apprise's json plugin posts:
        ``{"version": "1.0", "title": ..., "message": ..., "attachments": [...],
        "type": "info" | "success" | "warning" | "failure"}``.
        """
        return [r.body for r in self.requests if 200 <= r.status < 300 and isinstance(r.body, dict)]

    def _record(self, request: JsonRequest) -> int:
        """Store *request* and return the status to answer with."""
        with self._lock:
            self._requests.append(request)
        return request.status

    def fail_with(self, status: int = 500) -> None:
        """Answer every subsequent request with *status*."""
        self.status = status

    def recover(self) -> None:
        """Answer every subsequent request with 200 again."""
        self.status = 200

    def clear(self) -> None:
        """Forget all recorded requests."""
        with self._lock:
            self._requests.clear()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least *count* messages were accepted; return them."""
        if not _wait_until(lambda: len(self.messages) >= count, timeout):
            raise TimeoutError(f"expected {count} JSON message(s), got {len(self.messages)}")
        return self.messages

    def start(self) -> None:
        """Start listening (on the same port as before, if previously started)."""
        if self._server is not None:
            return
        server = _JsonHTTPServer((self.host, self.port), self)
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"JsonReceiver:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket so new connections are refused."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> JsonReceiver:
        """Start the receiver."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the receiver."""
        self.stop()


# --------------------------------------------------------------------------- #
# SMTP
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class ReceivedEmail:
    """One message accepted by SmtpReceiver."""

    mail_from: str
    rcpt_tos: list[str]
    from_: str
    to: str
    subject: str
    text: str | None
    html: str | None
    auth_login: str | None
    message: EmailMessage = field(repr=False)


class _SmtpHandler:
    """aiosmtpd handler that hands DATA to its SmtpReceiver."""

    def __init__(self, receiver: SmtpReceiver) -> None:
        """Remember *receiver*."""
        self.receiver = receiver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Parse and record the message, or reject it if told to fail, or hang up mid-transaction."""
        if self.receiver.drop_connections:
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()  # the connection drops in the middle of DATA
            return "421 Connection dropped"
        if self.receiver.reply is not None:
            return self.receiver.reply
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        msg: EmailMessage = email.message_from_bytes(content, policy=email.policy.default)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        self.receiver._record(
            ReceivedEmail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                from_=str(msg.get("From", "")),
                to=str(msg.get("To", "")),
                subject=str(msg.get("Subject", "")),
                text=_part_text(msg, "plain"),
                html=_part_text(msg, "html"),
                auth_login=login,
                message=msg,
            )
        )
        return "250 Message accepted for delivery"


def _part_text(msg: EmailMessage, subtype: str) -> str | None:
    """Return the decoded text/<subtype> body of *msg* (CRLF -> LF), if any."""
    part = msg.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    return str(part.get_content()).replace("\r\n", "\n")


def _accept_any_credentials(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accept every login and keep its credentials on the session."""
    return AuthResult(success=True, auth_data=auth_data)


class SmtpReceiver:
    """Real SMTP server (aiosmtpd) receiving apprise ``mailto://`` notifications.

    No TLS. AUTH PLAIN/LOGIN is offered over plaintext and any credentials are
    accepted, but authentication is optional: URLs with or without user:pass work.
    """

    def __init__(
        self,
        host: str = LOCALHOST,
        port: int = 0,
        from_addr: str = "newswatch@example.com",
        to_addr: str = "analyst@example.com",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Configure (but do not start) a receiver; port 0 picks a free one."""
        self.host = host
        self.port = port or _free_port(host)
        self.from_addr = from_addr
        self.to_addr = to_addr
        self.timeout = timeout
        self.reply: str | None = None
        self._lock = threading.Lock()
        self._messages: list[ReceivedEmail] = []
        self._controller: Controller | None = None

    def url_for(self, user: str | None = None, password: str | None = None) -> str:
        """Apprise URL for this server, optionally logging in with user/password."""
        query = urlencode(
            {
                "smtp": self.host,
                "mode": "insecure",
                "from": self.from_addr,
                "to": self.to_addr,
                "cto": self.timeout,
            }
        )
        auth = f"{user}:{password}@" if user and password else ""
        return f"mailto://{auth}{self.host}:{self.port}?{query}"

    @property
    def url(self) -> str:
        """Apprise URL (no auth, no TLS) that targets this receiver."""
        return self.url_for()

    @property
    def running(self) -> bool:
        """Whether the socket is currently listening."""
        return self._controller is not None

    @property
    def messages(self) -> list[ReceivedEmail]:
        """Every accepted message so far."""
        with self._lock:
            return list(self._messages)

    def _record(self, message: ReceivedEmail) -> None:
        """Store *message*."""
        with self._lock:
            self._messages.append(message)

    drop_connections = False  # True: hang up in the middle of every DATA

    def fail_with(self, code: int = 554, text: str = "Transaction failed") -> None:
        """Reject every subsequent DATA with an SMTP error reply."""
        self.reply = f"{code} {text}"

    def recover(self) -> None:
        """Accept messages again."""
        self.reply = None

    def clear(self) -> None:
        """Forget all recorded messages."""
        with self._lock:
            self._messages.clear()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[ReceivedEmail]:
        """Block until at least *count* messages were accepted; return them."""
        if not _wait_until(lambda: len(self.messages) >= count, timeout):
            raise TimeoutError(f"expected {count} email(s), got {len(self.messages)}")
        return self.messages

    def start(self) -> None:
        """Start listening on the receiver's (fixed) port."""
        if self._controller is not None:
            return
        # aiosmtpd controllers cannot be restarted (their loop is closed on
        # stop), so each start() builds a fresh one on the same port.
        controller = Controller(
            _SmtpHandler(self),
            hostname=self.host,
            port=self.port,
            ready_timeout=5.0,
            authenticator=_accept_any_credentials,
            auth_require_tls=False,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Close the listening socket so new connections are refused."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> SmtpReceiver:
        """Start the receiver."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the receiver."""
        self.stop()


# --------------------------------------------------------------------------- #
# pytest fixtures
# --------------------------------------------------------------------------- #


@pytest.fixture
def json_receiver() -> Iterator[JsonReceiver]:
    """Yield a started JsonReceiver and stop it after the test."""
    with JsonReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """Yield a started SmtpReceiver and stop it after the test."""
    with SmtpReceiver() as receiver:
        yield receiver
