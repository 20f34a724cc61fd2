"""Near-duplicate detection: the same wire story syndicated with small edits (pure functions).

trafilatura's own SimHash: 64 bits per text, similar texts differ in few bits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache
from hashlib import blake2b
from itertools import combinations

import numpy as np
from trafilatura.deduplication import sample_tokens

# Share of equal bits above which two texts are one story. Syndicated copies with a changed
# headline, byline or sentence score above 0.9; different stories on the same event score
# well below (checked on the seeds and the development corpus in tests/test_urls_and_dedup.py).
NEAR_DUPLICATE_SIMILARITY = 0.9
# An article is a near-duplicate of an original published this many days before or after it.
NEAR_DUPLICATE_WINDOW_DAYS = 3


@lru_cache(maxsize=2**16)
def _token_hash(token: str) -> int:
    return int.from_bytes(blake2b(token.encode(), digest_size=8).digest(), "big")


def text_fingerprint(text: str) -> str:
    """The text's 64-bit SimHash as 16 hex digits: trafilatura's ``Simhash`` (same tokens, same
    token hashes, same bits), with the per-bit vote counted by numpy instead of a Python loop."""
    tokens = sample_tokens(text, 64)
    hashes = np.fromiter((_token_hash(token) for token in tokens), dtype="<u8", count=len(tokens))
    bits = np.unpackbits(hashes.view(np.uint8).reshape(len(tokens), 8), axis=1, bitorder="little")
    votes = 2 * bits.sum(axis=0, dtype=np.int64) - len(tokens)  # bit i: tokens with it set minus without
    return f"{sum(1 << i for i in range(64) if votes[i] >= 0):016x}"


def similarity(first: str, second: str) -> float:
    """Share of equal bits between two fingerprints (1.0: identical)."""
    differing = (int(first, 16) ^ int(second, 16)).bit_count()
    return 1 - differing / 64


def is_near_duplicate(first: str, second: str) -> bool:
    return differ_little(int(first, 16), int(second, 16))


def differ_little(first: int, second: int) -> bool:
    """Whether two fingerprints, as integers, are of near-duplicate texts (similarity at least
    NEAR_DUPLICATE_SIMILARITY: at most MAX_DIFFERING_BITS bits differ)."""
    return (first ^ second).bit_count() <= MAX_DIFFERING_BITS


# Near-duplicates differ in at most this many of the 64 bits; split into one band more than
# that, two near-duplicates agree on a whole band (pigeonhole), so an index of bands finds
# every candidate without comparing against all stored texts.
MAX_DIFFERING_BITS = int(64 * (1 - NEAR_DUPLICATE_SIMILARITY) + 1e-9)
BANDS = MAX_DIFFERING_BITS + 1


def fingerprint_bands(fingerprint: str) -> list[tuple[int, int]]:
    """(band number, band value) for each of the BANDS slices of a 64-bit fingerprint: how the
    articles of one batch are matched in memory (``first_originals``), where exact bands of
    ~9 bits are cheap; the stored index uses ``index_keys`` and ``probe_keys``."""
    value = int(fingerprint, 16)
    bands = []
    start = 0
    for band in range(BANDS):
        width = 64 // BANDS + (1 if band < 64 % BANDS else 0)
        bands.append((band, (value >> start) & ((1 << width) - 1)))
        start += width
    return bands


# The stored index (storage table fingerprint_bands). Seven exact bands of ~9 bits each match
# 1/512 of the articles of a window: at 300,000 articles a day, some 28,000 candidates per
# lookup. Wider keys match fewer, but fewer, wider blocks no longer guarantee an unchanged one,
# so the lookup also probes the values a few bits away (multi-index hashing, Norouzi et al.,
# after Manku et al.'s permuted tables): three blocks of 22, 21 and 21 bits, probed up to 2, 1
# and 1 bits away. Two fingerprints that differ in at most 6 bits differ in at most 2 bits of
# the first block or at most 1 of another (if not, 3 + 2 + 2 = 7 bits differ), so the index
# still finds every near-duplicate. Per original: 3 rows written; per lookup: 254 + 22 + 22 =
# 298 probes, each matching one stored article in 2^21–2^22 of its window: ~100 candidates
# with 2.1 million articles in a window (300,000 a day; the `volume` benchmark), where the
# seven bands read ~27,000. Candidates still grow with volume, 250 times more slowly.
INDEX_BLOCKS = (22, 21, 21)  # widths in bits, low bits first
INDEX_RADII = (2, 1, 1)  # bits flipped when probing each block
assert sum(INDEX_BLOCKS) == 64 and sum(r + 1 for r in INDEX_RADII) > MAX_DIFFERING_BITS
# Index rows are grouped in periods of this many days, first in the key: new articles' rows and
# a lookup's probes stay in the pages of the last periods, however long the history; a lookup
# seeks each probe in the one or two periods its window touches.
INDEX_PERIOD_DAYS = 14


def index_keys(fingerprint: str) -> list[tuple[int, int]]:
    """(block number, block value) for each of the INDEX_BLOCKS of a 64-bit fingerprint: the
    keys an original is stored under."""
    value = int(fingerprint, 16)
    keys = []
    start = 0
    for block, width in enumerate(INDEX_BLOCKS):
        keys.append((block, (value >> start) & ((1 << width) - 1)))
        start += width
    return keys


@lru_cache(maxsize=len(INDEX_BLOCKS))
def probe_masks(block: int) -> tuple[int, ...]:
    """Every mask of at most INDEX_RADII[block] bits within the block: a probe is the block's
    value XOR one of them."""
    width, radius = INDEX_BLOCKS[block], INDEX_RADII[block]
    return tuple(
        sum(1 << bit for bit in bits) for flipped in range(radius + 1) for bits in combinations(range(width), flipped)
    )


def probe_keys(fingerprint: str) -> list[tuple[int, int]]:
    """The (block number, block value) keys to look up to find every stored near-duplicate of a
    fingerprint: each block's value and those at most its radius bits away."""
    return [(block, value ^ mask) for block, value in index_keys(fingerprint) for mask in probe_masks(block)]


def index_period(day: dt.date) -> int:
    """The index period (the key's leading part) of a publication day."""
    return day.toordinal() // INDEX_PERIOD_DAYS


# The stored key packs a block's period, number and value into one integer, most significant
# first, so that it sorts as (period, block, value) did as three columns. SQLite compares a
# leading integer column on a fast path, three columns one by one: with the days and SimHashes
# stored as integers too, a lookup's ~300 seeks cost half as much (0.5 against 0.8–1.1 ms a
# fingerprint with 2.1 million articles in its window; 0.10 against 0.20 ms with 10,000).
_KEY_VALUE_BITS = max(INDEX_BLOCKS)
_KEY_BLOCK_BITS = 2
assert len(INDEX_BLOCKS) <= 1 << _KEY_BLOCK_BITS


def index_key(period: int, block: int, value: int) -> int:
    """The stored key of a block's value in an index period. A probe's key is this key XOR one
    of the block's ``probe_masks``: they only flip bits of the value."""
    return (((period << _KEY_BLOCK_BITS) | block) << _KEY_VALUE_BITS) | value


def index_day(day: dt.date) -> int:
    """A publication day as the index stores it: its proleptic Gregorian ordinal."""
    return day.toordinal()


_SIXTY_FOUR_BITS = (1 << 64) - 1


def stored_fingerprint(fingerprint: str) -> int:
    """A SimHash as the index stores it: the signed 64-bit integer of the same bits (BIGINT)."""
    value = int(fingerprint, 16)
    return value - (1 << 64) if value >> 63 else value


def fingerprint_value(stored: int) -> int:
    """The SimHash, as an unsigned integer, of a stored (signed) one."""
    return stored & _SIXTY_FOUR_BITS


def first_originals(
    articles: Sequence[tuple[int, dt.date, str]],
    stored: Sequence[Iterable[int]],
    window_days: int = NEAR_DUPLICATE_WINDOW_DAYS,
) -> list[int | None]:
    """For articles stored together, in storing order ((id, published, fingerprint) each), the
    original each is a near-duplicate of, or None for an original: the first by id among the
    ``stored`` originals it is a near-duplicate of (their ids, from the band index) and the
    originals among the articles before it published within the window."""
    window = dt.timedelta(days=window_days)
    originals: dict[tuple[int, int], list[tuple[int, dt.date, int]]] = {}  # band: earlier (id, published, value)
    found: list[int | None] = []
    for (article_id, published, fingerprint), stored_ids in zip(articles, stored, strict=True):
        value = int(fingerprint, 16)
        bands = fingerprint_bands(fingerprint)
        earlier = (
            original
            for band in bands
            for original, day, other in originals.get(band, ())
            if abs(day - published) <= window and differ_little(value, other)
        )
        original = min((*stored_ids, *earlier), default=None)
        if original is None:
            for band in bands:
                originals.setdefault(band, []).append((article_id, published, value))
        found.append(original)
    return found
