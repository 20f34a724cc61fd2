"""The Prefect task runner the monitor fans out on, chosen from config at run time.

threads (the default) suit fetching, which waits on the network; processes and Dask also spread
trafilatura's extraction, which is CPU-bound, over cores and machines.
"""

from __future__ import annotations

import logging
import os
from typing import Any, ParamSpec, TypeVar

from prefect import Task
from prefect.futures import PrefectFutureList
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from newswatch.config_schema import MonitorSettings
from newswatch.errors import ConfigError

DEFAULT_THREADS = 4

P = ParamSpec("P")
R = TypeVar("R")


def parallel_runs(options: MonitorSettings) -> int:
    """How many task runs the monitor's work is split into."""
    if options.workers:
        return options.workers
    return DEFAULT_THREADS if options.task_runner == "threads" else (os.cpu_count() or 1)


def task_runner_for(options: MonitorSettings) -> TaskRunner:
    """A fresh (not yet started) task runner for ``options.task_runner``."""
    workers = parallel_runs(options)
    if options.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    if options.task_runner == "processes":
        return ProcessPoolTaskRunner(max_workers=workers)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise ConfigError(
            "monitor.task_runner is dask, but prefect-dask is not installed: pip install 'newswatch[dask]'"
        ) from None
    if options.dask_address:
        return DaskTaskRunner(address=options.dask_address)
    quiet = logging.DEBUG if logging.getLogger("newswatch").isEnabledFor(logging.DEBUG) else logging.WARNING
    logging.getLogger("distributed").setLevel(quiet)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
            "silence_logs": quiet,
        }
    )


def map_task(runner: TaskRunner, task: Task[P, R], parameters: dict[str, Any]) -> PrefectFutureList[R]:
    """``runner.map(task, parameters)``: one run of ``task`` per item of the mapped parameters (the
    others wrapped in ``unmapped``); the list's ``result()`` is each run's return value, in order."""
    # TaskRunner.map is annotated to take only a task typed as returning "R | Coroutine[..., R]" (no
    # synchronous task matches) and to return futures of futures; it returns a future of each R.
    return runner.map(task, parameters)  # type: ignore[arg-type, return-value]  # Prefect annotates map wrongly (above)
