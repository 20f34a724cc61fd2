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
def prefect_api(log_path: Path, *, port: int = 0, dashboard: bool = True) -> Iterator[str]:
    """The Prefect API to use: the configured one, else a local server (with the scheduler and
    Prefect's other services, and its dashboard unless ``dashboard`` is false) started here on
    ``port``, tied to this process, and stopped on exit; its output goes to ``log_path``.

    Raises:
        PortInUseError: ``port`` is taken.
    """
    with local_prefect_api(
        log_path,
        timeout=SERVER_START_TIMEOUT_SECONDS,
        services=True,
        port=port,
        ui=dashboard,
        started_by="newswatch serve",  # replay and run use it while it serves
    ) as api_url:
        yield api_url


def dashboard_url(api_url: str) -> str:
    """Prefect's dashboard at the server of ``api_url`` (its API lives under ``/api``)."""
    return api_url.rstrip("/").removesuffix("/api")


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
    schedule when ``digest.enabled``, until interrupted; the monitor runs once at start, too.

    The first monitor cycle is a run of the same deployment, created before the runner starts;
    the schedule's first run falls one interval later. The runner runs one flow run at a time, so
    a cycle that outlasts its interval delays the next instead of overlapping it (a deployment
    concurrency limit would do that too, but its slot outlives a killed `serve` and holds the
    next one's first cycle back).
    """
    import asyncio

    from prefect.exceptions import TerminationSignal
    from prefect.runner import Runner

    from newswatch.flows.deliver import deliver
    from newswatch.flows.digest import digest as digest_flow
    from newswatch.flows.monitor import monitor

    parameters = {"config_dir": config_dir} if config_dir else {}
    deployments = [
        monitor.to_deployment(name="monitor", schedule=_interval_from_next(monitor_minutes), parameters=parameters),
        deliver.to_deployment(name="deliver-alerts", interval=deliver_minutes * 60, parameters=parameters),
    ]
    if digest is not None and digest.enabled:
        deployments.append(
            digest_flow.to_deployment(name="digest", schedule=digest_schedule(digest), parameters=parameters)
        )
    runner = Runner(pause_on_shutdown=True, limit=1)
    deployment_ids = [runner.add_deployment(deployment) for deployment in deployments]  # type: ignore[arg-type]  # to_deployment gives a coroutine only in async code
    _run_now(deployment_ids[0])
    try:
        asyncio.run(runner.start())
    except TerminationSignal as signal:
        raise KeyboardInterrupt from signal


def _interval_from_next(minutes: float) -> Any:
    """Every ``minutes``, the first scheduled run one interval from now (the run at start is
    :func:`_run_now`'s), whatever time `serve` starts at."""
    from prefect.schedules import Interval

    every = dt.timedelta(minutes=minutes)
    return Interval(every, anchor_date=dt.datetime.now(dt.UTC) + every, timezone="UTC")


def _run_now(deployment_id: Any) -> None:
    """Schedule a run of the deployment for now (the runner picks it up as it starts), unless one
    is already due (a `serve` stopped before running its first cycle left it)."""
    from prefect.client.orchestration import get_client

    due = next_run_due(deployment_id)
    if due is not None and due <= dt.datetime.now(dt.UTC):
        return
    with get_client(sync_client=True) as client:
        client.create_flow_run_from_deployment(deployment_id)


def run_line(flow: str, finished: dt.datetime, what: str, next_due: dt.datetime | None) -> str:
    """One line on a served run: when it ended, what it did, when the next is due (with its date
    when that is another day, as a daily digest's is)."""
    if next_due is None:
        due = "no next run scheduled"
    else:
        local = next_due.astimezone(finished.tzinfo)
        due = f"next run {local:%H:%M:%S}" if local.date() == finished.date() else f"next run {local:%Y-%m-%d %H:%M:%S}"
    return f"{finished:%Y-%m-%d %H:%M:%S} {flow}: {what}; {due}"


def print_run_line(flow: str, what: str) -> None:
    """In a deployment's run (`serve`'s, a worker's), print its :func:`run_line`: a served run's
    output reaches `serve`'s."""
    from prefect.runtime import deployment

    if deployment.id:
        finished = dt.datetime.now().astimezone()
        print(run_line(flow, finished, what, next_run_due(deployment.id)), flush=True)


def next_interval_time(anchor: dt.datetime, every: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The first time after ``now`` of a schedule every ``every`` from ``anchor``."""
    # Prefect's schedules give their anchor as pendulum's DateTime, and ``now - anchor`` would be
    # pendulum's Interval, which cannot be divided by a timedelta: a plain datetime's difference can.
    anchor = dt.datetime.fromisoformat(anchor.isoformat())
    if now < anchor:
        return anchor
    return anchor + every * ((now - anchor) // every + 1)


def next_run_due(deployment_id: Any) -> dt.datetime | None:
    """When the deployment's next scheduled run is due: its first scheduled run, as the Prefect
    API knows it, else (the scheduler has not made it yet, as just after `serve` starts) the next
    time of its active interval schedules."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=1,
        )
        if runs:
            return runs[0].expected_start_time
        from prefect.client.schemas.schedules import IntervalSchedule

        schedules = client.read_deployment(deployment_id).schedules
    now = dt.datetime.now(dt.UTC)
    upcoming = [
        next_interval_time(item.schedule.anchor_date, item.schedule.interval, now)
        for item in schedules
        if item.active and isinstance(item.schedule, IntervalSchedule) and item.schedule.anchor_date is not None
    ]
    return min(upcoming, default=None)
