"""Articles: storing them (each once, by ref and by content), their topic matches, the SimHash
fingerprints that find near-copies, which feed items are known, and counts for reports.

Each function takes a Session and never commits; the caller frames the transaction. Idempotency
lives in unique constraints and INSERT … ON CONFLICT DO NOTHING, so replaying the same article
twice, or two processes storing it at once, leaves one row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from newswatch.dedup import (
    INDEX_BLOCKS,
    MAX_DIFFERING_BITS,
    NEAR_DUPLICATE_WINDOW_DAYS,
    differ_little,
    fingerprint_value,
    index_day,
    index_key,
    index_keys,
    index_period,
    probe_masks,
    stored_fingerprint,
)
from newswatch.model import Article, TopicScore
from newswatch.storage._sql import chunks, dialect_insert, lock_in_order
from newswatch.storage.models import ArticleRow, FingerprintBandRow, TopicMatchRow, utcnow


class StoredRow(NamedTuple):
    """An article's stored id, and whether the call that returned it stored it."""

    id: int
    new: bool


class NearCopy(NamedTuple):
    """A stored original article whose text is close to another's."""

    article_id: int
    simhash: str


class ArticleListing(NamedTuple):
    """A stored article as listed for the operator (newest first)."""

    ref: str
    title: str
    published: dt.date
    feed: str | None
    topics: list[str]
    duplicate_of: str | None  # the original's ref, for a near-copy
    language: str | None
    text_source: str
    published_source: str


class TopicDay(NamedTuple):
    """How many stored articles of one day (the day they were published, or stored) matched one topic."""

    topic_id: str
    day: dt.date
    articles: int


_ARTICLES = cast(Table, ArticleRow.__table__)
_BANDS = cast(Table, FingerprintBandRow.__table__)
# Built once, so SQLAlchemy's compiled cache serves them (dialect INSERTs with ON CONFLICT are
# compiled anew at every execution in SQLAlchemy 2.0: one such statement per batch, not per row).
_ARTICLES_BY_REF_OR_CONTENT = select(_ARTICLES.c.id, _ARTICLES.c.ref, _ARTICLES.c.content_hash).where(
    or_(
        _ARTICLES.c.ref.in_(bindparam("refs", expanding=True)),
        _ARTICLES.c.content_hash.in_(bindparam("hashes", expanding=True)),
    )
)
_INDEX_BANDS = insert(_BANDS)
_MARK_DUPLICATE = (
    update(_ARTICLES).where(_ARTICLES.c.id == bindparam("near_copy")).values(duplicate_of_id=bindparam("original"))
)


def store_article(
    session: Session, article: Article, simhash: str | None = None, duplicate_of: int | None = None
) -> StoredRow:
    """Store an article unless its ref or its content is already stored; index an original's
    fingerprint (``simhash`` given, ``duplicate_of`` not).

    Returns:
        The stored article's id and whether this call stored it.
    """
    (stored,) = store_articles(session, [article], [simhash])
    if stored.new and simhash is not None:
        if duplicate_of is None:
            index_fingerprints(session, [(stored.id, article.published, simhash)])
        else:
            mark_near_duplicates(session, {stored.id: duplicate_of})
    return stored


def store_articles(session: Session, articles: Sequence[Article], simhashes: Sequence[str | None]) -> list[StoredRow]:
    """Store articles (with their SimHash, if any) in one INSERT, in order; each one unless its
    ref or its content is already stored, or is an earlier one's of the list. Near-duplicates
    and fingerprints are recorded apart (``mark_near_duplicates``, ``index_fingerprints``).

    Returns:
        For each article: the stored article's id and whether this call stored it. An article
        not stored has the id of the one stored with its ref, else of the one with its content.
    """
    if not articles:
        return []
    rows: list[dict[str, Any]] = [
        {
            "ref": article.ref,
            "title": article.title,
            "text": article.text,
            "published": article.published,
            "content_hash": article.content_hash,
            "source": article.source,
            "ingested_at": utcnow(),
            "guid": article.guid,
            "feed_url": article.feed_url,
            "text_source": article.text_source,
            "published_source": article.published_source,
            "author": _fitted(article.author, _ARTICLES.c.author),
            "site_name": _fitted(article.site_name, _ARTICLES.c.site_name),
            "language": article.language,
            "simhash": simhash,
            "duplicate_of_id": None,
        }
        for article, simhash in zip(articles, simhashes, strict=True)
    ]
    # Two workers inserting the same articles in other orders (two feeds carrying one story)
    # each waited on a row the other had inserted and not committed, in a circle ("deadlock
    # detected": one batch and its cycle failed). Their refs and contents locked first, the
    # second waits for the first to commit, then finds the articles stored.
    lock_in_order(session, [f"{key}:{row[key]}" for row in rows for key in ("ref", "content_hash")])
    # Rows are inserted in list order, each skipped if its ref or content is taken (by a stored
    # row or an earlier one of the list), so a (ref, content) pair names the first with it.
    first_with: dict[tuple[str, str], int] = {}
    for position, row in enumerate(rows):
        first_with.setdefault((row["ref"], row["content_hash"]), position)
    statement = (
        dialect_insert(session, _ARTICLES)
        .on_conflict_do_nothing()
        .returning(_ARTICLES.c.id, _ARTICLES.c.ref, _ARTICLES.c.content_hash)
    )
    ids: list[int | None] = [None] * len(rows)
    inserted_at: dict[int, int] = {}  # id: position in the list
    for inserted in session.execute(statement, rows):
        position = first_with[(inserted.ref, inserted.content_hash)]
        ids[position] = inserted.id
        inserted_at[inserted.id] = position
    skipped = [position for position, article_id in enumerate(ids) if article_id is None]
    if skipped:
        found = session.execute(
            _ARTICLES_BY_REF_OR_CONTENT,
            {"refs": [rows[p]["ref"] for p in skipped], "hashes": [rows[p]["content_hash"] for p in skipped]},
        ).all()
        by_ref = {row.ref: row.id for row in found}
        by_content = {row.content_hash: row.id for row in found}
        for position in skipped:
            # What was stored when its turn came: rows stored before, and the list's earlier ones.
            ids[position] = next(
                (
                    article_id
                    for article_id in (
                        by_ref.get(rows[position]["ref"]),
                        by_content.get(rows[position]["content_hash"]),
                    )
                    if article_id is not None and inserted_at.get(article_id, -1) < position
                ),
                None,
            )
    stored: list[StoredRow] = []
    for position, article_id in enumerate(ids):
        assert article_id is not None, f"{rows[position]['ref']} was neither stored nor found"
        stored.append(StoredRow(article_id, inserted_at.get(article_id) == position))
    return stored


def _fitted(value: str | None, column: Any) -> str | None:
    """Descriptive metadata (a page's author, its site's name) cut to its column's length, which
    PostgreSQL enforces: worth keeping in part, never worth losing the article for. (A ref or a
    GUID is an identity: one too long is refused with its article, not cut.)"""
    length = column.type.length
    return value[:length] if value is not None and length is not None else value


def mark_near_duplicates(session: Session, originals: dict[int, int]) -> None:
    """Record each stored article (key) as a near-copy of an original (value)."""
    if originals:
        session.execute(
            _MARK_DUPLICATE, [{"near_copy": copy, "original": original} for copy, original in originals.items()]
        )


def index_fingerprints(session: Session, originals: Iterable[tuple[int, dt.date, str]]) -> None:
    """Index the SimHash blocks of original articles: (id, published, SimHash)."""
    rows = [row for article_id, published, simhash in originals for row in index_rows(article_id, published, simhash)]
    if rows:
        session.execute(_INDEX_BANDS, rows)


def index_rows(article_id: int, published: dt.date, simhash: str) -> list[dict[str, Any]]:
    """The fingerprint index's rows of an original article: one per SimHash block."""
    day, stored = index_day(published), stored_fingerprint(simhash)
    return [
        {
            "block_key": index_key(index_period(published), block, value),
            "published_day": day,
            "article_id": article_id,
            "simhash": stored,
        }
        for block, value in index_keys(simhash)
    ]


def known_items(session: Session, guids: Iterable[str], refs: Iterable[str]) -> set[str]:
    """Which of these feed GUIDs and article refs (canonical URLs) are already stored."""
    guids, refs = set(guids), set(refs)
    known: set[str] = set()
    for chunk in chunks(sorted(guids)):
        known.update(g for g in session.scalars(select(ArticleRow.guid).where(ArticleRow.guid.in_(chunk))) if g)
    for chunk in chunks(sorted(refs)):
        known.update(session.scalars(select(ArticleRow.ref).where(ArticleRow.ref.in_(chunk))))
    return known


def near_duplicates(
    session: Session, published: dt.date, simhash: str, window_days: int = NEAR_DUPLICATE_WINDOW_DAYS
) -> list[NearCopy]:
    """The stored original articles published within a few days of ``published``
    whose text is a near-duplicate of ``simhash``'s, by id. Answered from the block index alone
    (it holds each original's whole SimHash): a near-duplicate's block is one of the probes."""
    return near_duplicates_of(session, [(published, simhash)], window_days)[0]


# A lookup probes each block of a fingerprint in each index period its window touches: the
# block's value and those a bit or two away (newswatch.dedup.probe_masks), each one seek on the
# key (newswatch.dedup.index_key: period, block and value in one integer) and a range of days.
# The database makes the probes: it gets one row per fingerprint, period and block, and the
# masks, the same for every lookup (on SQLite as JSON arrays, read by json_each; on PostgreSQL
# as arrays, by unnest). SQLite has no XOR operator: k ^ m is (k | m) - (k & m) (both are
# positive).
_BAND_LOOKUP_SQLITE = text(
    "SELECT q.position, b.article_id, b.simhash"
    " FROM (SELECT json_extract(value, '$[0]') AS position, json_extract(value, '$[1]') AS key,"
    " json_extract(value, '$[2]') AS block, json_extract(value, '$[3]') AS first,"
    " json_extract(value, '$[4]') AS last, json_extract(value, '$[5]') AS wanted FROM json_each(:blocks) LIMIT -1) AS q"
    # LIMIT -1 (none) keeps SQLite from flattening either subquery into the loop: each is read
    # once. Flattened, the blocks' json_extract calls ran again for each of a block's ~100
    # masks: 0.65–0.96 ms per fingerprint on an empty store, against 0.15 ms materialised.
    " CROSS JOIN (SELECT json_extract(value, '$[0]') AS block, json_extract(value, '$[1]') AS mask"
    " FROM json_each(:masks) LIMIT -1) AS m"
    " CROSS JOIN fingerprint_bands AS b"  # CROSS: SQLite keeps this order, seeking b per probe
    " WHERE m.block = q.block AND b.block_key = (q.key | m.mask) - (q.key & m.mask)"
    " AND b.published_day BETWEEN q.first AND q.last"
    # Only near-duplicates come back: a candidate made into a row for Python to compare cost
    # ~1.3 µs, the function's call on it less than 0.5 (SQLite has no bit count: the function
    # is Python's, given to each connection by storage.database).
    " AND differing_bits(b.simhash, q.wanted) <= :max_bits"
)
_BAND_LOOKUP_POSTGRESQL_SQL = (
    "SELECT q.position, b.article_id, b.simhash"
    " FROM unnest(CAST(:positions AS integer[]), CAST(:keys AS bigint[]), CAST(:blocks AS smallint[]),"
    " CAST(:firsts AS integer[]), CAST(:lasts AS integer[]), CAST(:wanted AS bigint[]))"
    " AS q(position, key, block, first, last, wanted)"
    " JOIN unnest(CAST(:mask_blocks AS smallint[]), CAST(:masks AS bigint[])) AS m(block, mask) ON m.block = q.block"
    # OFFSET 0 keeps the planner from joining the index whole (a hash join over every row, which
    # it chose on a store of 20,000): each probe is one index seek (index-only: migration 0011).
    " CROSS JOIN LATERAL (SELECT b.article_id, b.simhash FROM fingerprint_bands AS b"
    " WHERE b.block_key = q.key # m.mask AND b.published_day BETWEEN q.first AND q.last OFFSET 0) AS b"
)
_BAND_LOOKUP_POSTGRESQL = text(_BAND_LOOKUP_POSTGRESQL_SQL)
# PostgreSQL 14 and later count the differing bits themselves, so that only near-duplicates
# come back, not the ~100 candidates per lookup that millions of stored articles give.
_BAND_LOOKUP_POSTGRESQL_14 = text(
    _BAND_LOOKUP_POSTGRESQL_SQL + " WHERE bit_count(CAST(b.simhash # q.wanted AS bit(64))) <= :max_bits"
)
_FINGERPRINTS_PER_STATEMENT = 1000


def _counts_bits(session: Session) -> bool:
    """Whether the PostgreSQL server has bit_count (version 14 and later)."""
    version = session.get_bind().dialect.server_version_info
    return version is not None and version >= (14,)


def near_duplicates_of(
    session: Session, fingerprints: Sequence[tuple[dt.date, str]], window_days: int = NEAR_DUPLICATE_WINDOW_DAYS
) -> list[list[NearCopy]]:
    """``near_duplicates`` for each (published, simhash), in one query per thousand. A
    fingerprint's ~300 probes return some 100 candidate rows with 2.1 million articles in its
    window (300,000 a day), fewer than one with 10,000; each is compared as it arrives."""
    masks = [(block, mask) for block in range(len(INDEX_BLOCKS)) for mask in probe_masks(block)]
    sqlite = session.get_bind().dialect.name == "sqlite"
    found: list[set[NearCopy]] = [set() for _ in fingerprints]
    wanted = [stored_fingerprint(simhash) for _, simhash in fingerprints]  # each parsed once
    for start in range(0, len(fingerprints), _FINGERPRINTS_PER_STATEMENT):
        blocks = []  # (position, key, block, first day, last day, stored SimHash)
        for position in range(start, min(len(fingerprints), start + _FINGERPRINTS_PER_STATEMENT)):
            published, simhash = fingerprints[position]
            first, last = published - dt.timedelta(days=window_days), published + dt.timedelta(days=window_days)
            days_and_simhash = index_day(first), index_day(last), wanted[position]
            for period in range(index_period(first), index_period(last) + 1):
                blocks += [
                    (position, index_key(period, block, value), block, *days_and_simhash)
                    for block, value in index_keys(simhash)
                ]
        if sqlite:
            rows = session.execute(
                _BAND_LOOKUP_SQLITE,
                {"blocks": json.dumps(blocks), "masks": json.dumps(masks), "max_bits": MAX_DIFFERING_BITS},
            )
        else:
            columns = list(zip(*blocks, strict=True))
            mask_columns = list(zip(*masks, strict=True))
            rows = session.execute(
                _BAND_LOOKUP_POSTGRESQL_14 if _counts_bits(session) else _BAND_LOOKUP_POSTGRESQL,
                {
                    **dict(
                        zip(
                            ("positions", "keys", "blocks", "firsts", "lasts", "wanted"),
                            map(list, columns),
                            strict=True,
                        )
                    ),
                    "mask_blocks": list(mask_columns[0]),
                    "masks": list(mask_columns[1]),
                    "max_bits": MAX_DIFFERING_BITS,
                },
            )
        for position, article_id, simhash in rows:  # (filtered by the database, but on PostgreSQL 13 and older)
            value = fingerprint_value(simhash)
            if differ_little(value, fingerprint_value(wanted[position])):
                found[position].add(NearCopy(article_id, f"{value:016x}"))
    return [sorted(near) for near in found]


def store_topic_matches(session: Session, article_id: int, topics: Iterable[TopicScore]) -> None:
    """Record the topics an article matched."""
    store_topic_matches_of(session, [(article_id, topics)])


def store_topic_matches_of(session: Session, articles: Iterable[tuple[int, Iterable[TopicScore]]]) -> None:
    """Record the topics each article (id, topic scores) matched, in one statement."""
    rows = [
        {"article_id": article_id, "topic_id": topic.topic_id, "score": topic.score, "evidence": list(topic.evidence)}
        for article_id, topics in articles
        for topic in topics
        if topic.matched
    ]
    if rows:
        session.execute(dialect_insert(session, cast(Table, TopicMatchRow.__table__)).on_conflict_do_nothing(), rows)


def list_articles(session: Session, limit: int) -> list[ArticleListing]:
    """The most recently stored articles, newest first."""
    rows = session.scalars(
        select(ArticleRow).options(selectinload(ArticleRow.topics)).order_by(ArticleRow.id.desc()).limit(limit)
    ).all()
    originals = {
        row.id: row.ref
        for row in session.scalars(
            select(ArticleRow).where(ArticleRow.id.in_([r.duplicate_of_id for r in rows if r.duplicate_of_id]))
        )
    }
    return [
        ArticleListing(
            ref=row.ref,
            title=row.title,
            published=row.published,
            feed=row.feed_url,
            topics=sorted(t.topic_id for t in row.topics),
            duplicate_of=originals.get(row.duplicate_of_id) if row.duplicate_of_id else None,
            language=row.language,
            text_source=row.text_source or "file",
            published_source=row.published_source or "file",
        )
        for row in rows
    ]


# --- report --------------------------------------------------------------------------------


def count_articles(session: Session, since: dt.date | None = None, *, stored_since: dt.datetime | None = None) -> int:
    """How many articles are stored (published on or after ``since`` and stored at or after
    ``stored_since``, each if given)."""
    query = select(func.count()).select_from(ArticleRow)
    if since is not None:
        query = query.where(ArticleRow.published >= since)
    if stored_since is not None:
        query = query.where(ArticleRow.ingested_at >= stored_since)
    return session.scalar(query) or 0


def topic_articles_by_day(session: Session, since: dt.date | None = None) -> list[TopicDay]:
    """Articles per topic and publication day, oldest first."""
    query = (
        select(TopicMatchRow.topic_id, ArticleRow.published, func.count())
        .join(ArticleRow, TopicMatchRow.article_id == ArticleRow.id)
        .group_by(TopicMatchRow.topic_id, ArticleRow.published)
        .order_by(ArticleRow.published, TopicMatchRow.topic_id)
    )
    if since is not None:
        query = query.where(ArticleRow.published >= since)
    return [TopicDay(topic, day, count) for topic, day, count in session.execute(query)]


def topic_articles_by_stored_day(session: Session, stored_since: dt.datetime | None = None) -> list[TopicDay]:
    """Articles per topic and the day (UTC) they were stored, oldest first; the days are counted
    here, not in SQL, where a timestamp's day depends on the backend and its time zone."""
    query = select(TopicMatchRow.topic_id, ArticleRow.ingested_at).join(
        ArticleRow, TopicMatchRow.article_id == ArticleRow.id
    )
    if stored_since is not None:
        query = query.where(ArticleRow.ingested_at >= stored_since)
    counts = Counter((topic, stored.astimezone(dt.UTC).date()) for topic, stored in session.execute(query))
    return [TopicDay(topic, day, counts[topic, day]) for topic, day in sorted(counts, key=lambda key: (key[1], key[0]))]


def topic_volumes(session: Session, since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Articles stored in [since, until) per topic they matched."""
    rows = session.execute(
        select(TopicMatchRow.topic_id, func.count())
        .join(ArticleRow, TopicMatchRow.article_id == ArticleRow.id)
        .where(ArticleRow.ingested_at >= since, ArticleRow.ingested_at < until)
        .group_by(TopicMatchRow.topic_id)
    ).all()
    return {topic: count for topic, count in rows}
