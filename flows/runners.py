"""The Prefect task runner the monitor fans out on, chosen from config at run time.

threads (the default) suit fetching, which waits on the network; processes and Dask also spread
trafilatura's extraction, which is CPU-bound, over cores and machines.
"""

from __future__ import annotations

import logging
import os

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from newswatch.errors import ConfigError
from newswatch.settings import MonitorSettings

DEFAULT_THREADS = 4


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
