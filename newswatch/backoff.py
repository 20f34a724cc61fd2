"""The retry schedule: exponential backoff with jitter, for every retry newswatch makes
(a page fetched again, an alert sent again)."""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff_seconds(
    attempts: int, base_seconds: float, max_seconds: float = float("inf"), jitter: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before the next try after ``attempts`` failed ones: base × 2^(attempts-1),
    capped at ``max_seconds``, then ±25 % at random so that workers retrying together spread out.
    ``jitter`` returns a number in [0, 1) (injectable for tests)."""
    delay = min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds)
    return delay * (0.75 + 0.5 * jitter())
