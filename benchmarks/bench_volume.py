"""volume: a week at 300,000 articles a day, then a batch of new articles stored into it.

The store holds one week of articles (2,100,000; smoke 20,000) filled fast with bulk inserts,
as ``scale`` fills its stores: distinct refs, GUIDs and content hashes, 35 % topic matches, 3 %
linked to contact events. One article in ten is a syndicated copy of a story stored shortly
before it: its SimHash is the story's with 1 to 6 bits changed (mostly 1 to 3), it points at
the story, and only originals are indexed, as ``store_classifications`` does. The reference
store is the same week with 10,000 articles (smoke 1,000).

A batch of classified feed articles (500; smoke 50), published in the week's last three days,
goes through ``store_classifications`` into each store, side by side. One in ten of the batch
is planted as a near-copy: the store holds an original whose SimHash is the batch article's
with 1 to 6 bits changed, and the benchmark checks that every one is found.

Rows per backend: ``volume-<backend>``, the per-article cost with the week stored over the cost
with 10,000 stored; ``volume-day-<backend>``, that per-article cost × 300,000: one day's
articles on one core (extrapolated from the batch, not a measured day), against 86,400 s (the
ratio column is the share of the day).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, create_engine, func, select

from benchmarks.bench_scale import (
    _TABLES,
    POSTGRES_SERVER,
    _postgres_database,
    _PostgresStores,
    _SqliteStores,
    add_stored_article,
    classified_batch,
    fill_with,
)
from benchmarks.corpus import LAST_DAY
from benchmarks.harness import PeakMemory, Result, compared, log, share_of_day, side_by_side, skipped
from newswatch.app.storing import StoredArticle, store_classifications
from newswatch.dedup import (
    NEAR_DUPLICATE_WINDOW_DAYS,
    index_day,
    index_key,
    index_period,
    probe_keys,
    text_fingerprint,
)
from newswatch.model import Classification
from newswatch.notify import CONSOLE
from newswatch.storage.database import Database, create_db_engine
from newswatch.storage.models import FingerprintBandRow

PER_DAY = 300_000
DAYS = 7
SIZES = {False: (10_000, DAYS * PER_DAY), True: (1_000, 20_000)}  # (reference, week): full, smoke
BATCH = {False: 500, True: 50}
FILL_CHUNK = 20_000
COPY_SHARE = 0.1  # syndicated copies among stored articles, and planted near-copies in the batch
FIRST_DAY = LAST_DAY - dt.timedelta(days=DAYS - 1)
BENCH_DATABASE = "nw_bench_volume"  # not scale's: the two may run at once
CANDIDATE_SAMPLE = 50  # batch fingerprints whose index candidates are counted


def _changed(simhash: int, rng: random.Random) -> int:
    """A syndicated copy's SimHash: 1 to 6 bits changed, mostly few."""
    flips = rng.choices(range(1, 7), weights=(30, 25, 20, 12, 8, 5))[0]
    for bit in rng.sample(range(64), flips):
        simhash ^= 1 << bit
    return simhash


def _article_rows(
    start: int, end: int, total: int, planted: list[int], rng: random.Random
) -> dict[Any, list[dict[str, Any]]]:
    """Stored articles ``start`` to ``end`` of ``total`` in id order over the week; one in ten a
    copy of a recent story; the first ones originals of the batch's ``planted`` near-copies."""
    rows: dict[Any, list[dict[str, Any]]] = {table: [] for table in _TABLES}
    recent: list[tuple[int, int]] = []  # (id, simhash) of recent originals
    for index in range(start, end):
        published = FIRST_DAY + dt.timedelta(days=index * DAYS // total)
        duplicate_of = None
        if index < len(planted):  # an original of a batch article, in the batch's days
            published = LAST_DAY - dt.timedelta(days=index % 3)
            simhash = _changed(planted[index], rng)
        elif recent and rng.random() < COPY_SHARE:
            duplicate_of, original = recent[rng.randrange(len(recent))]
            simhash = _changed(original, rng)
        else:
            simhash = rng.getrandbits(64)
            recent = [*recent[-199:], (index + 1, simhash)]
        add_stored_article(rows, index, published, f"{simhash:016x}", duplicate_of, rng)
    return rows


def fill(url: str, count: int, planted: list[int], seed: int) -> None:
    """Bulk-insert a week of ``count`` stored articles into an empty store."""
    rng = random.Random(seed)
    fill_with(url, count, lambda start, end: _article_rows(start, end, count, planted, rng))


class _WeekSqlite(_SqliteStores):
    def __init__(self, folder: Path, planted: list[int]) -> None:
        super().__init__(folder)
        self.planted = planted

    def fill(self, url: str, count: int) -> None:
        fill(url, count, self.planted, seed=count)

    def outcomes(self, label: str, batch: list[Classification]) -> list[StoredArticle]:
        """What storing the batch into a copy of the store does (untimed)."""
        copy = self.folder / f"{label}-check.db"
        shutil.copyfile(self.folder / f"{label}.db", copy)
        engine = create_db_engine(f"sqlite:///{copy}")
        try:
            return store_classifications(Database(engine), batch, [CONSOLE])
        finally:
            engine.dispose()
            copy.unlink()


class _WeekPostgres(_PostgresStores):
    def __init__(self, database_url: str, planted: list[int]) -> None:
        super().__init__(database_url)
        self.planted = planted

    def fill(self, url: str, count: int) -> None:
        fill(url, count, self.planted, seed=count)

    def outcomes(self, label: str, batch: list[Classification]) -> list[StoredArticle]:
        """What storing the batch does, rolled back after (untimed)."""
        with self.engines[label].connect() as connection:
            outer = connection.begin()
            try:
                return store_classifications(
                    Database(connection, join_transaction_mode="create_savepoint"), batch, [CONSOLE]
                )
            finally:
                outer.rollback()


def _candidates(url: str, fingerprints: list[tuple[dt.date, str]]) -> float:
    """Mean index rows a lookup reads (candidates) for these (published, SimHash)."""
    engine = create_engine(url)
    table = cast(Table, FingerprintBandRow.__table__)
    query = (
        select(func.count())
        .select_from(table)
        .where(
            table.c.block_key == bindparam("key"),
            table.c.published_day.between(bindparam("first"), bindparam("last")),
        )
    )
    counts = []
    with engine.connect() as connection:
        for published, simhash in fingerprints:
            window = dt.timedelta(days=NEAR_DUPLICATE_WINDOW_DAYS)
            first, last = published - window, published + window
            counts.append(
                sum(
                    connection.execute(
                        query,
                        {"key": index_key(period, block, value), "first": index_day(first), "last": index_day(last)},
                    ).scalar_one()
                    for block, value in probe_keys(simhash)
                    for period in range(index_period(first), index_period(last) + 1)
                )
            )
    engine.dispose()
    return statistics.mean(counts)


def run(smoke: bool, repeat: int) -> list[Result]:
    small, large = SIZES[smoke]
    memory = PeakMemory()
    batch: list[Classification] = classified_batch(BATCH[smoke])
    planted_items = batch[:: int(1 / COPY_SHARE)]
    planted = [int(text_fingerprint(item.article.text), 16) for item in planted_items]
    log(f"batch of {len(batch)} classified feed articles ready; {len(planted)} planted as near-copies")
    sample = [(c.article.published, text_fingerprint(c.article.text)) for c in batch[:CANDIDATE_SAMPLE]]
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="nw-bench-volume-") as folder,
        _postgres_database(BENCH_DATABASE) as postgres,
    ):
        backends: dict[str, Any] = {
            "sqlite": _WeekSqlite(Path(folder), planted),
            "postgresql": _WeekPostgres(postgres, planted) if postgres else None,
        }
        for backend, stores in backends.items():
            name, day_name = f"volume-{backend}", f"volume-day-{backend}"
            if stores is None:
                reason = f"PostgreSQL not reachable at {POSTGRES_SERVER}"
                results += [skipped(name, reason), skipped(day_name, reason)]
                continue
            try:
                candidates = {}
                for label, count in (("small", small), ("large", large)):
                    log(f"{backend}: filling the {label} store ({count:,} articles over {DAYS} days)")
                    started = time.perf_counter()
                    stores.build(label, count)
                    log(f"{backend}: {label} store filled in {time.perf_counter() - started:.0f} s")
                    candidates[label] = _candidates(stores.url(label), sample)
                outcomes = stores.outcomes("large", batch)
                refs = {item.article.ref for item in planted_items}
                found = sum(1 for o in outcomes if o.ref in refs and o.duplicate_of is not None)
                samples, reference = side_by_side(
                    partial(stores.measure, "large", batch),
                    partial(stores.measure, "small", batch),
                    repeat,
                    name,
                    warm_up=True,
                )
            finally:
                stores.close()
            notes = (
                f"seconds per article with a week at {large // DAYS:,} a day stored ({large:,}) vs {small:,} "
                f"(reference); batch of {len(batch)} classified feed articles, {found}/{len(planted)} planted "
                f"near-copies found; index candidates per lookup {candidates['large']:.1f} vs "
                f"{candidates['small']:.1f}; {stores.repetition}"
            )
            row = compared(name, len(batch), samples, reference, memory.process_mb, notes=notes)
            if found != len(planted):
                row.crashed = True
                row.notes = f"near-copies missed: {notes}"
            results.append(row)
            results.append(
                share_of_day(
                    day_name,
                    PER_DAY,
                    row.median_s * PER_DAY,
                    memory.process_mb,
                    f"one day's {PER_DAY:,} articles on one core, extrapolated: median seconds per article "
                    f"of {name} × {PER_DAY:,}",
                    [s * PER_DAY for s in samples],
                )
            )
    return results
