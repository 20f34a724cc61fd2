"""What a regular expression's parse tree tells without running it (pure).

``required_literals``: strings one of which every match contains (for ``military (ties|relations)``,
{"military "}; for ``calls?|llamada``, {"call", "llamada"}); ``first_characters``: the characters a
match can start with; ``expand``: the finite set of strings a small pattern matches
(``defen[cs]e (ties|talks)``). ``newswatch.matching`` builds its fast matchers on these, and
``newswatch.regex_safety`` its check for catastrophic backtracking on ``parse``, ``parser``,
``opcodes`` and ``compiler``.

They read ``re``'s own parser (``re._parser``, ``re._constants``, ``re._compiler``: internal, stable
since 3.11); every function here answers "unknown" (None) rather than fail if that parser changes.
"""

from __future__ import annotations

import re
from re import _compiler as compiler  # type: ignore[attr-defined]  # internal to re: typeshed does not describe it
from re import _constants as opcodes  # type: ignore[attr-defined]  # internal to re: typeshed does not describe it
from re import _parser as parser  # type: ignore[attr-defined]  # internal to re: typeshed does not describe it
from typing import Any

__all__ = [
    "REPEATS",
    "ZERO_WIDTH",
    "Argument",
    "Factors",
    "Items",
    "character_set",
    "compiler",
    "expand",
    "first_characters",
    "min_width",
    "opcodes",
    "parse",
    "parser",
    "required_literals",
]

# A parser item is (opcode, argument); the argument's shape depends on the opcode (a character
# code, a (min, max, body) triple, a list of branches…), which no static type can say.
Argument = Any
Items = Any  # a parser.SubPattern, or a list of (opcode, argument) items
Factors = frozenset[str]

ZERO_WIDTH = (opcodes.AT, opcodes.ASSERT, opcodes.ASSERT_NOT)
REPEATS = (opcodes.MAX_REPEAT, opcodes.MIN_REPEAT, opcodes.POSSESSIVE_REPEAT)


def parse(pattern: str, flags: int = 0) -> Items:
    """``re``'s parse tree of ``pattern`` (raises as ``re`` does for an invalid one)."""
    return parser.parse(pattern, flags)


def min_width(pattern: re.Pattern[str]) -> int:
    """The length of the shortest string ``pattern`` matches (``re``'s own reckoning)."""
    return int(parser.parse(pattern.pattern, pattern.flags).getwidth()[0])


def _better(first: Factors | None, second: Factors | None) -> Factors | None:
    """The more selective of two factor sets: the longer shortest literal, then fewer literals."""
    if first is None or second is None:
        return first or second
    return max(first, second, key=lambda f: (min(len(s) for s in f), -len(f)))


def _union_or_none(sets: list[set[str] | None] | list[Factors | None]) -> set[str] | None:
    """The union of ``sets``, or None (unknown) if any of them is None."""
    known = [found for found in sets if found is not None]
    return None if len(known) < len(sets) else set().union(*known)


def _sequence(items: Items) -> Factors | None:
    best: Factors | None = None
    run: list[str] = []

    def close_run() -> None:
        nonlocal best
        if run:
            best = _better(best, frozenset({"".join(run)}))
            run.clear()

    for op, argument in items:
        if op is opcodes.LITERAL:
            run.append(chr(argument).lower())
            continue
        close_run()
        if op not in ZERO_WIDTH:
            best = _better(best, _item(op, argument))
    close_run()
    return best


_MAX_CLASS_LITERALS = 4


def _item(op: int, argument: Argument) -> Factors | None:
    if op is opcodes.SUBPATTERN:
        return _sequence(argument[-1])
    if op is opcodes.ATOMIC_GROUP:
        return _sequence(argument)
    if op is opcodes.BRANCH:
        alternatives = _union_or_none([_sequence(branch) for branch in argument[1]])
        return None if alternatives is None else frozenset(alternatives)
    if op in REPEATS:
        minimum, _, body = argument
        return _sequence(body) if minimum >= 1 else None
    if op is opcodes.IN:  # a few characters ("日|일" is parsed as [日일]): each is a literal
        chars = character_set(argument)
        return frozenset(c.lower() for c in chars) if chars and len(chars) <= _MAX_CLASS_LITERALS else None
    return None  # a large or negated class, any character, a back-reference: no literal


def required_literals(pattern: re.Pattern[str]) -> Factors | None:
    """Lower-cased strings one of which every match of ``pattern`` contains, or None if unknown."""
    try:
        return _sequence(parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # an internal parser API: if it ever changes, filter nothing
        return None


def character_set(items: Items) -> set[str] | None:
    r"""The characters a character set (``[- ]``, ``[a-f]``) matches, or None for a negated set, a
    category (``\w``, ``\d``) or a large range: not a small finite set."""
    chars: set[str] = set()
    for kind, value in items:
        if kind is opcodes.LITERAL:
            chars.add(chr(value))
        elif kind is opcodes.RANGE and value[1] - value[0] < 32:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:
            return None
    return chars


def first_characters(items: Items) -> set[str] | None:
    """The characters a match of the pattern items can start with, or None if unknown or any."""
    for op, argument in items:
        if op in ZERO_WIDTH:
            continue  # \b, look-arounds: the first character consumed is after them
        if op is opcodes.LITERAL:
            return {chr(argument)}
        if op is opcodes.IN:
            return character_set(argument)
        if op is opcodes.SUBPATTERN:
            return first_characters(argument[-1])
        if op is opcodes.BRANCH:
            return _union_or_none([first_characters(branch) for branch in argument[1]])
        if op in REPEATS and argument[0] >= 1:
            return first_characters(argument[2])
        return None
    return None  # only zero-width items: the match may be empty


_MAX_EXPANSIONS = 512
_MAX_REPEAT_EXPANDED = 3


def _expand_sequence(items: Items) -> set[str] | None:
    """Every string the pattern items match (lower-cased), or None if not a small finite set."""
    results = {""}
    for op, argument in items:
        options = _expand_item(op, argument)
        if options is None:
            return None
        results = {r + o for r in results for o in options}
        if len(results) > _MAX_EXPANSIONS:
            return None
    return results


def _expand_item(op: int, argument: Argument) -> set[str] | None:
    if op is opcodes.LITERAL:
        return {chr(argument).lower()}
    if op is opcodes.IN:
        chars = character_set(argument)
        return None if chars is None else {c.lower() for c in chars}
    if op is opcodes.SUBPATTERN:
        return _expand_sequence(argument[-1])
    if op is opcodes.BRANCH:
        return _union_or_none([_expand_sequence(branch) for branch in argument[1]])
    if op in REPEATS:
        minimum, maximum, body = argument
        once = _expand_sequence(body)
        if once is None or maximum > _MAX_REPEAT_EXPANDED:
            return None
        options: set[str] = set()
        repeated = {""}
        for count in range(maximum + 1):
            if count >= minimum:
                options |= repeated
            repeated = {r + o for r in repeated for o in once}
        return options
    return None  # anchors, look-arounds, back-references: keep the regular expression


def expand(pattern: str) -> frozenset[str] | None:
    """The finite set of (lower-cased) strings ``pattern`` matches, or None if it is not small."""
    try:
        expanded = _expand_sequence(parser.parse(pattern, re.IGNORECASE))
    except Exception:  # an internal parser API: if it ever changes, expand nothing
        return None
    if expanded is None or "" in expanded:
        return None
    return frozenset(expanded)
