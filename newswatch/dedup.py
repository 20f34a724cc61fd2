"""Near-duplicate detection: the same wire story syndicated with small edits (pure functions).

trafilatura's own SimHash: 64 bits per text, similar texts differ in few bits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache
from hashlib import blake2b

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
    """(band number, band value) for each of the BANDS slices of a 64-bit fingerprint."""
    value = int(fingerprint, 16)
    bands = []
    start = 0
    for band in range(BANDS):
        width = 64 // BANDS + (1 if band < 64 % BANDS else 0)
        bands.append((band, (value >> start) & ((1 << width) - 1)))
        start += width
    return bands


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
