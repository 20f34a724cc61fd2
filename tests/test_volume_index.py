"""The near-duplicate index at volume: wide blocks probed a bit or two away still find every
near-duplicate, read few candidates, and existing indexes are converted by the migration."""

from __future__ import annotations

import datetime as dt
import random
from itertools import combinations

from sqlalchemy import func, select

from newswatch.dedup import (
    INDEX_BLOCKS,
    MAX_DIFFERING_BITS,
    index_keys,
    index_period,
    is_near_duplicate,
    probe_keys,
)
from newswatch.model import Article
from newswatch.storage import articles
from newswatch.storage.database import create_db_engine, open_database
from newswatch.storage.models import FingerprintBandRow


def _flipped(value: int, bits: tuple[int, ...]) -> str:
    for bit in bits:
        value ^= 1 << bit
    return f"{value:016x}"


def test_every_near_duplicate_shares_a_probed_key() -> None:
    rng = random.Random(19)
    for _ in range(3000):
        original = rng.getrandbits(64)
        copy = _flipped(original, tuple(rng.sample(range(64), rng.randint(0, MAX_DIFFERING_BITS))))
        assert set(index_keys(f"{original:016x}")) & set(probe_keys(copy))


def test_the_hardest_spreads_of_six_bits_are_found() -> None:
    # Two bits in each block (beyond one radius-1 probe), and all six in one block.
    starts = [sum(INDEX_BLOCKS[:block]) for block in range(len(INDEX_BLOCKS))]
    original = 0x0123456789ABCDEF
    for spread in [
        tuple(start + offset for start in starts for offset in (0, 5)),
        tuple(starts[1] + offset for offset in range(6)),
        tuple(starts[2] + offset for offset in (0, 3, 6, 9, 12, 20)),
    ]:
        copy = _flipped(original, spread)
        assert is_near_duplicate(f"{original:016x}", copy)
        assert set(index_keys(f"{original:016x}")) & set(probe_keys(copy)), spread


def test_every_pair_in_the_first_block_and_every_bit_elsewhere_is_probed() -> None:
    original = 0xFEDCBA9876543210
    keys = set(index_keys(f"{original:016x}"))
    width = INDEX_BLOCKS[0]
    for bits in combinations(range(width), 2):
        assert keys & set(probe_keys(_flipped(original, bits)))
    for bit in range(width, 64):
        assert keys & set(probe_keys(_flipped(original, (bit,))))


def test_a_lookup_reads_few_candidates_and_writes_three_rows() -> None:
    """Candidates per lookup at 2.1 million articles in a window: each probe matches one stored
    fingerprint in 2^width; the seven exact 9-bit bands matched one in 512 each."""
    probes = probe_keys("0123456789abcdef")
    assert len(index_keys("0123456789abcdef")) == 3
    assert len(probes) == len(set(probes)) == 1 + 22 + 231 + 22 + 22
    expected = sum(2_100_000 / 2 ** INDEX_BLOCKS[block] for block, _ in probes)
    assert expected < 200  # old bands: 2.1M × (1/1024 + 6/512) ≈ 26,600
    assert 100 * expected < 2_100_000 * (1 / 1024 + 6 / 512)


def _article(ref: str, published: dt.date) -> Article:
    return Article(ref=ref, published=published, text=f"text of {ref}", title=ref, source="feed")


def test_near_copies_are_found_across_index_periods(database_url: str) -> None:
    sessions = open_database(database_url)
    original = 0x5A5A5A5A5A5A5A5A
    # a period boundary between the original and its copy, and copies 2-1-1 and 6 bits away
    day = dt.date.fromordinal((dt.date(2024, 4, 17).toordinal() // 14 + 1) * 14)
    assert index_period(day) != index_period(day - dt.timedelta(days=1))
    with sessions.transaction() as session:
        stored, _ = articles.store_article(
            session, _article("original", day - dt.timedelta(days=2)), f"{original:016x}"
        )
        articles.store_article(session, _article("far", day), _flipped(original, tuple(range(0, 64, 9))))  # 8 bits
    copies = [
        _flipped(original, (1, 2, 30, 50)),  # 2 bits in block 0, 1 each in blocks 1 and 2
        _flipped(original, (0, 1, 2, 3, 4, 5)),  # six bits in block 0
        _flipped(original, (22, 23, 24, 43, 44, 45)),  # three each in blocks 1 and 2
    ]
    with sessions.transaction() as session:
        found = articles.near_duplicates_of(session, [(day + dt.timedelta(days=1), copy) for copy in copies])
        outside = articles.near_duplicates(session, day + dt.timedelta(days=2), copies[0])  # 4 days apart
    assert [[near.article_id for near in each] for each in found] == [[stored]] * 3
    assert outside == []


def test_an_article_indexed_before_0010_is_found_after_it(database_url: str) -> None:
    """Stored at 0009 with its seven bands (as 0009 wrote them); the migration converts them."""
    from alembic import command
    from sqlalchemy import text

    from newswatch.storage.database import _alembic_config

    simhash = "0123456789abcdef"
    engine = create_db_engine(database_url)
    command.upgrade(_alembic_config(engine), "0009")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (ref, title, text, published, content_hash, source, ingested_at, simhash)"
                f" VALUES ('a', 't', 'x', '2024-04-17', 'h', 'feed', '2024-04-17 00:00:00', '{simhash}')"
            )
        )
        value, start = int(simhash, 16), 0
        for band, width in enumerate((10, 9, 9, 9, 9, 9, 9)):
            connection.execute(
                text(
                    "INSERT INTO fingerprint_bands (band, value, published, article_id, simhash)"
                    f" VALUES ({band}, {(value >> start) & ((1 << width) - 1)}, '2024-04-17', 1, '{simhash}')"
                )
            )
            start += width
    engine.dispose()
    sessions = open_database(database_url)  # upgrades to head
    with sessions.transaction() as session:
        rows = session.scalar(select(func.count()).select_from(FingerprintBandRow))
        found = articles.near_duplicates(session, dt.date(2024, 4, 19), _flipped(int(simhash, 16), (3, 4, 40)))
    assert rows == 3
    assert [near.article_id for near in found] == [1]


def test_simhashes_with_the_top_bit_set_are_stored_signed_and_found(database_url: str) -> None:
    """The index stores a SimHash as a signed 64-bit integer (BIGINT): one with bit 63 set is
    negative there, and still compared bit by bit."""
    sessions = open_database(database_url)
    original = 0xF0E1D2C3B4A59687
    day = dt.date(2024, 4, 17)
    with sessions.transaction() as session:
        stored, _ = articles.store_article(session, _article("original", day), f"{original:016x}")
        assert session.scalar(select(FingerprintBandRow.simhash).limit(1)) == original - (1 << 64)
    copies = [_flipped(original, (63,)), _flipped(original, (0, 21, 42, 61, 62, 63)), f"{original ^ 0x7F:016x}"]
    with sessions.transaction() as session:
        found = articles.near_duplicates_of(session, [(day, copy) for copy in copies])
    assert found[0] == found[1] == [articles.NearCopy(stored, f"{original:016x}")]
    assert found[2] == []  # 7 bits apart


def test_migration_0012_converts_the_index_and_back(database_url: str) -> None:
    """Articles indexed at 0011 (three blocks, keyed by period, band and value) are found after
    0012, and its downgrade gives back the same rows."""
    from alembic import command
    from sqlalchemy import text

    from newswatch.storage.database import _alembic_config

    fingerprints = {1: 0x0123456789ABCDEF, 2: 0xFEDCBA9876543210}  # the second's bit 63 set
    day = dt.date(2024, 4, 17)
    engine = create_db_engine(database_url)
    config = _alembic_config(engine)
    command.upgrade(config, "0011")
    with engine.begin() as connection:
        for article_id, simhash in fingerprints.items():
            connection.execute(
                text(
                    "INSERT INTO articles (id, ref, title, text, published, content_hash, source, ingested_at, simhash)"
                    f" VALUES ({article_id}, 'a{article_id}', 't', 'x', '{day}', 'h{article_id}', 'feed',"
                    f" '2024-04-17 00:00:00', '{simhash:016x}')"
                )
            )
            value, start = simhash, 0
            for band, width in enumerate((22, 21, 21)):
                connection.execute(
                    text(
                        "INSERT INTO fingerprint_bands (period, band, value, published, article_id, simhash)"
                        f" VALUES ({day.toordinal() // 14}, {band}, {(value >> start) & ((1 << width) - 1)},"
                        f" '{day}', {article_id}, '{simhash:016x}')"
                    )
                )
                start += width
        before = sorted(connection.execute(text("SELECT * FROM fingerprint_bands")).all())
    engine.dispose()
    sessions = open_database(database_url)  # upgrades to head
    with sessions.transaction() as session:
        found = articles.near_duplicates_of(
            session, [(day + dt.timedelta(days=2), _flipped(simhash, (5, 30, 60))) for simhash in fingerprints.values()]
        )
    assert [[near.article_id for near in each] for each in found] == [[1], [2]]
    engine = create_db_engine(database_url)
    command.downgrade(_alembic_config(engine), "0011")
    with engine.connect() as connection:
        after = sorted(connection.execute(text("SELECT * FROM fingerprint_bands")).all())
    engine.dispose()
    assert after == before
