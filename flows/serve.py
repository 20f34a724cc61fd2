"""`newswatch serve`: the flows on their schedules, in one long-running process.

Prefect's temporary server schedules nothing, so when no Prefect API is configured this starts
and supervises a local Prefect server (SQLite, in PREFECT_HOME) for as long as it serves; the
server ends with this process however it ends (see newswatch.prefect_server).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newswatch.config_schema import DigestSettings
from newswatch.digest import EPOCH
from newswatch.prefect_server import prefect_api as local_prefect_api

SERVER_START_TIMEOUT_SECONDS = 120


@contextmanager
def prefect_api(log_path: Path) -> Iterator[str]:
    """The Prefect API to use: the configured one, else a local server (with the scheduler and
    Prefect's other services) started here, tied to this process, and stopped on exit; its output
    goes to ``log_path``."""
    with local_prefect_api(log_path, timeout=SERVER_START_TIMEOUT_SECONDS, services=True) as api_url:
        yield api_url


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
    serve(*deployments, print_starting_message=False)  # type: ignore[arg-type]  # to_deployment gives a coroutine only in async code
