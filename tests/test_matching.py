"""The pattern prefilter never changes what patterns find: it only skips those that cannot match."""

from __future__ import annotations

import re

import pytest

from newswatch.contacts import _PREDICATES
from newswatch.dates import _PATTERNS
from newswatch.matching import PatternFilter, required_literals


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


def test_term_matcher_finds_what_each_terms_regex_finds() -> None:
    from newswatch.matching import TermMatcher, bounded, expand
    from newswatch.settings import load_settings

    terms = [
        p
        for topic in load_settings().topics
        for p in (*topic.terms, *topic.exclude, *(p for group in topic.require for p in group))
    ]
    terms += [r"EE\.? ?UU\.?", r"(the )?two militaries", r"\w+ance"]  # the last is not finite: a regex
    matcher = TermMatcher(terms)
    assert expand(r"defen[cs]e (ties|talks)") == {"defence ties", "defense ties", "defence talks", "defense talks"}
    assert expand(r"\w+ance") is None
    texts = [
        *TEXTS,
        "U.S.-China military ties: the two militaries' channels; the PLA, PLA-led drills and a Pentagon"
        " (pentagon) statement near the Taiwan Strait, Taiwan's and Taiwán's; EE. UU. y EEUU; finance.",
        "中美两军保持沟通，台湾问题是核心利益。Russia's and Australian officials.",
    ]
    for text in texts:
        found = matcher.find_all(text)
        for term, matches in zip(terms, found, strict=True):
            expected = [m.group(0) for m in re.compile(bounded(term), re.IGNORECASE).finditer(text)]
            assert matches == expected, (term, text)
