"""`newswatch serve`: the flows on their schedules, in one long-running process.

Prefect's temporary server schedules nothing, so when no Prefect API is configured this starts
and supervises a local Prefect server (SQLite, in PREFECT_HOME) for as long as it serves.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newswatch.errors import NewswatchError

SERVER_START_TIMEOUT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def prefect_api(log_path: Path) -> Iterator[str]:
    """The Prefect API to use: $PREFECT_API_URL if set, else a local server started here and
    stopped on exit (its output goes to ``log_path``)."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured
        return
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"},
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
            while not _healthy(api_url):
                if server.poll() is not None:
                    raise NewswatchError(f"the local Prefect server exited at start; see {log_path}")
                if time.monotonic() > deadline:
                    raise NewswatchError(f"the local Prefect server did not start in time; see {log_path}")
                time.sleep(0.5)
            os.environ["PREFECT_API_URL"] = api_url
            yield api_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def serve_flows(monitor_minutes: float, deliver_minutes: float, config_dir: str | None) -> None:
    """Serve the monitor and deliver-alerts flows on their intervals until interrupted."""
    from prefect import serve

    from newswatch.flows.deliver import deliver
    from newswatch.flows.monitor import monitor

    parameters = {"config_dir": config_dir} if config_dir else {}
    serve(
        monitor.to_deployment(name="monitor", interval=monitor_minutes * 60, parameters=parameters),
        deliver.to_deployment(name="deliver-alerts", interval=deliver_minutes * 60, parameters=parameters),
        print_starting_message=False,
    )
