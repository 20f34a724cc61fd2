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

A server can also outlive newswatch, on purpose: ``newswatch server start`` starts one detached
(no parent to die with), and ``serve`` runs one for as long as it serves. Each records itself in
``prefect-server.json`` beside its log, so that ``replay`` and ``run`` use it instead of starting
a temporary server of their own (seconds instead of ten or more; see :func:`running_server`).

Run as ``python -m newswatch.prefect_server --fd N [--parent PID] [--services]`` (the child's side).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import http.client
import json
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
SERVER_RECORD_NAME = "prefect-server.json"  # beside the server's log: the server others may use
DETACHED_START_TIMEOUT_SECONDS = 120.0
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

    def wait_ready(self, timeout: float, *, stop_on_timeout: bool = True) -> None:
        """Block until the server answers, or raise an error that names its log (and stop the
        server, unless not ``stop_on_timeout``).

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
                if stop_on_timeout:
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


def _launch(
    log_path: Path, *, services: bool, port: int, ui: bool, parent: int | None
) -> tuple[int, subprocess.Popen[bytes], int]:
    """Start the server's process listening on ``port`` (0: any free one), tied to ``parent``
    unless None; return its port, process and where its output starts in ``log_path``.

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
        command += [*(["--parent", str(parent)] if parent is not None else []), *(["--services"] if services else [])]
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
    return port, process, offset


def start_server(log_path: Path, *, services: bool = False, port: int = 0, ui: bool = False) -> LocalServer:
    """Start a local Prefect server tied to this process; return without waiting for it.

    ``services``: run Prefect's background services (the scheduler `serve` needs); without them
    the server is like Prefect's temporary one. ``port``: where it listens (0: any free port);
    ``ui``: serve Prefect's dashboard too. PREFECT_API_URL is set for this process at once; the
    server stops when this process exits, after Prefect has flushed its logs and events.

    Raises:
        PortInUseError: ``port`` is taken.
    """
    port, process, offset = _launch(log_path, services=services, port=port, ui=ui, parent=os.getpid())
    server = LocalServer(port, process, log_path, offset, os.environ.get("PREFECT_API_URL"))
    atexit.register(server.stop)  # after Prefect's own exit hooks (threading's) have drained
    _use_api_url(server.api_url)
    logger.debug("local Prefect server (pid %d) starting on %s; its log: %s", process.pid, server.api_url, log_path)
    return server


# ----- servers others may use: `newswatch server start`, `serve` --------------------------------


@dataclass(frozen=True)
class RunningServer:
    """A local Prefect server recorded for others to use (``prefect-server.json``)."""

    pid: int
    port: int
    started_by: str  # the command that started it, as the user typed it
    dashboard: bool
    started_at: str = ""  # ISO 8601, local time

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def address(self) -> str:
        """Where a browser finds it (its dashboard, when served)."""
        return f"http://127.0.0.1:{self.port}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _record_path(log_path: Path) -> Path:
    return log_path.with_name(SERVER_RECORD_NAME)


def _write_record(log_path: Path, server: RunningServer) -> None:
    record = _record_path(log_path)
    partial = record.with_suffix(".json.tmp")
    partial.write_text(json.dumps(server.__dict__, indent=1) + "\n", encoding="utf-8")
    partial.replace(record)


def _forget_record(log_path: Path, pid: int) -> None:
    """Remove the record if it is still ``pid``'s (another server may have replaced it)."""
    recorded = _read_record(log_path)
    if recorded is not None and recorded.pid == pid:
        _record_path(log_path).unlink(missing_ok=True)


def _read_record(log_path: Path) -> RunningServer | None:
    try:
        data = json.loads(_record_path(log_path).read_text(encoding="utf-8"))
        return RunningServer(
            pid=int(data["pid"]),
            port=int(data["port"]),
            started_by=str(data.get("started_by", "")),
            dashboard=bool(data.get("dashboard", False)),
            started_at=str(data.get("started_at", "")),
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


def running_server(log_path: Path, timeout: float = 1.0) -> RunningServer | None:
    """The server recorded beside ``log_path``, if its process lives and it answers within
    ``timeout`` seconds; a record whose process is gone is removed."""
    server = _read_record(log_path)
    if server is None:
        return None
    if not _process_alive(server.pid):
        _forget_record(log_path, server.pid)
        return None
    return server if _answers_health(server.port, timeout=timeout) else None


def use_server(server: RunningServer) -> None:
    """Point this process (and the flows it runs) at ``server``."""
    _use_api_url(server.api_url)


def start_detached_server(
    log_path: Path, *, port: int, ui: bool, started_by: str, timeout: float = DETACHED_START_TIMEOUT_SECONDS
) -> RunningServer:
    """Start a local Prefect server (with the scheduler and Prefect's other services) that
    outlives this process, wait until it answers, and record it for ``replay``, ``run`` and
    ``serve`` (:func:`running_server`); :func:`stop_recorded_server` stops it.

    Raises:
        PortInUseError: ``port`` is taken.
        NewswatchError: it stopped at start, or did not answer within ``timeout`` seconds.
    """
    import datetime as dt

    port, process, offset = _launch(log_path, services=True, port=port, ui=ui, parent=None)
    starting = LocalServer(port, process, log_path, offset, os.environ.get("PREFECT_API_URL"))
    starting.wait_ready(timeout)  # (stops it when it does not answer in time)
    server = RunningServer(
        process.pid, port, started_by, ui, dt.datetime.now().astimezone().isoformat(timespec="seconds")
    )
    _write_record(log_path, server)
    return server


def stop_recorded_server(log_path: Path) -> RunningServer | None:
    """Stop the server recorded beside ``log_path`` (SIGTERM, then SIGKILL after a grace
    period) and remove its record; None when none runs."""
    server = _read_record(log_path)
    if server is None:
        return None
    _record_path(log_path).unlink(missing_ok=True)
    if not _process_alive(server.pid):
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while time.monotonic() < deadline:
        if not _process_alive(server.pid) or _reaped(server.pid):
            return server
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGKILL)
    return server


def _reaped(pid: int) -> bool:
    """Whether ``pid``, a child of this process (as in tests), has ended; reaps it."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:  # not our child: its init reaps it
        return False


@dataclass
class PrefectApi:
    """The Prefect API a run uses: the configured one, a recorded local server (``reused``), or
    a temporary local server starting up (``server``)."""

    url: str | None
    server: LocalServer | None = None
    reused: RunningServer | None = None

    def wait_ready(self, timeout: float | None = None, on_wait: Callable[[], object] | None = None) -> None:
        """Wait for the temporary server, if one was started (up to Prefect's ephemeral start-up
        timeout); ``on_wait`` is called once if it is not ready within a second and a half."""
        if self.server is None:
            return
        if timeout is None:
            from prefect.settings import get_current_settings

            timeout = float(get_current_settings().server.ephemeral.startup_timeout_seconds)
        if on_wait is not None:
            with contextlib.suppress(NewswatchError):  # (it is told below, with the whole timeout)
                self.server.wait_ready(min(timeout, WAIT_NOTICE_AFTER_SECONDS), stop_on_timeout=False)
            if not self.server.ready:
                on_wait()
        self.server.wait_ready(timeout)


WAIT_NOTICE_AFTER_SECONDS = 1.5


def start_prefect_api(log_path: Path) -> PrefectApi:
    """The configured Prefect API; else the local server recorded beside ``log_path`` (``newswatch
    server start``'s or ``serve``'s), if it answers; else a temporary local server (started now,
    so that it starts while the flows load; call :meth:`PrefectApi.wait_ready` before running one)."""
    configured = configured_api_url()
    if configured or not _ephemeral_allowed():  # (without ephemeral mode Prefect says what to set)
        return PrefectApi(configured)
    recorded = running_server(log_path)
    if recorded is not None:
        use_server(recorded)
        return PrefectApi(recorded.api_url, reused=recorded)
    server = start_server(log_path)
    return PrefectApi(server.api_url, server)


@contextlib.contextmanager
def prefect_api(
    log_path: Path,
    *,
    timeout: float,
    services: bool = False,
    port: int = 0,
    ui: bool = False,
    started_by: str | None = None,
) -> Iterator[str]:
    """The Prefect API URL to use for the duration of the block: the configured one, else a
    local server started here (on ``port``, with the dashboard if ``ui``), ready, and stopped at
    the end (its output goes to ``log_path``). With ``started_by``, the server is recorded for
    others to use while it runs (:func:`running_server`).

    Raises:
        PortInUseError: ``port`` is taken.
    """
    configured = configured_api_url()
    if configured:
        yield configured
        return
    import datetime as dt

    server = start_server(log_path, services=services, port=port, ui=ui)
    try:
        server.wait_ready(timeout)
        if started_by is not None:
            started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
            _write_record(log_path, RunningServer(server.process.pid, server.port, started_by, ui, started))
        yield server.api_url
    finally:
        if started_by is not None:
            _forget_record(log_path, server.process.pid)
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
    parser.add_argument("--parent", type=int, help="the process this server ends with (none: it runs until stopped)")
    parser.add_argument("--services", action="store_true", help="run Prefect's background services")
    arguments = parser.parse_args(argv)
    if arguments.parent is not None:
        _die_with_parent(arguments.parent)
    _serve(arguments.fd, arguments.services)


if __name__ == "__main__":
    main()
