"""The retry schedule (newswatch/backoff.py)."""

from newswatch.backoff import backoff_seconds


def test_retry_delays_grow_exponentially_with_jitter_and_a_cap() -> None:
    assert [backoff_seconds(n, 60, 3600, lambda: 0.5) for n in (1, 2, 3, 10)] == [60, 120, 240, 3600]
    assert backoff_seconds(1, 60, 3600, lambda: 0.0) == 45
    assert backoff_seconds(1, 60, 3600, lambda: 1.0) == 75


def test_backoff_without_a_cap_keeps_doubling() -> None:
    assert [backoff_seconds(n, 0.5, jitter=lambda: 0.5) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
