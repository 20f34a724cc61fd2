"""`newswatch serve`: the flows on their schedules, in one long-running process.

Prefect's temporary server schedules nothing, so when no Prefect API is configured this starts
and supervises a local Prefect server (SQLite, in PREFECT_HOME) for as long as it serves.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newswatch.digest import EPOCH
from newswatch.errors import NewswatchError
from newswatch.settings import DigestSettings

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


def digest_schedule(options: DigestSettings) -> Any:
    """The digest's Prefect schedule: every ``every_hours`` from 00:00 UTC, or daily at
    ``daily_at`` in ``timezone``; runs then fall at the start of the periods digests are for."""
    from prefect.schedules import Cron, Interval

    if options.every_hours:
        return Interval(dt.timedelta(hours=options.every_hours), anchor_date=EPOCH, timezone="UTC")
    hour, minute = (int(part) for part in options.daily_at.split(":"))
    return Cron(f"{minute} {hour} * * *", timezone=options.timezone)


def describe_digest_schedule(options: DigestSettings) -> str:
    if options.every_hours:
        return f"every {options.every_hours:g} h"
    return f"daily at {options.daily_at} {options.timezone}"


def serve_flows(
    monitor_minutes: float, deliver_minutes: float, config_dir: str | None, digest: DigestSettings | None = None
) -> None:
    """Serve the monitor and deliver-alerts flows on their intervals, and the digest flow on its
    schedule when ``digest.enabled``, until interrupted."""
    from prefect import serve

    from newswatch.flows.deliver import deliver
    from newswatch.flows.digest import digest as digest_flow
    from newswatch.flows.monitor import monitor

    parameters = {"config_dir": config_dir} if config_dir else {}
    deployments = [
        monitor.to_deployment(name="monitor", interval=monitor_minutes * 60, parameters=parameters),
        deliver.to_deployment(name="deliver-alerts", interval=deliver_minutes * 60, parameters=parameters),
    ]
    if digest is not None and digest.enabled:
        deployments.append(
            digest_flow.to_deployment(name="digest", schedule=digest_schedule(digest), parameters=parameters)
        )
    serve(*deployments, print_starting_message=False)
