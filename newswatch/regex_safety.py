r"""Catastrophic backtracking: which operator patterns can take exponential time (pure, checked at load).

``re`` backtracks: a pattern that can match the same text in exponentially many ways takes
exponential time to fail (``(a+)+b`` on "aaa…a": doubling per character). That needs a loop
(a repeat of at most > 1) inside which some choice has two ways on: another iteration of an
inner repeat or the loop's next iteration (``(a+)+``, ``(\w+\s?)+``), or two branches that
start alike (``(a|a?)+``, ``(a|aa)+``). Each choice inside a loop is checked as a parser would
(LL(1)): the characters each way can start with must differ. Possessive repeats, atomic groups
and look-arounds are never re-entered by backtracking, so what they hold is safe.
"""

from __future__ import annotations

import functools
import re

from newswatch.regex_analysis import REPEATS, Argument, Items, compiler, opcodes, parse, parser

_SAMPLE = (
    "".join(chr(c) for c in range(9, 127)) + "\u00a0\u2009\u3000\u00e9\u00df\u0131\u017f\u0436\u4e2d\uac00\u30a2\u0661"
)
_CHARACTERS = (opcodes.LITERAL, opcodes.NOT_LITERAL, opcodes.IN, opcodes.ANY)
_LOOPS = (opcodes.MAX_REPEAT, opcodes.MIN_REPEAT)


@functools.lru_cache(maxsize=4096)
def _matcher(op: int, argument: Argument, flags: int) -> re.Pattern[str]:
    """One character item (a class, ``.``, ``[^x]``) as a pattern of its own (a class's items
    come as a tuple, to be cached)."""
    item = (op, list(argument) if isinstance(argument, tuple) else argument)
    state = parser.State()
    state.flags = flags
    return compiler.compile(parser.SubPattern(state, [item]), flags)


@functools.lru_cache(maxsize=4096)
def _sample_members(op: int, argument: Argument, flags: int) -> frozenset[str]:
    matcher = _matcher(op, argument, flags)
    return frozenset(c for c in _SAMPLE if matcher.fullmatch(c))


class _Choices:
    """The first-character sets of one pattern's items, over a sample alphabet plus every
    character the pattern names (so literals and the ends of ranges are compared exactly)."""

    def __init__(self, parsed: Items, flags: int) -> None:
        self.flags = flags
        named: set[str] = set()
        _collect(parsed, named)
        cased = {c.lower() for c in named} | {c.upper() for c in named if len(c.upper()) == 1}
        self.extra = "".join(sorted((named | cased) - set(_SAMPLE)))
        self.everything = frozenset(_SAMPLE) | frozenset(self.extra)

    def characters(self, op: int, argument: Argument) -> frozenset[str]:
        if op is opcodes.LITERAL and not self.flags & re.IGNORECASE:
            return frozenset({chr(argument)})
        key = tuple(argument) if isinstance(argument, list) else argument  # a class: (kind, value) pairs
        members = _sample_members(op, key, self.flags)
        if self.extra:
            matcher = _matcher(op, key, self.flags)
            members |= {c for c in self.extra if matcher.fullmatch(c)}
        return members

    def first(self, items: Items) -> frozenset[str]:
        """The characters a match of ``items`` can start with (any, for what is not known)."""
        found: set[str] = set()
        for op, argument in items:
            found |= self.first_of_item(op, argument)
            if not _nullable(op, argument):
                break
        return frozenset(found)

    def first_of_item(self, op: int, argument: Argument) -> frozenset[str]:
        """The characters a match of one item can start with."""
        if op in _CHARACTERS:
            return self.characters(op, argument)
        if op in (opcodes.AT, opcodes.ASSERT, opcodes.ASSERT_NOT):
            return frozenset()
        if op is opcodes.SUBPATTERN:
            return self.first(argument[-1])
        if op is opcodes.ATOMIC_GROUP:
            return self.first(argument)
        if op in REPEATS:
            return self.first(argument[-1]) if argument[1] > 0 else frozenset()
        if op is opcodes.BRANCH:
            return frozenset().union(*(self.first(branch) for branch in argument[1]))
        return self.everything  # a back-reference, a conditional group: anything


def _children(op: int, argument: Argument) -> list:
    """The item lists inside one parser item."""
    if op in (opcodes.SUBPATTERN, opcodes.ASSERT, opcodes.ASSERT_NOT, *REPEATS):
        return [argument[-1]]
    if op is opcodes.ATOMIC_GROUP:
        return [argument]
    if op is opcodes.BRANCH:
        return list(argument[1])
    if op is opcodes.GROUPREF_EXISTS:
        return [branch for branch in argument[1:] if branch is not None]
    return []


def _collect(items: Items, named: set[str]) -> None:
    """Every character ``items`` names: literals and the ends of ranges."""
    for op, argument in items:
        if op in (opcodes.LITERAL, opcodes.NOT_LITERAL):
            named.add(chr(argument))
        elif op is opcodes.RANGE:
            named.update((chr(argument[0]), chr(argument[1])))
        elif op is opcodes.IN:
            _collect(argument, named)
        for child in _children(op, argument):
            _collect(child, named)


def _has_loop(items: Items) -> bool:
    """Whether ``items`` repeat something more than once (no loop: no exponential time)."""
    return any(
        (op in _LOOPS and argument[1] > 1) or any(_has_loop(child) for child in _children(op, argument))
        for op, argument in items
    )


def _nullable(op: int, argument: Argument) -> bool:
    """Whether the item can match the empty string."""
    try:
        return parser.SubPattern(parser.State(), [(op, argument)]).getwidth()[0] == 0
    except Exception:  # a group reference the lone item cannot resolve: may be empty
        return True


_SAFE_FORMS = "; make the repeat possessive (a++, (…)++) or the group atomic ((?>…)), or rewrite it"
_NESTED = (
    "has a repeat inside a repeat that can share the same characters (like (a+)+ or (\\w+\\s?)+): "
    "matching can take exponential time" + _SAFE_FORMS
)
_OVERLAPPING = (
    "repeats an alternation whose branches can match the same text (like (a|aa)+ or (a|a?)+): "
    "matching can take exponential time" + _SAFE_FORMS
)


def _risk_in(items: Items, follow: frozenset[str], in_loop: bool, choices: _Choices) -> str | None:
    """The first choice in ``items`` (followed by what starts with ``follow``) that a loop around
    them can take two ways; ``in_loop``: whether such a loop exists."""
    items = list(items)
    afters: list[frozenset[str]] = [follow] * len(items)  # what may come right after each item
    for index in range(len(items) - 1, 0, -1):
        op, argument = items[index]
        first = choices.first_of_item(op, argument)
        afters[index - 1] = first | afters[index] if _nullable(op, argument) else first
    for (op, argument), after in zip(items, afters, strict=True):
        risk: str | None = None
        if op is opcodes.SUBPATTERN:
            risk = _risk_in(argument[-1], after, in_loop, choices)
        elif op is opcodes.BRANCH:
            branches = argument[1]
            if in_loop:
                starts = [
                    choices.first(b) | (after if all(_nullable(*i) for i in b) else frozenset()) for b in branches
                ]
                if any(starts[i] & starts[j] for i in range(len(starts)) for j in range(i + 1, len(starts))):
                    return _OVERLAPPING
            for branch in branches:
                risk = risk or _risk_in(branch, after, in_loop, choices)
        elif op in _LOOPS:
            minimum, maximum, body = argument
            if not in_loop and not _has_loop(body) and maximum <= 1:
                continue  # an optional item outside any loop: one choice, not a tree of them
            body_first = choices.first(body)
            if in_loop and minimum < maximum and body_first & after:
                return _NESTED
            if maximum > 1:  # a loop: inside it, its next iteration is one way on
                risk = _risk_in(body, body_first | (after if in_loop else frozenset()), True, choices)
            else:
                risk = _risk_in(body, after, in_loop, choices)
        # POSSESSIVE_REPEAT, ATOMIC_GROUP, look-arounds: never backtracked into
        if risk:
            return risk
    return None


def backtracking_risk(pattern: str, flags: int = 0) -> str | None:
    """Why ``pattern`` can take exponential time on some text (a sentence, see ``_NESTED`` and
    ``_OVERLAPPING``), or None if it cannot in the ways checked: a loop inside which a choice
    can go two ways on the same character. Safe forms: ``a++``, ``(?>…)``, disjoint branches.
    Compile ``pattern`` first: an invalid one may pass unnoticed here.
    """
    if not any(sign in pattern for sign in "+*{"):
        return None  # no repeat of more than one: nothing to parse (most terms)
    try:
        parsed = parse(pattern, flags)
        if not _has_loop(parsed):
            return None
        return _risk_in(parsed, frozenset(), False, _Choices(parsed, flags | parsed.state.flags))
    except Exception:  # an internal parser API (tests/test_regex_safety.py guards it): check nothing
        return None
