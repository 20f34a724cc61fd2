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
import hashlib
import random
import shutil
import statistics
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, create_engine, event, func, insert, select, text

from benchmarks.bench_scale import (
    _FILLER,
    _TABLES,
    POSTGRES_SERVER,
    _link_to_event,
    _postgres_database,
    _PostgresStores,
    _SqliteStores,
    _unsafe_but_fast,
    classified_batch,
)
from benchmarks.corpus import LAST_DAY
from benchmarks.harness import PeakMemory, Result, compared, empty_database, log, side_by_side, skipped
from newswatch.app.storing import StoredArticle, store_classifications
from newswatch.dedup import (
    NEAR_DUPLICATE_WINDOW_DAYS,
    index_keys,
    index_period,
    probe_keys,
    text_fingerprint,
)
from newswatch.model import Classification
from newswatch.notify import CONSOLE
from newswatch.storage.database import Database, create_db_engine
from newswatch.storage.models import ArticleRow, FingerprintBandRow, TopicMatchRow

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
        article_id = index + 1
        published = FIRST_DAY + dt.timedelta(days=index * DAYS // total)
        ingested = dt.datetime.combine(published, dt.time(6), dt.UTC) + dt.timedelta(minutes=rng.randrange(1080))
        host = f"news{rng.randrange(40)}.example.com"
        slug = f"{published:%Y/%m/%d}/story-{index:07d}-{rng.getrandbits(32):08x}"
        duplicate_of = None
        if index < len(planted):  # an original of a batch article, in the batch's days
            published = LAST_DAY - dt.timedelta(days=index % 3)
            simhash = _changed(planted[index], rng)
        elif recent and rng.random() < COPY_SHARE:
            duplicate_of, original = recent[rng.randrange(len(recent))]
            simhash = _changed(original, rng)
        else:
            simhash = rng.getrandbits(64)
            recent = [*recent[-199:], (article_id, simhash)]
        body = f"Report {index} from {host}. {rng.choice(_FILLER)} Reference {rng.getrandbits(48):012x}."
        rows[ArticleRow].append(
            {
                "id": article_id,
                "ref": f"https://{host}/{slug}.html",
                "title": f"Story {index}: {rng.choice(_FILLER)[:60]}",
                "text": body,
                "published": published,
                "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                "source": "feed",
                "ingested_at": ingested,
                "guid": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}",
                "feed_url": f"https://{host}/feeds/section-{rng.randrange(5)}.xml",
                "text_source": "page",
                "published_source": "page",
                "author": "Staff Reporter",
                "site_name": host,
                "language": "en",
                "simhash": f"{simhash:016x}",
                "duplicate_of_id": duplicate_of,
            }
        )
        if duplicate_of is None:
            hexadecimal, period = f"{simhash:016x}", index_period(published)
            rows[FingerprintBandRow] += [
                {"period": period, "band": band, "value": value, "published": published}
                | {"article_id": article_id, "simhash": hexadecimal}
                for band, value in index_keys(hexadecimal)
            ]
        if rng.random() < 0.35:
            rows[TopicMatchRow].append(
                {
                    "id": article_id,
                    "article_id": article_id,
                    "topic_id": rng.choice(("us-china-military", "taiwan", "south-china-sea")),
                    "score": round(rng.uniform(5, 30), 1),
                    "evidence": ["PLA ×2", "Taiwan ×1"],
                }
            )
        if index % 33 == 0:
            _link_to_event(rows, index // 33, article_id, published, ingested, rng)
    return rows


def fill(url: str, count: int, planted: list[int], seed: int) -> None:
    """Bulk-insert a week of ``count`` stored articles into an empty store."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _unsafe_but_fast)
    rng = random.Random(seed)
    started = time.perf_counter()
    for start in range(0, count, FILL_CHUNK):
        rows = _article_rows(start, min(count, start + FILL_CHUNK), count, planted, rng)
        with engine.begin() as connection:
            for table in _TABLES:
                if rows[table]:
                    connection.execute(insert(table), rows[table])
        done = min(count, start + FILL_CHUNK)
        if done % 300_000 == 0 or done == count:
            log(f"  {engine.dialect.name}: {done:,}/{count:,} articles stored ({time.perf_counter() - started:.0f} s)")
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for table in _TABLES:
                if "id" in table.__table__.c:
                    name = table.__tablename__
                    connection.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                    )
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


class _WeekSqlite(_SqliteStores):
    def __init__(self, folder: Path, planted: list[int]) -> None:
        super().__init__(folder)
        self.planted = planted

    def build(self, label: str, count: int) -> None:
        url = f"sqlite:///{self.folder / label}.db"
        empty_database(url)
        fill(url, count, self.planted, seed=count)

    def url(self, label: str) -> str:
        return f"sqlite:///{self.folder / label}.db"

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

    def build(self, label: str, count: int) -> None:
        admin = create_engine(self.database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{label}"'))
        admin.dispose()
        empty_database(self.url(label))
        fill(self.url(label), count, self.planted, seed=count)
        self.engines[label] = create_db_engine(self.url(label))

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
            table.c.period == bindparam("period"),
            table.c.band == bindparam("band"),
            table.c.value == bindparam("value"),
            table.c.published.between(bindparam("first"), bindparam("last")),
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
                        query, {"period": period, "band": band, "value": value, "first": first, "last": last}
                    ).scalar_one()
                    for band, value in probe_keys(simhash)
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
            day = row.median_s * PER_DAY
            results.append(
                Result(
                    name=day_name,
                    n=PER_DAY,
                    median_s=day,
                    reference_median_s=None,
                    ratio=day / 86_400,
                    peak_rss_mb=memory.process_mb,
                    notes=(
                        f"one day's {PER_DAY:,} articles on one core, extrapolated: median seconds per article "
                        f"of {name} × {PER_DAY:,} (ratio: share of 86,400 s)"
                    ),
                    samples_s=[s * PER_DAY for s in samples],
                )
            )
    return results
