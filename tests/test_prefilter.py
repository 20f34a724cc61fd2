"""The pattern prefilter never changes what patterns find: it only skips those that cannot match."""

from __future__ import annotations

import re

import pytest

from newswatch.contacts import _PREDICATES
from newswatch.dates import _PATTERNS
from newswatch.prefilter import PatternFilter, required_literals


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"military (ties|relations)", {"military "}),
        (r"\bcalls?\b|\bllamada\b", {"call", "llamada"}),
        (r"(?<![\w-])(?:Taiwan Strait)(?![\w-])", {"taiwan strait"}),
        (r"\d{4}-\d{2}-\d{2}", {"-"}),
        (r"(?:a|)b?", None),  # an alternative needs nothing: no literal is required
        (r"[A-Z]\w+", None),
        (r"(?:video)?call", {"call"}),  # an optional group is not required
    ],
)
def test_required_literals(pattern: str, literals: set[str] | None) -> None:
    found = required_literals(re.compile(pattern, re.IGNORECASE))
    assert (set(found) if found is not None else None) == literals


TEXTS = [
    "Austin and Dong held a VIDEO call on Tuesday, the Pentagon said.",
    "The two defence chiefs met face-to-face on the sidelines of the forum on June 1.",
    "Hegseth spoke by phone with his Chinese counterpart, Dong Jun, last week.",
    "Los ministros conversaron por teléfono el 9 de septiembre.",
    "中美两国防长昨天举行视频通话。",
    "Stocks rose as investors weighed earnings from chipmakers.",
    "İstanbul hosted the talks; the ſtrange ıtem is here.",  # lower-casing changes offsets here
    "",
]


@pytest.mark.parametrize("patterns", [[p for _, p in _PREDICATES], [p for _, p in _PATTERNS]])
def test_the_filter_keeps_every_pattern_that_matches(patterns: list[re.Pattern[str]]) -> None:
    prefilter = PatternFilter(patterns)
    skipped_any = False
    for text in TEXTS:
        candidates = set(prefilter.candidates(text))
        matching = {i for i, pattern in enumerate(patterns) if pattern.search(text)}
        assert matching <= candidates, text
        skipped_any |= len(candidates) < len(patterns)
    assert skipped_any  # and it does filter
