"""scale: per-article cost of storing new articles and resolving their events, small store vs large.

A batch of classified feed articles (as the monitor stores them: fingerprints, near-duplicate
check, topics, contacts, queued alerts), published in the store's last three days, goes through
``store_classifications`` into a database that already holds 10,000 or 1,000,000 articles
(smoke: 1,000 vs 10,000), on SQLite and on PostgreSQL. The ratio is the per-article cost with
the large store over the small one.

The stored articles are filled fast with bulk inserts: dates spread over three years in id
order, distinct refs, GUIDs and content hashes, random 64-bit SimHash fingerprints (indexed in
bands, as ``store_article`` does for originals), 2 % marked as near-copies, 35 % with a topic
match, 3 % linked to contact events (with participants and a sent alert). Stored events are
between officials outside the gazetteer, so every batch contact is a new event on both sizes
and the work per article is the same.

SQLite: each size is filled once and its file copied (and flushed to disk) for every
repetition. PostgreSQL: each size is a schema of a database created for the run (and dropped
after); each repetition runs in an outer transaction rolled back after it, so the pipeline's
commits are savepoints there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from benchmarks.corpus import FIRST_DAY, LAST_DAY, GeneratedArticle, generate_corpus
from benchmarks.harness import PeakMemory, Result, compared, empty_database, log, side_by_side, skipped
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.model import Article, Classification
from newswatch.notify import CONSOLE
from newswatch.settings import load_settings
from newswatch.storage.articles import index_rows
from newswatch.storage.database import Database, create_db_engine
from newswatch.storage.events import REPORTS_COUNTED_IN_GROUPS
from newswatch.storage.models import (
    AlertRow,
    ArticleRow,
    ContactEventRow,
    EventArticleRow,
    EventParticipantRow,
    EventReportGroupRow,
    FingerprintBandRow,
    TopicMatchRow,
)

SIZES = {False: (10_000, 1_000_000), True: (1_000, 10_000)}  # (small, large): full, smoke
BATCH = {False: 500, True: 50}
FILL_CHUNK = 20_000
POSTGRES_SERVER = os.environ.get(
    "NEWSWATCH_BENCH_POSTGRES_URL",
    os.environ.get("NEWSWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
BENCH_DATABASE = "nw_bench"
_TABLES = (
    ArticleRow,
    FingerprintBandRow,
    TopicMatchRow,
    ContactEventRow,
    EventParticipantRow,
    EventArticleRow,
    AlertRow,
)


# --------------------------------------------------------------------------------------------
# Filling a store
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    """Rows for articles ``start`` to ``end`` (ids start + 1 …), per table."""

    rows: dict[Any, list[dict[str, Any]]]


def _article_rows(start: int, end: int, total: int, rng: random.Random) -> _Chunk:
    """Stored articles in id order, their dates spread over three years; every 33rd is linked to
    an event (three reports per event)."""
    span = (LAST_DAY - FIRST_DAY).days
    rows: dict[Any, list[dict[str, Any]]] = {table: [] for table in _TABLES}
    for index in range(start, end):
        published = FIRST_DAY + dt.timedelta(days=index * span // total)
        is_feed = rng.random() < 0.9
        simhash = f"{rng.getrandbits(64):016x}" if is_feed else None
        duplicate_of = max(1, index + 1 - rng.randint(1, 200)) if is_feed and rng.random() < 0.02 else None
        add_stored_article(rows, index, published, simhash, duplicate_of, rng, is_feed=is_feed)
    return _Chunk(rows)


def add_stored_article(
    rows: dict[Any, list[dict[str, Any]]],
    index: int,
    published: dt.date,
    simhash: str | None,
    duplicate_of: int | None,
    rng: random.Random,
    *,
    is_feed: bool = True,
) -> None:
    """One stored article's rows (id ``index + 1``), as the pipeline leaves them: an original's
    fingerprint indexed, as store_article does; 35 % with a topic match; every 33rd linked to an
    event (three reports per event)."""
    article_id = index + 1
    ingested = dt.datetime.combine(published, dt.time(6), dt.UTC) + dt.timedelta(minutes=rng.randrange(1080))
    host = f"news{rng.randrange(40)}.example.com"
    slug = f"{published:%Y/%m/%d}/story-{index:07d}-{rng.getrandbits(32):08x}"
    text_body = (
        f"Report {index} filed from {host}. {rng.choice(_FILLER)} {rng.choice(_FILLER)} "
        f"Reference number {rng.getrandbits(48):012x}."
    )
    rows[ArticleRow].append(
        {
            "id": article_id,
            "ref": f"https://{host}/{slug}.html" if is_feed else f"{slug.replace('/', '-')}.txt",
            "title": f"Story {index}: {rng.choice(_FILLER)[:60]}",
            "text": text_body,
            "published": published,
            "content_hash": hashlib.sha256(" ".join(text_body.split()).encode()).hexdigest(),
            "source": "feed" if is_feed else "seed",
            "ingested_at": ingested,
            "guid": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}" if is_feed else None,
            "feed_url": f"https://{host}/feeds/section-{rng.randrange(5)}.xml" if is_feed else None,
            "text_source": "page" if is_feed else None,
            "published_source": "page" if is_feed else None,
            "author": "Staff Reporter",
            "site_name": host,
            "language": "en",
            "simhash": simhash,
            "duplicate_of_id": duplicate_of,
        }
    )
    if simhash is not None and duplicate_of is None:
        rows[FingerprintBandRow] += index_rows(article_id, published, simhash)
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


def _link_to_event(
    rows: dict[Any, list[dict[str, Any]]],
    report: int,
    article_id: int,
    published: dt.date,
    ingested: dt.datetime,
    rng: random.Random,
) -> None:
    event_id = report // 3 + 1
    if report % 3 == 0:  # the event's first report creates it
        us, cn = f"bench-us-{rng.randrange(80):03d}", f"bench-cn-{rng.randrange(80):03d}"
        rows[ContactEventRow].append(
            {
                "id": event_id,
                "participant_key": f"{cn}|{us}",
                "date": published - dt.timedelta(days=1),
                "mode": rng.choice(("phone_call", "video_call", "meeting", "unspecified")),
                "location": None,
                "level": "senior",
                "status": "held",
                "date_explicit": True,
                "historical": False,
                "confidence": 0.9,
                "first_seen": ingested,
                "updated_at": ingested,
            }
        )
        for position, official in enumerate((us, cn)):
            rows[EventParticipantRow].append(
                {
                    "id": 2 * event_id - 1 + position,
                    "event_id": event_id,
                    "position": position,
                    "official_id": official,
                    "name": official.replace("-", " ").title(),
                    "country": official.split("-")[1],
                    "office": "Bench Office",
                }
            )
        rows[AlertRow].append(
            {
                "id": event_id,
                "event_id": event_id,
                "channel": "console",
                "kind": "contact",
                "channel_label": "console",
                "status": "sent",
                "attempts": 1,
                "created_at": ingested,
                "sent_at": ingested,
            }
        )
    rows[EventArticleRow].append(
        {
            "id": report + 1,
            "event_id": event_id,
            "article_id": article_id,
            "reported_date": published - dt.timedelta(days=1),
            "reported_mode": "unspecified",
            "evidence": ["The two officials held talks on Tuesday."],
            "reported_status": "held",
            "confidence": 0.9,
            "rules": ["predicate “held talks” (unspecified)"],
        }
    )


_FILLER = (
    "The council approved the plan after a lengthy debate that ran late into the evening.",
    "Officials said the figures would be revised when more complete data became available.",
    "Shares in the company rose in early trading before falling back in the afternoon.",
    "The coast guard said the vessel was shadowed for several hours before leaving the area.",
    "Residents were told to expect delays on the main road for the rest of the week.",
    "The ministry said in a statement that the exercise had been planned well in advance.",
    "Analysts said the decision was broadly in line with market expectations.",
    "The team will play its next match at home on Saturday afternoon.",
)


def fill(url: str, count: int, seed: int) -> None:
    """Bulk-insert ``count`` stored articles (and their topics and events) into an empty store."""
    rng = random.Random(seed)
    fill_with(url, count, lambda start, end: _article_rows(start, end, count, rng).rows)


def fill_with(url: str, count: int, chunk_rows: Callable[[int, int], dict[Any, list[dict[str, Any]]]]) -> None:
    """Bulk-insert ``count`` stored articles into an empty store, ``chunk_rows(start, end)``
    giving each chunk's rows per table; then what autovacuum would have done by now."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _unsafe_but_fast)
    started = time.perf_counter()
    for start in range(0, count, FILL_CHUNK):
        rows = chunk_rows(start, min(count, start + FILL_CHUNK))
        with engine.begin() as connection:
            for table in _TABLES:
                if rows[table]:
                    connection.execute(insert(table), rows[table])
        done = min(count, start + FILL_CHUNK)
        if done % 200_000 == 0 or done == count:
            log(f"  {engine.dialect.name}: {done:,}/{count:,} articles stored ({time.perf_counter() - started:.0f} s)")
    with engine.begin() as connection:
        connection.execute(_GROUP_REPORTS)
        if engine.dialect.name == "postgresql":
            for table in _TABLES:
                name = table.__tablename__
                if "id" not in table.__table__.c:
                    continue
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                )
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


# The filled events' reports in their groups, as record_contact would have counted them.
_GROUP_REPORTS = insert(EventReportGroupRow).from_select(
    list(EventReportGroupRow.__table__.c.keys()),  # the key's columns, reports, first_report_id
    REPORTS_COUNTED_IN_GROUPS,
)


def _unsafe_but_fast(dbapi_connection: Any, _record: Any) -> None:
    """No fsync while filling (this connection only; the benchmark's own connections are normal)."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------


def classified_batch(size: int) -> list[Classification]:
    """``size`` generated articles as the monitor would store them (feed items), classified.

    They are news: published in the store's last three days (the stored articles' dates end
    there), as what a feed serves is recent."""
    settings = load_settings()
    classifier = Classifier(settings)
    articles = generate_corpus(settings, size, seed=7, days=(LAST_DAY - dt.timedelta(days=2), LAST_DAY))
    return [classifier.classify(as_feed_item(article, "batch.example.com")) for article in articles]


def as_feed_item(article: GeneratedArticle, site: str) -> Article:
    """A generated article as a feed of ``site`` serves it, its page's text fetched."""
    link = f"https://{site}/news/{article.slug}.html"
    return replace(
        article.as_article(),
        ref=link,
        source="feed",
        guid=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, link)}",
        feed_url=f"https://{site}/feeds/world.xml",
        text_source="page",
        published_source="page",
        language="en",
    )


# --------------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------------


class _Stores(Protocol):
    """A filled store per size (``build``) that a batch can be stored into (``measure``)."""

    repetition: str  # how a repetition starts from the filled store

    def build(self, label: str, count: int) -> None: ...

    def measure(self, label: str, batch: list[Classification], rep: int) -> float: ...

    def close(self) -> None: ...


class _SqliteStores:
    """A filled SQLite file per size; each repetition stores into a fresh copy."""

    repetition = "each repetition into a fresh copy of the filled file, written page by page"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def url(self, label: str) -> str:
        return f"sqlite:///{self.folder / label}.db"

    def fill(self, url: str, count: int) -> None:
        fill(url, count, seed=count)

    def build(self, label: str, count: int) -> None:
        empty_database(self.url(label))
        self.fill(self.url(label), count)

    def close(self) -> None:
        pass

    def measure(self, label: str, batch: list[Classification], rep: int) -> float:
        copy = self.folder / f"{label}-rep{rep}.db"
        copy_page_by_page(self.folder / f"{label}.db", copy)
        engine = create_db_engine(f"sqlite:///{copy}")
        try:
            return _store(Database(engine), batch)
        finally:
            engine.dispose()
            copy.unlink()


def copy_page_by_page(source: Path, copy: Path) -> None:
    """Copy an SQLite file one database page per write, and write the copy to disk before timing.

    A store is a file that SQLite wrote a page at a time, and the kernel caches it so. A file
    copied in one go (``shutil.copyfile``) is cached in large folios (Linux 6.16 and later, on
    ext4), and each 4 KB page that SQLite then writes back dirties, and rewrites, a whole folio:
    storing 500 articles into the week's store wrote 148 MB to the disk for SQLite's 27 MB
    (34 MB copied page by page; 25 against 17 MB for the 10,000-article store). Written to disk
    first, too: the first checkpoint's fsync would otherwise wait for the whole copy.
    """
    with open(source, "rb", buffering=0) as reading, open(copy, "wb", buffering=0) as writing:
        page_size = int.from_bytes(reading.read(100)[16:18], "big")  # the header's; 1 stands for 65,536
        page_size = 65_536 if page_size == 1 else page_size
        reading.seek(0)
        chunk = bytearray(256 * page_size)
        pages = memoryview(chunk)
        while length := reading.readinto(chunk):
            for start in range(0, length, page_size):
                writing.write(pages[start : min(start + page_size, length)])
        os.fsync(writing.fileno())


class _PostgresStores:
    """A schema per size in a database made for this run; each repetition runs in a transaction
    that is rolled back after it (the pipeline's own transactions become savepoints in it)."""

    repetition = "each repetition in an outer transaction, rolled back after it (commits become savepoints)"

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engines: dict[str, Engine] = {}

    def url(self, label: str) -> str:
        return f"{self.database_url}?options=-csearch_path%3D{label}"

    def build(self, label: str, count: int) -> None:
        admin = create_engine(self.database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{label}"'))
        admin.dispose()
        empty_database(self.url(label))
        self.fill(self.url(label), count)
        self.engines[label] = create_db_engine(self.url(label))

    def fill(self, url: str, count: int) -> None:
        fill(url, count, seed=count)

    def measure(self, label: str, batch: list[Classification], rep: int) -> float:
        # Deleting the batch afterwards instead would take hours: each deleted article makes
        # PostgreSQL scan articles.duplicate_of_id and fingerprint_bands.article_id (no index).
        with self.engines[label].connect() as connection:
            outer = connection.begin()
            try:
                sessions = Database(connection, join_transaction_mode="create_savepoint")
                return _store(sessions, batch)
            finally:
                outer.rollback()

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def _store(sessions: Database, batch: list[Classification]) -> float:
    """Seconds per article to store the batch and resolve its events, alerts queued for the
    console. Logged beside it: the user and system CPU time and the blocks the kernel wrote
    (what the wall time has beyond the CPU is waiting, mostly for the disk)."""
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    store_classifications(sessions, batch, [CONSOLE])
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    per_article = 1e3 / len(batch)
    log(
        f"  {len(batch)} articles stored: {wall * per_article:.3f} ms an article; CPU"
        f" {(after.ru_utime - before.ru_utime) * per_article:.3f} ms user,"
        f" {(after.ru_stime - before.ru_stime) * per_article:.3f} ms system;"
        f" {(after.ru_oublock - before.ru_oublock) * 512 / 1e6:.0f} MB written"
    )
    return wall / len(batch)


@contextmanager
def _postgres_database(name: str = BENCH_DATABASE) -> Iterator[str | None]:
    """A database for this run on the test server (dropped afterwards), or None if unreachable."""
    server = make_url(POSTGRES_SERVER)
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    except OperationalError as exc:
        log(f"PostgreSQL not reachable at {server.render_as_string(hide_password=True)}: {exc.orig}")
        yield None
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def run(smoke: bool, repeat: int) -> list[Result]:
    small, large = SIZES[smoke]
    memory = PeakMemory()
    batch = classified_batch(BATCH[smoke])
    log(f"batch of {len(batch)} classified feed articles ready ({sum(1 for c in batch if c.contact)} contacts)")
    results = []
    with tempfile.TemporaryDirectory(prefix="nw-bench-scale-") as folder, _postgres_database() as postgres:
        backends: dict[str, _Stores | None] = {
            "sqlite": _SqliteStores(Path(folder)),
            "postgresql": _PostgresStores(postgres) if postgres else None,
        }
        for backend, stores in backends.items():
            name = f"scale-{backend}"
            if stores is None:
                results.append(skipped(name, f"PostgreSQL not reachable at {POSTGRES_SERVER}"))
                continue
            try:
                for label, count in (("small", small), ("large", large)):
                    log(f"{backend}: filling the {label} store ({count:,} articles)")
                    stores.build(label, count)
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
                f"seconds per article with {large:,} articles stored vs {small:,} (reference); "
                f"batch of {len(batch)} classified feed articles; {stores.repetition}"
            )
            results.append(compared(name, len(batch), samples, reference, memory.process_mb, notes=notes))
    return results
