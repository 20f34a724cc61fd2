"""Which of many regular expressions can match a text, found in one pass (pure).

Each pattern is reduced to a set of literal strings one of which every match must contain (for
``military (ties|relations)``, {"military "}; for ``calls?|llamada``, {"call", "llamada"}). An
Aho-Corasick automaton (pyahocorasick) finds those literals in the lower-cased text, and only the
patterns whose literals occur are run. A pattern with no such literal is always run, so the
filter never changes what the patterns find, only how many run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from re import _constants as sre  # the parser's opcodes; stable since 3.11, guarded below
from re import _parser

import ahocorasick

# Characters that IGNORECASE matches but that lower-casing maps elsewhere: "ı" matches "i", "ſ" "s".
_CASE_FOLDS = str.maketrans({"ı": "i", "ſ": "s", "K": "k"})
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)

Factors = frozenset[str]


def _better(first: Factors | None, second: Factors | None) -> Factors | None:
    """The more selective of two factor sets: the longer shortest literal, then fewer literals."""
    if first is None or second is None:
        return first or second
    return max(first, second, key=lambda f: (min(len(s) for s in f), -len(f)))


def _sequence(items: _parser.SubPattern | list) -> Factors | None:
    best: Factors | None = None
    run: list[str] = []

    def close_run() -> None:
        nonlocal best
        if run:
            best = _better(best, frozenset({"".join(run)}))
            run.clear()

    for op, argument in items:
        if op is sre.LITERAL:
            run.append(chr(argument).lower())
            continue
        close_run()
        if op not in _ZERO_WIDTH:
            best = _better(best, _item(op, argument))
    close_run()
    return best


def _item(op: object, argument: object) -> Factors | None:
    if op is sre.SUBPATTERN:
        return _sequence(argument[-1])  # type: ignore[index]
    if op is sre.ATOMIC_GROUP:
        return _sequence(argument)  # type: ignore[arg-type]
    if op is sre.BRANCH:
        alternatives = [_sequence(branch) for branch in argument[1]]  # type: ignore[index]
        if any(a is None for a in alternatives):
            return None
        return frozenset().union(*alternatives)  # type: ignore[arg-type]
    if op in _REPEATS:
        minimum, _, body = argument  # type: ignore[misc]
        return _sequence(body) if minimum >= 1 else None
    return None  # a character class, any character, a back-reference: no literal


def required_literals(pattern: re.Pattern[str]) -> Factors | None:
    """Lower-cased strings one of which every match of ``pattern`` contains, or None if unknown."""
    try:
        return _sequence(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # an internal parser API: if it ever changes, filter nothing
        return None


class PatternFilter:
    """For a list of patterns, the indexes of those that can match a text."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.size = len(patterns)
        self._always: list[int] = []
        by_literal: dict[str, list[int]] = {}
        for index, pattern in enumerate(patterns):
            literals = required_literals(pattern)
            if literals is None:
                self._always.append(index)
            else:
                for literal in literals:
                    by_literal.setdefault(literal, []).append(index)
        self._automaton: ahocorasick.Automaton | None = None
        if by_literal:
            self._automaton = ahocorasick.Automaton()
            for literal, indexes in by_literal.items():
                self._automaton.add_word(literal, tuple(indexes))
            self._automaton.make_automaton()

    def candidates(self, text: str) -> list[int]:
        """Indexes, in order, of the patterns that may match ``text`` (a superset of those that do)."""
        lowered = text.lower().translate(_CASE_FOLDS)
        if self._automaton is None or len(lowered) != len(text):
            return list(range(self.size)) if self._automaton is not None else list(self._always)
        found = set(self._always)
        for _, indexes in self._automaton.iter(lowered):
            found.update(indexes)
        return sorted(found)
