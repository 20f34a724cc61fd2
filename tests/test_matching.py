"""The fast matchers find what the plain patterns find: the prefilter only skips patterns that cannot
match, guards and expanded terms change no match, and terms are whole words (except in CJK and Korean)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newswatch.dates import PATTERNS as DATE_PATTERNS
from newswatch.detection import article, sentences, vocabulary
from newswatch.detection.vocabulary import PREDICATES as _PREDICATES
from newswatch.matching import PatternFilter, guarded, spaced
from newswatch.regex_analysis import required_literals
from newswatch.text import split_article

CORPUS = Path(__file__).parent / "corpus"


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


@pytest.mark.parametrize("patterns", [[p for _, p in _PREDICATES], [entry.pattern for entry in DATE_PATTERNS]])
def test_the_filter_keeps_every_pattern_that_matches(patterns: list[re.Pattern[str]]) -> None:
    prefilter = PatternFilter(patterns)
    skipped_any = False
    for text in TEXTS:
        candidates = set(prefilter.candidates(text))
        matching = {i for i, pattern in enumerate(patterns) if pattern.search(text)}
        assert matching <= candidates, text
        skipped_any |= len(candidates) < len(patterns)
    assert skipped_any  # and it does filter


@pytest.mark.parametrize("spaced_out", [" ", "\n\n"])
def test_the_filter_screens_spans_of_one_text_as_it_screens_each_alone(spaced_out: str) -> None:
    prefilter = PatternFilter([p for _, p in _PREDICATES])
    text = spaced_out.join(TEXTS[:6])
    spans, start = [], 0
    for part in TEXTS[:6]:
        spans.append((start, start + len(part)))
        start += len(part) + len(spaced_out)
    screened = prefilter.candidates_in_spans(text, spans)
    assert screened == [set(prefilter.candidates(text[a:b])) for a, b in spans]
    assert screened[0] == {0, 2} and screened[5] == set()  # "video call": video and call; stocks: none
    # a literal across two spans counts for neither ("al margen" of a meeting)
    assert prefilter.candidates_in_spans("Se vio al margen.", [(0, 9), (10, 17)]) == [set(), set()]
    # where lower-casing moves offsets, each span is screened alone
    odd = f"{TEXTS[6]} {TEXTS[0]}"
    assert prefilter.candidates_in_spans(odd, [(0, len(TEXTS[6])), (len(TEXTS[6]) + 1, len(odd))]) == [
        set(prefilter.candidates(TEXTS[6])),
        set(prefilter.candidates(TEXTS[0])),
    ]


def test_term_matcher_finds_what_each_terms_regex_finds() -> None:
    from newswatch.matching import TermMatcher, bounded
    from newswatch.regex_analysis import expand
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


def _unguarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern ``guarded`` was given (its look-ahead and group taken off)."""
    if not pattern.pattern.startswith("(?=["):
        return pattern
    return re.compile(pattern.pattern[pattern.pattern.index("])(?:") + 5 : -1], pattern.flags)


def _sentences() -> list[str]:
    articles = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    return [*TEXTS, *(s.text for article in articles for s in split_article(article))]


GUARDED = [
    *(p for _, p in _PREDICATES),
    *(entry.pattern for entry in DATE_PATTERNS),
    *(
        value
        for module in (vocabulary, sentences, article)
        for value in vars(module).values()
        if isinstance(value, re.Pattern)
    ),
]


def test_guarded_patterns_find_exactly_what_the_plain_ones_find() -> None:
    sentences = _sentences()
    assert sum(p is not _unguarded(p) for p in GUARDED) >= 20  # most of them are guarded
    for pattern in GUARDED:
        plain = _unguarded(pattern)
        for sentence in sentences:
            found = [(m.span(), m.groupdict()) for m in pattern.finditer(sentence)]
            assert found == [(m.span(), m.groupdict()) for m in plain.finditer(sentence)], (pattern.pattern, sentence)


@pytest.mark.parametrize(
    ("pattern", "flags", "guard"),
    [
        (r"\bdeclin|\brefus|\b(?:did not|never) meet", re.IGNORECASE, "(?=[dnr])"),
        (r"\b(?:tele)?phone", 0, None),  # an optional first group: any first character may do
        (r"[A-C]x|\d+", 0, None),  # a category (\d): not a small set
        (r"\b", 0, None),  # an empty match needs no first character
        (r"(?<![\w-])Taiwan", re.IGNORECASE, "(?=[T])"),
    ],
)
def test_guarded_prefixes_the_first_characters(pattern: str, flags: int, guard: str | None) -> None:
    compiled = guarded(re.compile(pattern, flags))
    if guard is None:
        assert compiled.pattern == pattern
    else:
        assert compiled.pattern.startswith(guard)
        assert compiled.flags == re.compile(pattern, flags).flags


def test_spaced_text_is_the_same_by_byte_table_and_by_regex() -> None:
    from newswatch.matching import _NOT_A_WORD_CHARACTER, folded

    samples = [
        "Tab\there; new\nline & (brackets) — “quotes” 'single' U.S.-China's",
        "Los ministros de Defensa conversaron «por teléfono» el 9 de septiembre… ¿Cuándo? ½ ² ÉCOLE",
        "中美两国防长举行视频通话。（记者：张三）Dong’s ‘quote’ naïve café_bar",
        "ΟΔΥΣΣΕΥΣ and ΣΑΣ: a final sigma lower-cases by context",
        "Kelvin K, long ſ, dotless ı, Ⅻ, ﬁ ligature",
        "İstanbul: lower-casing adds a character",  # no spaced text (None)
        "a lone surrogate \ud800 here",
    ]
    for text in [*_sentences(), *samples]:
        lowered = folded(text)
        expected = f" {_NOT_A_WORD_CHARACTER.sub(' ', lowered)} " if len(lowered) == len(text) else None
        assert spaced(text) == expected, text


def test_korean_and_japanese_terms_are_found_inside_words() -> None:
    from newswatch.matching import bounded

    # Korean joins particles to the word ("오스틴과", with Austin); Japanese writes no spaces.
    assert re.search(bounded("오스틴"), "로이드 오스틴과 둥쥔은")
    assert re.search(bounded("ヘグセス"), "米国のヘグセス国防長官")
    assert not re.search(bounded("Austin"), "Austinville")


def test_spaced_keywords_find_whole_words_or_anywhere_with_the_texts_offsets() -> None:
    from newswatch.matching import SpacedKeywords

    keywords = SpacedKeywords([("china", "word", True), ("美国", "cjk", False)], before=(" ",), after=(" ", "'"))
    text = "China's envoy met 美国官员 in Chinatown."
    found = keywords.find(spaced(text) or "")
    assert [(text[start:end], payload) for start, end, payload in found] == [("China", "word"), ("美国", "cjk")]
