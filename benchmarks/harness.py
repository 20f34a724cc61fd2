"""What the benchmarks share: budgets, side-by-side timing, peak memory, a Prefect server, results.

Budgets live here, in one table. A benchmark times its contender and its reference in the same
process, alternating (contender first on even repetitions, reference first on odd ones), so that
drift on a busy machine hits both; it reports medians and their ratio.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    """What a benchmark must achieve; unset limits are not checked."""

    max_ratio: float | None = None
    max_seconds: float | None = None
    min_throughput: float | None = None
    max_rss_mb: float | None = None

    def describe(self) -> str:
        parts = []
        if self.max_ratio is not None:
            parts.append(f"ratio ≤ {self.max_ratio:g}")
        if self.max_seconds is not None:
            parts.append(f"≤ {self.max_seconds:g} s")
        if self.min_throughput is not None:
            parts.append(f"≥ {self.min_throughput:g}/s")
        if self.max_rss_mb is not None:
            parts.append(f"≤ {self.max_rss_mb:g} MB")
        return ", ".join(parts)

    def met_by(self, result: Result) -> bool:
        checks = [
            self.max_ratio is None or (result.ratio is not None and result.ratio <= self.max_ratio),
            self.max_seconds is None or result.median_s <= self.max_seconds,
            self.min_throughput is None
            or (result.throughput_per_s is not None and result.throughput_per_s >= self.min_throughput),
            self.max_rss_mb is None or result.peak_rss_mb <= self.max_rss_mb,
        ]
        return all(checks)


BUDGETS: dict[str, Budget] = {
    "classify": Budget(max_ratio=5, min_throughput=2000),
    "warm-replay": Budget(max_seconds=4),
    "orchestration": Budget(max_ratio=1.25),
    "feed-cycle": Budget(max_ratio=1.5),
    "idle-cycle": Budget(max_seconds=2, max_ratio=0.05),
    "scale-sqlite": Budget(max_ratio=1.3),
    "scale-postgresql": Budget(max_ratio=1.3),
    "volume-sqlite": Budget(max_ratio=1.5),
    "volume-postgresql": Budget(max_ratio=1.5),
    "volume-day-sqlite": Budget(max_seconds=0.2 * 86_400),  # one day's 300,000 articles on one core
    "volume-day-postgresql": Budget(max_seconds=0.2 * 86_400),
    "day-sqlite": Budget(max_seconds=0.2 * 86_400),  # the same day, stored and measured whole
    "day-postgresql": Budget(max_seconds=0.2 * 86_400),
    "memory-replay": Budget(max_rss_mb=500),
    "memory-feed-cycle": Budget(max_rss_mb=500),
    "time-to-alert": Budget(max_seconds=65, max_ratio=1.0),
    # Two process workers' monitor cycle over one worker's (and nothing stored or fetched twice:
    # that marks the row crashed); see benchmarks/README.md for why this limit.
    "workers": Budget(max_ratio=1.0),
}


@dataclass
class Result:
    """One row of the results table (and of results.json)."""

    name: str
    n: int
    median_s: float
    reference_median_s: float | None
    ratio: float | None
    peak_rss_mb: float
    throughput_per_s: float | None = None
    notes: str = ""
    samples_s: list[float] = field(default_factory=list)
    reference_samples_s: list[float] = field(default_factory=list)
    skipped: bool = False
    crashed: bool = False
    budget: str = ""
    ok: bool | None = None  # None: skipped, or not checked

    def judge(self) -> Result:
        """Fill in the budget and whether it was met."""
        budget = BUDGETS[self.name]
        self.budget = budget.describe()
        self.ok = None if self.skipped else budget.met_by(self) and not self.crashed
        return self

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def compared(
    name: str,
    n: int,
    samples: list[float],
    reference: list[float],
    peak_rss_mb: float,
    *,
    throughput: bool = False,
    notes: str = "",
) -> Result:
    """A result from contender and reference samples: medians, ratio, and n/median if asked."""
    median = statistics.median(samples)
    reference_median = statistics.median(reference) if reference else None
    return Result(
        name=name,
        n=n,
        median_s=median,
        reference_median_s=reference_median,
        ratio=median / reference_median if reference_median else None,
        peak_rss_mb=peak_rss_mb,
        throughput_per_s=n / median if throughput and median > 0 else None,
        notes=notes,
        samples_s=samples,
        reference_samples_s=reference,
    )


def skipped(name: str, reason: str) -> Result:
    return Result(name, 0, 0.0, None, None, 0.0, notes=f"skipped: {reason}", skipped=True)


def share_of_day(
    name: str, n: int, seconds: float, peak_rss_mb: float, notes: str, samples: list[float], **extra: Any
) -> Result:
    """A row of seconds for a day's articles, its ratio the share of 86,400 s."""
    return Result(
        name=name,
        n=n,
        median_s=seconds,
        reference_median_s=None,
        ratio=seconds / 86_400,
        peak_rss_mb=peak_rss_mb,
        notes=f"{notes} (ratio: share of 86,400 s)",
        samples_s=samples,
        **extra,
    )


def side_by_side(
    contender: Callable[[int], float],
    reference: Callable[[int], float],
    repeat: int,
    label: str,
    *,
    warm_up: bool = False,
) -> tuple[list[float], list[float]]:
    """Run both ``repeat`` times, alternating which goes first; each returns its own timing in seconds.

    With ``warm_up``, each first runs once untimed (as repetition -1): a row whose repetitions
    are short and whose first one ran slow (a store's first batch at 3.6–3.8 ms an article
    against ~2 ms after: the copied file still being written back, caches cold) moved its median
    of three by as much as its budget's margin.
    """
    if warm_up:
        for function in (contender, reference):
            function(-1)
        log(f"{label}: warmed up (one untimed repetition each)")
    ours: list[float] = []
    theirs: list[float] = []
    for rep in range(repeat):
        order = ((contender, ours), (reference, theirs))
        for function, samples in order if rep % 2 == 0 else reversed(order):
            samples.append(function(rep))
        log(f"{label} rep {rep + 1}/{repeat}: {format_seconds(ours[-1])} vs reference {format_seconds(theirs[-1])}")
    return ours, theirs


def format_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def timed(function: Callable[[], T]) -> tuple[float, T]:
    """Wall time of one call, and what it returned."""
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


# --------------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------------


def _rss_high_water_kb() -> int:
    """The process's peak resident set so far (since the last reset), in KB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class PeakMemory:
    """Peak RSS of the whole process and of chosen phases.

    Linux resets the high-water mark when "5" is written to /proc/self/clear_refs; where that is
    not possible, a phase's peak is the process's peak so far (an upper bound).
    """

    def __init__(self) -> None:
        self._process_kb = _rss_high_water_kb()
        self.phase_mb = 0.0
        self.resettable = Path("/proc/self/clear_refs").exists()

    @contextmanager
    def phase(self) -> Iterator[None]:
        """Track the peak of the block; the largest of all blocks is ``phase_mb``."""
        self._process_kb = max(self._process_kb, _rss_high_water_kb())
        if self.resettable:
            try:
                Path("/proc/self/clear_refs").write_text("5")
            except OSError:
                self.resettable = False
        try:
            yield
        finally:
            peak = _rss_high_water_kb()
            self._process_kb = max(self._process_kb, peak)
            self.phase_mb = max(self.phase_mb, peak / 1024)

    @property
    def process_mb(self) -> float:
        return max(self._process_kb, _rss_high_water_kb()) / 1024


# --------------------------------------------------------------------------------------------
# Prefect and the environment
# --------------------------------------------------------------------------------------------


@contextmanager
def prefect_server() -> Iterator[str]:
    """A temporary Prefect server (SQLite) for this process, as the tests start one per session;
    its start is not part of any measurement. Yields its API URL."""
    with (
        tempfile.TemporaryDirectory(prefix="nw-bench-prefect-") as home,
        environment(PREFECT_HOME=home, PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1"),
    ):
        saved_api_url = os.environ.pop("PREFECT_API_URL", None)
        from prefect.testing.utilities import prefect_test_harness

        try:
            started = time.perf_counter()
            with prefect_test_harness(server_startup_timeout=180):
                from prefect.settings import PREFECT_API_URL

                log(f"Prefect server up in {time.perf_counter() - started:.0f} s (not measured)")
                yield str(PREFECT_API_URL.value())
        finally:
            if saved_api_url is not None:
                os.environ["PREFECT_API_URL"] = saved_api_url


def empty_database(url: str) -> str:
    """Create newswatch's schema at ``url`` (outside any timing) and return the URL."""
    from newswatch.storage.database import create_db_engine, upgrade_schema

    engine = create_db_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    return url


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the block (newswatch's flows read their database and
    options from there)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr (stdout of a benchmark process is where console alerts go)."""
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)
