"""The local Prefect server newswatch runs on when no Prefect API is configured, tied to its parent.

Prefect's own temporary server is a plain child process: a newswatch killed with SIGKILL left it
running, holding memory and a port, and two runs starting it together on one PREFECT_HOME raced
through its database migrations. So newswatch starts the server itself, as a child that cannot
outlive its parent:

* the child asks Linux to send it SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and a
  watchdog thread in it polls ``os.getppid()`` (the portable fallback, e.g. macOS) and forces an
  exit if a graceful stop takes too long;
* the parent binds the listening socket and hands it over, so the port is known at once and no
  two processes race for it;
* the child holds a lock file in PREFECT_HOME while its application starts (Prefect migrates its
  database then), so servers sharing a PREFECT_HOME start one after the other;
* its output goes to a log file, which every start-up error names.

PR_SET_PDEATHSIG fires when the *thread* that forked the child ends: start the server from the
main thread (the CLI does), or from a thread that lives as long as the process.

Run as ``python -m newswatch.prefect_server --fd N --parent PID [--services]`` (the child's side).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from newswatch.errors import NewswatchError

WATCH_INTERVAL_SECONDS = 0.5
# How long a server whose parent died may take to stop gracefully before it is ended.
STOP_GRACE_SECONDS = 10.0
START_LOCK_NAME = ".newswatch-server-start.lock"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_LOG_TAIL_BYTES = 16_384
_EXCEPTION_LINE = re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception): ")

logger = logging.getLogger(__name__)


def configured_api_url() -> str | None:
    """The Prefect API the user configured (environment, profile, prefect.toml…), as Prefect resolves it."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def _ephemeral_allowed() -> bool:
    from prefect.settings import get_current_settings

    return bool(get_current_settings().server.ephemeral.enabled)


def _use_api_url(url: str | None) -> None:
    """Point this process (and the processes it starts) at ``url``, or back at nothing."""
    if url is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = url
    if "prefect.context" in sys.modules:  # Prefect read its settings at import: have it read them again
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()


def _log_tail(log_path: Path, offset: int) -> str:
    """What this server last said in its log: the last exception's line, else the last line."""
    try:
        with log_path.open("rb") as log:
            log.seek(max(offset, log_path.stat().st_size - _LOG_TAIL_BYTES))
            lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        return ""
    exceptions = [line for line in lines if _EXCEPTION_LINE.match(line)]
    return (exceptions or lines or [""])[-1]


def _answers_health(port: int, timeout: float) -> bool:
    """Whether the server answers ``/api/health`` (http.client: no proxy from the environment applies)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/api/health")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


@dataclass
class LocalServer:
    """A local Prefect server started by :func:`start_server`; it ends when this process ends."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log_offset: int
    previous_api_url: str | None
    ready: bool = False
    _stopped: bool = field(default=False, repr=False)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait_ready(self, timeout: float) -> None:
        """Block until the server answers, or raise an error that names its log.

        Raises:
            NewswatchError: the server exited, or did not answer within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while not self.ready:
            code = self.process.poll()
            if code is not None:
                tail = _log_tail(self.log_path, self.log_offset)
                raise NewswatchError(
                    f"the local Prefect server stopped at start (exit code {code}"
                    f"{': ' + tail if tail else ''}); see {self.log_path}"
                )
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise NewswatchError(
                    f"the local Prefect server did not answer within {timeout:g} s; see {self.log_path}"
                )
            self.ready = _answers_health(self.port, timeout=min(left, 5.0))
            if not self.ready:
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and forget its URL. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if os.environ.get("PREFECT_API_URL") == self.api_url:
            _use_api_url(self.previous_api_url)


class PortInUseError(NewswatchError):
    """The port asked for the local Prefect server is taken."""


def _listening_socket(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:``port`` (0: any free port).

    Raises:
        PortInUseError: another process listens there.
    """
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
    except OSError as error:
        listener.close()
        raise PortInUseError(f"port {port} on 127.0.0.1 is in use ({error.strerror}); choose another") from error
    return listener


def start_server(log_path: Path, *, services: bool = False, port: int = 0, ui: bool = False) -> LocalServer:
    """Start a local Prefect server tied to this process; return without waiting for it.

    ``services``: run Prefect's background services (the scheduler `serve` needs); without them
    the server is like Prefect's temporary one. ``port``: where it listens (0: any free port);
    ``ui``: serve Prefect's dashboard too. PREFECT_API_URL is set for this process at once; the
    server stops when this process exits, after Prefect has flushed its logs and events.

    Raises:
        PortInUseError: ``port`` is taken.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    listener = _listening_socket(port)
    try:
        port = int(listener.getsockname()[1])
        mode = {"PREFECT__SERVER_FINAL": "1", "PREFECT_SERVER_UI_ENABLED": "true" if ui else "false"}
        if ui:  # the dashboard calls the API at the address Prefect's settings name, not where it is served
            mode["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{port}/api"
        if not services:
            mode["PREFECT__SERVER_EPHEMERAL"] = "1"
        command = [sys.executable, "-m", "newswatch.prefect_server", "--fd", str(listener.fileno())]
        command += ["--parent", str(os.getpid()), *(["--services"] if services else [])]
        with log_path.open("ab") as log:
            offset = log.tell()
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **mode},
                pass_fds=(listener.fileno(),),
                start_new_session=True,  # Ctrl-C reaches newswatch, which stops the server itself
            )
    finally:
        listener.close()  # the child holds it now; with the child gone, connecting is refused
    server = LocalServer(port, process, log_path, offset, os.environ.get("PREFECT_API_URL"))
    atexit.register(server.stop)  # after Prefect's own exit hooks (threading's) have drained
    _use_api_url(server.api_url)
    logger.debug("local Prefect server (pid %d) starting on %s; its log: %s", process.pid, server.api_url, log_path)
    return server


@dataclass
class PrefectApi:
    """The Prefect API a run uses: the configured one, or a local server starting up."""

    url: str | None
    server: LocalServer | None = None

    def wait_ready(self, timeout: float | None = None) -> None:
        """Wait for the local server, if one was started (up to Prefect's ephemeral start-up timeout)."""
        if self.server is not None:
            if timeout is None:
                from prefect.settings import get_current_settings

                timeout = float(get_current_settings().server.ephemeral.startup_timeout_seconds)
            self.server.wait_ready(timeout)


def start_prefect_api(log_path: Path) -> PrefectApi:
    """The configured Prefect API, else a local server (started now, so that it starts while
    the flows load; call :meth:`PrefectApi.wait_ready` before running one)."""
    configured = configured_api_url()
    if configured or not _ephemeral_allowed():  # (without ephemeral mode Prefect says what to set)
        return PrefectApi(configured)
    server = start_server(log_path)
    return PrefectApi(server.api_url, server)


@contextlib.contextmanager
def prefect_api(
    log_path: Path, *, timeout: float, services: bool = False, port: int = 0, ui: bool = False
) -> Iterator[str]:
    """The Prefect API URL to use for the duration of the block: the configured one, else a
    local server started here (on ``port``, with the dashboard if ``ui``), ready, and stopped at
    the end (its output goes to ``log_path``).

    Raises:
        PortInUseError: ``port`` is taken.
    """
    configured = configured_api_url()
    if configured:
        yield configured
        return
    server = start_server(log_path, services=services, port=port, ui=ui)
    try:
        server.wait_ready(timeout)
        yield server.api_url
    finally:
        server.stop()


# ----- the child's side -------------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends (SIGKILL included)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Poll for the parent's death (it may have died before prctl, or prctl may not exist), then
    stop as SIGTERM asks; force the exit if a graceful stop takes too long."""
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_GRACE_SECONDS)
    os._exit(1)


def _holding_lock_until_started(app: Any, lock: IO[bytes]) -> Callable[..., Any]:
    """``app`` (ASGI) releasing ``lock`` once its lifespan start-up (Prefect's migrations) is over."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)

        async def send_releasing(message: dict[str, Any]) -> None:
            if message["type"] in ("lifespan.startup.complete", "lifespan.startup.failed") and not lock.closed:
                lock.close()  # closing the file releases its flock
            await send(message)

        return await app(scope, receive, send_releasing)

    return wrapped


def _serve(fd: int, services: bool) -> None:
    import fcntl

    import uvicorn
    from prefect.server.api.server import create_app
    from prefect.settings import get_current_settings

    listener = socket.socket(fileno=fd)
    home = Path(get_current_settings().home).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    app = create_app(final=True, ephemeral=not services)
    lock = (home / START_LOCK_NAME).open("ab")
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # servers sharing this PREFECT_HOME start one at a time
    config = uvicorn.Config(
        _holding_lock_until_started(app, lock), log_level="warning", lifespan="on", timeout_graceful_shutdown=5
    )
    uvicorn.Server(config).run(sockets=[listener])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newswatch.prefect_server", description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="the listening socket, inherited")
    parser.add_argument("--parent", type=int, required=True, help="the process this server ends with")
    parser.add_argument("--services", action="store_true", help="run Prefect's background services")
    arguments = parser.parse_args(argv)
    _die_with_parent(arguments.parent)
    _serve(arguments.fd, arguments.services)


if __name__ == "__main__":
    main()
