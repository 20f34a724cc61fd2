"""feed-cycle, idle-cycle and memory-feed-cycle: the real monitor flow over local news sites.

feed-cycle: wall time of one monitor cycle over 100 feeds × 20 new items (pages of 30–80 KB, full
text on) on ten hosts, into a fresh SQLite file (schema made before timing). Reference: the CPU
time that feedparser and trafilatura alone spend on the same bytes (captured from the sites
beforehand), divided by the cores the task runner can use (threads share one).

idle-cycle: the same feeds again, unchanged: every feed answers 304 Not Modified. Its ratio is
against the full cycle.

The sites run in another process; the Prefect server is started once, before any timing.
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import feedparser
import httpx
import trafilatura

from benchmarks.harness import (
    PeakMemory,
    Result,
    compared,
    empty_database,
    environment,
    log,
    prefect_server,
    side_by_side,
    timed,
)
from benchmarks.sites import NetworkSpec, NetworkUrls, serve_network
from newswatch.config_schema import MonitorSettings
from newswatch.environment import ENV_DATABASE_URL
from newswatch.flows.monitor import MonitorReport, monitor
from newswatch.flows.runners import parallel_runs
from newswatch.settings import load_settings

SPECS = {False: NetworkSpec(hosts=10, feeds=100, items=20), True: NetworkSpec(hosts=3, feeds=6, items=4)}


@dataclass(frozen=True)
class Captured:
    """The bytes the monitor will receive, saved to files (so they take no memory meanwhile)."""

    feeds: list[tuple[Path, dict[str, str], str]]  # file, response headers, URL
    pages: list[tuple[Path, str]]  # file, URL

    @property
    def page_bytes(self) -> list[int]:
        return [path.stat().st_size for path, _ in self.pages]


def capture(urls: NetworkUrls, folder: Path) -> Captured:
    """GET every feed and page once, as the monitor will (decompressed), and keep the bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    with httpx.Client(headers={"Accept-Encoding": "gzip"}, timeout=60) as client:

        def fetch(item: tuple[int, str]) -> tuple[Path, dict[str, str], str]:
            index, url = item
            response = client.get(url)
            response.raise_for_status()
            path = folder / f"{index:05d}"
            path.write_bytes(response.content)
            return path, {k.lower(): v for k, v in response.headers.items()}, url

        with ThreadPoolExecutor(8) as pool:
            feeds = list(pool.map(fetch, enumerate(urls.feeds)))
            pages = [(path, url) for path, _, url in pool.map(fetch, enumerate(urls.pages, len(urls.feeds)))]
    return Captured(feeds, pages)


def parse_and_extract_cpu(captured: Captured) -> float:
    """CPU seconds of feedparser.parse and trafilatura.extract alone on the captured bytes: the
    text newswatch asks for (no comments or tables, precision first), without metadata, which
    newswatch may skip."""
    cpu = 0.0
    for path, headers, url in captured.feeds:
        body = path.read_bytes()
        start = time.thread_time()
        feedparser.parse(io.BytesIO(body), response_headers={**headers, "content-location": url})
        cpu += time.thread_time() - start
    for path, url in captured.pages:
        page = path.read_bytes()
        start = time.thread_time()
        trafilatura.extract(page, url=url, include_comments=False, include_tables=False, favor_precision=True)
        cpu += time.thread_time() - start
    return cpu


def cores_used(options: MonitorSettings) -> int:
    """How many cores the monitor's task runner can keep busy: threads share one (the GIL)."""
    if options.task_runner == "threads":
        return 1
    return max(1, min(parallel_runs(options), os.cpu_count() or 1))


def run(smoke: bool, repeat: int) -> list[Result]:
    spec = SPECS[smoke]
    memory = PeakMemory()
    with (
        tempfile.TemporaryDirectory(prefix="nw-bench-feeds-") as tmp,
        serve_network(spec) as urls,
        prefect_server(),
        environment(NEWSWATCH_MONITOR__ALLOW_PRIVATE_NETWORKS="true"),  # the feeds are served on 127.0.0.1
    ):
        settings = load_settings()
        options = settings.core.monitor
        cores = cores_used(options)
        captured = capture(urls, Path(tmp) / "captured")
        sizes = captured.page_bytes
        log(
            f"{len(urls.feeds)} feeds, {len(urls.pages)} pages of {min(sizes) / 1024:.0f}–{max(sizes) / 1024:.0f} KB "
            f"(median {statistics.median(sizes) / 1024:.0f} KB) on {spec.hosts} hosts; task runner "
            f"{options.task_runner}, {cores} core(s); warming up"
        )
        with environment(**{ENV_DATABASE_URL: empty_database(f"sqlite:///{tmp}/warm-up.db")}):
            monitor(feed_urls=urls.feeds[:1])
        idle: list[float] = []
        reports: dict[str, MonitorReport] = {}

        def cycle(rep: int) -> float:
            with environment(**{ENV_DATABASE_URL: empty_database(f"sqlite:///{tmp}/cycle-{rep}.db")}), memory.phase():
                elapsed, reports["full"] = timed(lambda: monitor(feed_urls=urls.feeds))
                idle_elapsed, reports["idle"] = timed(lambda: monitor(feed_urls=urls.feeds))
            idle.append(idle_elapsed)
            log(f"idle cycle rep {rep + 1}: {idle_elapsed:.3f} s")
            return elapsed

        def floor(rep: int) -> float:
            return parse_and_extract_cpu(captured) / cores

        samples, reference = side_by_side(cycle, floor, repeat, "feed cycle")

    full, quiet = reports["full"], reports["idle"]
    outcome = (
        f"{len(full.polls)} feeds polled ({len(full.failed)} failed), {full.run.new_articles} new articles "
        f"({sum(1 for s in full.run.stored if s.duplicate_of is not None)} near-duplicates, "
        f"{len(full.page_failures)} pages not fetched), {len(full.run.new_events)} new events"
    )
    idle_outcome = (
        f"{len(quiet.not_modified)} of {len(quiet.polls)} feeds answered 304, {quiet.run.new_articles} new articles"
    )
    log(f"{outcome}; idle: {idle_outcome}")
    setting = (
        f"{len(urls.feeds)} feeds × {spec.items} items on {spec.hosts} hosts, pages {min(sizes) // 1024}–"
        f"{max(sizes) // 1024} KB; task runner {options.task_runner} → reference = parse+extract CPU / {cores}"
    )
    return [
        compared(
            "feed-cycle",
            spec.articles,
            samples,
            reference,
            memory.process_mb,
            throughput=True,
            notes=f"{setting}; {outcome}; sites in another process, Prefect server started once (neither timed)",
        ),
        compared(
            "idle-cycle",
            len(urls.feeds),
            idle,
            samples,
            memory.process_mb,
            notes=f"second cycle, same database: {idle_outcome}; reference = the full cycle",
        ),
        compared(
            "memory-feed-cycle",
            spec.articles,
            samples,
            [],
            memory.phase_mb,
            notes=f"peak RSS during the monitor flow runs (full + idle cycle); the whole benchmark process: {memory.process_mb:.0f} MB",
        ),
    ]
