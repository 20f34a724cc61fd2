"""Near-duplicate detection: the same wire story syndicated with small edits (pure functions).

trafilatura's own SimHash: 64 bits per text, similar texts differ in few bits.
"""

from __future__ import annotations

from trafilatura.deduplication import Simhash

# Share of equal bits above which two texts are one story. Syndicated copies with a changed
# headline, byline or sentence score above 0.9; different stories on the same event score
# well below (checked on the seeds and the development corpus in tests/test_dedup.py).
NEAR_DUPLICATE_SIMILARITY = 0.9


def text_fingerprint(text: str) -> str:
    """The text's 64-bit SimHash as 16 hex digits."""
    return f"{Simhash(text).hash:016x}"


def similarity(first: str, second: str) -> float:
    """Share of equal bits between two fingerprints (1.0: identical)."""
    differing = bin(int(first, 16) ^ int(second, 16)).count("1")
    return 1 - differing / 64


def is_near_duplicate(first: str, second: str) -> bool:
    return similarity(first, second) >= NEAR_DUPLICATE_SIMILARITY
