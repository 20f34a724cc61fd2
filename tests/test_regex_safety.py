"""Operator regular expressions (topic terms, lexicon fragments) are refused at load when they can
backtrack catastrophically (issue 16, row 9): ``(a+)+b`` took 46 s on a 60-character article."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from newswatch.errors import ConfigError
from newswatch.lexicon import CATEGORIES, load_lexicon
from newswatch.regex_safety import backtracking_risk
from newswatch.settings import load_settings
from newswatch.topics import TopicScorer
from tests.conftest import config_folder

SHIPPED_TOPICS = Path(__file__).resolve().parent.parent / "config" / "topics.yaml"


def _topics_folder(tmp_path: Path, term: str, where: str = "terms") -> Path:
    """A config folder whose topics.yaml is the shipped one with ``term`` added to its first topic."""
    folder = config_folder(tmp_path / "config")
    topics = yaml.safe_load(SHIPPED_TOPICS.read_text(encoding="utf-8"))
    first = topics["topics"][0]
    if where == "require":
        first["require"][0].append(term)
    else:
        first.setdefault(where, {})[term] = 1
    (folder / "topics.yaml").write_text(yaml.safe_dump(topics, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize("where", ["terms", "exclude", "require"])
def test_a_backtracking_topic_term_is_refused_at_load_naming_file_topic_and_term(tmp_path: Path, where: str) -> None:
    folder = _topics_folder(tmp_path, "(a+)+b", where)
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load_settings(folder)
    assert time.perf_counter() - started < 1.0
    message = str(caught.value)
    assert str(folder / "topics.yaml") in message
    assert "us-china-military" in message  # the topic
    assert f"{where}: '(a+)+b'" in message  # the part of the topic and the term
    assert "exponential" in message
    assert "a++" in message and "(?>" in message  # the fix
    assert "Traceback" not in message and "\n" not in message


@pytest.mark.parametrize(
    "term",
    [
        "(a+)+b",
        "(a*)*b",
        r"(\w+\s?)+x",
        r"(\d+\.?)+x",
        "(a|aa)+b",
        "(a|a?)+b",
        r"(?:[^,]+,?)+;",
        "(x+x+)+y",
    ],
)
def test_dangerous_forms_are_refused_and_really_are_slow(term: str) -> None:
    """Each refused form takes exponential time: 2^k tries for k more characters."""
    assert backtracking_risk(term, re.IGNORECASE) is not None
    pattern = re.compile(term, re.IGNORECASE)
    subject = {"(x+x+)+y": "x", r"(\d+\.?)+x": "1", r"(?:[^,]+,?)+;": "q"}.get(term, "a")
    timings = []
    for length in (12, 18):
        started = time.perf_counter()
        pattern.search(subject * length + "!")
        timings.append(time.perf_counter() - started)
    assert timings[1] > 4 * timings[0]  # six more characters: many times slower (not linear)


@pytest.mark.parametrize(
    "term",
    [
        "talks?",
        "(?:defen[cs]e) ministers?",
        "military (ties|relations|relationship|channels|contacts?)",
        "theat(er|re) command(er)?s?",
        r"(?:\w+\s+)+meeting",  # a repeat inside a repeat, but an iteration is cut one way only
        r"(?:[a-z]+,)+x",
        "(?:ab|ac)+",
        "(a++)+b",  # possessive: Python 3.11
        "(?>a+)+b",  # atomic
        r"\b(?:met|meets?)\b(?:\s+\w+){0,3}\s+with",
        "(?:a|b)+c",
    ],
)
def test_safe_terms_pass(tmp_path: Path, term: str) -> None:
    assert backtracking_risk(term, re.IGNORECASE) is None
    settings = load_settings(_topics_folder(tmp_path, term))
    scorer = TopicScorer(settings.topics)
    started = time.perf_counter()
    scorer.score("a" * 5000 + " b " + "x" * 5000)
    assert time.perf_counter() - started < 1.0


def test_the_possessive_fix_the_message_suggests_is_accepted_and_fast(tmp_path: Path) -> None:
    settings = load_settings(_topics_folder(tmp_path, "(a++)+b"))
    started = time.perf_counter()
    TopicScorer(settings.topics).score("a" * 60 + "!")
    assert time.perf_counter() - started < 0.5


def test_every_shipped_pattern_passes() -> None:
    settings = load_settings()
    for topic in settings.topics:
        for term in [*topic.terms, *topic.exclude, *(t for group in topic.require for t in group)]:
            assert backtracking_risk(term, re.IGNORECASE) is None, (topic.id, term)
    lexicon = load_lexicon()
    for category in CATEGORIES:
        for fragment in lexicon.fragments(category):
            assert backtracking_risk(fragment, re.IGNORECASE) is None, (category, fragment)


def test_a_backtracking_lexicon_fragment_is_refused_naming_file_category_and_fragment(tmp_path: Path) -> None:
    lexicon = tmp_path / "config" / "lexicon"
    lexicon.mkdir(parents=True)
    (lexicon / "it.yaml").write_text("language: it\nmeeting: ['\\bincontr(a+)+o\\b']\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load_lexicon(tmp_path / "config")
    assert time.perf_counter() - started < 1.0
    message = str(caught.value)
    assert str(lexicon / "it.yaml") in message
    assert "meeting: '\\\\bincontr(a+)+o\\\\b'" in message
    assert "exponential" in message


def test_the_joined_lexicon_alternation_is_safe() -> None:
    """Fragments are joined into one alternation per category: not under a repeat, so
    overlapping fragments ("\\bmet\\b", "\\bmeeting\\b") cannot multiply each other."""
    lexicon = load_lexicon()
    for category in CATEGORIES:
        assert backtracking_risk(lexicon.alternation(category), re.IGNORECASE) is None, category
