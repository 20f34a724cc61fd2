"""day: one day's 300,000 articles stored into a stored week, the whole day measured.

``volume`` times a batch of 500 and multiplies by 300,000 (``volume-day``). This group stores
the day itself. The store is ``volume``'s week (2,100,000 articles; smoke 20,000), filled
once per backend. Then 300,000 generated feed articles (smoke 2,000), published on the week's
last two days, go through ``store_classifications`` in monitor cycles of 1,000 (smoke 500):
at 300,000 a day, what a cycle every five minutes brings. Each cycle is classified once,
untimed, then stored into each backend in turn through a fresh engine, as a monitor cycle
(a process of its own) starts with cold caches. Nothing is rolled back: the store grows by
the day, and the day's near-copies are found among the day's own articles too.

Rows ``day-<backend>``: the seconds the day's storing took (the cycles' sum), against 17,280 s
(20 % of a day; the ratio column is the share of 86,400 s). The notes give the cost per
article in the day's first and last tenth, so that a store slowing as it grows shows, and what
the day stored. Not part of the default full run (it takes 40 minutes to an hour):
``python -m benchmarks --only day``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.bench_scale import POSTGRES_SERVER, _postgres_database, as_feed_item
from benchmarks.bench_volume import DAYS, PER_DAY, SIZES, _WeekPostgres, _WeekSqlite
from benchmarks.corpus import LAST_DAY, CorpusWriter
from benchmarks.harness import PeakMemory, Result, log, share_of_day, skipped
from newswatch.app.storing import StoredArticle, store_classifications
from newswatch.classify import Classifier
from newswatch.model import Classification
from newswatch.notify import CONSOLE
from newswatch.settings import load_settings
from newswatch.storage.database import Database, create_db_engine

DAY = {False: PER_DAY, True: 2_000}
CYCLE = {False: 1_000, True: 500}
TENTHS = 10
BENCH_DATABASE = "nw_bench_day"  # not volume's or scale's
SEED = 11  # not the batches' (7): other slugs
SITE = "day.example.com"


class _Day:
    """What storing the day into one backend took and did."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seconds: list[float] = []  # per cycle
        self.sizes: list[int] = []
        self.outcomes: Counter[str] = Counter()

    def store(self, cycle: list[Classification]) -> None:
        engine = create_db_engine(self.url)
        try:
            started = time.perf_counter()
            stored = store_classifications(Database(engine), cycle, [CONSOLE])
            self.seconds.append(time.perf_counter() - started)
        finally:
            engine.dispose()
        self.sizes.append(len(cycle))
        self.outcomes.update(_kinds(stored))

    def tenths(self) -> list[float]:
        """Seconds per article in each tenth of the day's cycles."""
        size = max(1, len(self.seconds) // TENTHS)
        return [
            sum(self.seconds[start : start + size]) / sum(self.sizes[start : start + size])
            for start in range(0, size * TENTHS, size)
            if start < len(self.seconds)
        ]


def _kinds(stored: list[StoredArticle]) -> list[str]:
    kinds = []
    for outcome in stored:
        if outcome.error:
            kinds.append("failed")
        elif not outcome.new:
            kinds.append("already stored")
        elif outcome.duplicate_of is not None:
            kinds.append("near-copies")
        else:
            kinds.append("originals")
        if outcome.event_id is not None:
            kinds.append("with a contact")
    return kinds


def _cycles(smoke: bool) -> Iterator[list[Classification]]:
    """The day's articles in monitor cycles, classified, one cycle at a time."""
    settings = load_settings()
    classifier = Classifier(settings)
    total, size = DAY[smoke], CYCLE[smoke]
    writer = CorpusWriter(settings, total, SEED, days=(LAST_DAY - dt.timedelta(days=1), LAST_DAY))
    for start in range(0, total, size):
        yield [
            classifier.classify(as_feed_item(writer.article(index), SITE))
            for index in range(start, min(total, start + size))
        ]


def run(smoke: bool, repeat: int) -> list[Result]:
    """``repeat`` is not used: the day is stored once (it takes minutes per backend)."""
    _, week = SIZES[smoke]
    total = DAY[smoke]
    memory = PeakMemory()
    results = []
    with tempfile.TemporaryDirectory(prefix="nw-bench-day-") as folder, _postgres_database(BENCH_DATABASE) as postgres:
        stores: dict[str, Any] = {"sqlite": _WeekSqlite(Path(folder), [])}
        if postgres:
            stores["postgresql"] = _WeekPostgres(postgres, [])
        try:
            days = {}
            for backend, store in stores.items():
                log(f"{backend}: filling the week ({week:,} articles over {DAYS} days)")
                started = time.perf_counter()
                store.build("week", week)
                log(f"{backend}: week filled in {time.perf_counter() - started:.0f} s")
                days[backend] = _Day(store.url("week"))
            stored = 0
            for cycle in _cycles(smoke):
                for day in days.values():
                    day.store(cycle)
                stored += len(cycle)
                if stored % (total // TENTHS) < len(cycle) or stored == total:
                    log(
                        f"day: {stored:,}/{total:,} articles stored; "
                        + ", ".join(f"{b} {sum(d.seconds):.0f} s" for b, d in days.items())
                    )
        finally:
            for store in stores.values():
                store.close()
    for backend in ("sqlite", "postgresql"):
        name = f"day-{backend}"
        if backend not in days:
            results.append(skipped(name, f"PostgreSQL not reachable at {POSTGRES_SERVER}"))
            continue
        day = days[backend]
        seconds, tenths = sum(day.seconds), day.tenths()
        outcomes = ", ".join(f"{count:,} {kind}" for kind, count in sorted(day.outcomes.items()))
        notes = (
            f"one day's {total:,} feed articles stored, measured, into a week of {week:,} in {len(day.seconds)} "
            f"cycles of {CYCLE[smoke]:,} (a fresh engine each); {tenths[0] * 1e3:.2f} ms an article in the "
            f"day's first tenth, {tenths[-1] * 1e3:.2f} ms in its last (median cycle "
            f"{statistics.median(day.seconds):.2f} s); {outcomes}"
        )
        results.append(
            share_of_day(
                name,
                total,
                seconds,
                memory.process_mb,
                notes,
                [t * total for t in tenths],  # the day at each tenth's pace
                throughput_per_s=total / seconds,
                crashed=bool(day.outcomes["failed"]),
            )
        )
    return results
