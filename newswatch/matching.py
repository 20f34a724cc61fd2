"""Matching many regular expressions against a text in one pass (pure).

``PatternFilter`` tells which of many patterns can match a text. Each pattern is reduced to a set of literal strings one of which every match must contain (for
``military (ties|relations)``, {"military "}; for ``calls?|llamada``, {"call", "llamada"}). An
Aho-Corasick automaton (``Keywords``) finds those literals in the lower-cased text, and only the
patterns whose literals occur are run. A pattern with no such literal is always run, so the
filter never changes what the patterns find, only how many run.

``TermMatcher`` finds whole-word terms (topic terms): a term whose pattern matches a finite set
of strings (``defen[cs]e (ties|talks)``, ``America(n)?``) is expanded to those strings and found
by the automaton alone; any other term is run as a regular expression.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Mapping, Sequence
from re import _constants as sre  # the parser's opcodes; stable since 3.11, guarded below
from re import _parser
from typing import Generic, TypeVar

import ahocorasick_rs

P = TypeVar("P")
T = TypeVar("T")

# Characters that IGNORECASE matches but that lower-casing maps elsewhere: "ı" matches "i", "ſ" "s"
# (the Kelvin sign "K" lower-cases to "k" already).
_CASE_FOLDS = str.maketrans({"ı": "i", "ſ": "s"})
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)

Factors = frozenset[str]


class Keywords(Generic[P]):
    """Every occurrence of many strings in a text, overlapping ones too, each with its payload:
    an Aho-Corasick DFA in Rust (ahocorasick_rs), four times faster than pyahocorasick's
    automaton on news text.

    ASCII text (most news once spaced, see ``spaced``) is searched as bytes, whose offsets are
    its character offsets: the string automaton maps every byte of the text to its character
    first, which costs as much as the search itself.
    """

    def __init__(self, entries: Mapping[str, P]) -> None:
        self._payloads = list(entries.values())
        self._automata: tuple[ahocorasick_rs.AhoCorasick, ahocorasick_rs.BytesAhoCorasick] | None = None
        if entries:
            options = {
                "matchkind": ahocorasick_rs.MatchKind.Standard,
                "implementation": ahocorasick_rs.Implementation.DFA,
            }
            self._automata = (
                ahocorasick_rs.AhoCorasick(list(entries), **options),
                ahocorasick_rs.BytesAhoCorasick([key.encode() for key in entries], **options),
            )

    def __len__(self) -> int:
        return len(self._payloads)

    def find(self, text: str) -> list[tuple[int, int, P]]:
        """(start, end, payload) of every occurrence, by where it ends."""
        if self._automata is None:
            return []
        payloads = self._payloads
        automaton, bytes_automaton = self._automata
        if text.isascii():
            found = bytes_automaton.find_matches_as_indexes(text.encode("ascii"), overlapping=True)
        else:
            found = automaton.find_matches_as_indexes(text, overlapping=True)
        return [(start, end, payloads[index]) for index, start, end in found]


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


_MAX_CLASS_LITERALS = 4


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
    if op is sre.IN:  # a few characters ("日|일" is parsed as [日일]): each is a literal
        chars = _set_characters(argument)
        return frozenset(c.lower() for c in chars) if chars and len(chars) <= _MAX_CLASS_LITERALS else None
    return None  # a large or negated class, any character, a back-reference: no literal


def required_literals(pattern: re.Pattern[str]) -> Factors | None:
    """Lower-cased strings one of which every match of ``pattern`` contains, or None if unknown."""
    try:
        return _sequence(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # an internal parser API: if it ever changes, filter nothing
        return None


def _set_characters(items: object) -> set[str] | None:
    r"""The characters a character set (``[- ]``, ``[a-f]``) matches, or None for a negated set, a
    category (``\w``, ``\d``) or a large range: not a small finite set."""
    chars: set[str] = set()
    for kind, value in items:  # type: ignore[attr-defined]
        if kind is sre.LITERAL:
            chars.add(chr(value))
        elif kind is sre.RANGE and value[1] - value[0] < 32:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:
            return None
    return chars


def _first_chars(items: _parser.SubPattern | list) -> set[str] | None:
    """The characters a match of the pattern items can start with, or None if unknown or any."""
    for op, argument in items:
        if op in _ZERO_WIDTH:
            continue  # \b, look-arounds: the first character consumed is after them
        if op is sre.LITERAL:
            return {chr(argument)}  # type: ignore[arg-type]
        if op is sre.IN:
            return _set_characters(argument)
        if op is sre.SUBPATTERN:
            return _first_chars(argument[-1])  # type: ignore[index]
        if op is sre.BRANCH:
            branches = [_first_chars(branch) for branch in argument[1]]  # type: ignore[index]
            return None if any(b is None for b in branches) else set().union(*branches)  # type: ignore[arg-type]
        if op in _REPEATS and argument[0] >= 1:  # type: ignore[index]
            return _first_chars(argument[2])  # type: ignore[index]
        return None
    return None  # only zero-width items: the match may be empty


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind a look-ahead for the characters its matches start with.

    The same matches, found faster: ``re`` skips a position with one set test instead of trying
    every alternative there, which it cannot do by itself when the alternatives start with ``\b``
    (``\bdeclin|\brefus|…``: three to six times faster on news sentences).
    """
    try:
        chars = _first_chars(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # an internal parser API: if it ever changes, leave the pattern as it is
        return pattern
    if not chars:
        return pattern
    charset = "".join(re.escape(c) for c in sorted(chars))
    return re.compile(f"(?=[{charset}])(?:{pattern.pattern})", pattern.flags)


def compile_guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile``, then ``guarded``."""
    return guarded(re.compile(pattern, flags))


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
        self._literals = Keywords({literal: tuple(indexes) for literal, indexes in by_literal.items()})

    def candidates(self, text: str) -> list[int]:
        """Indexes, in order, of the patterns that may match ``text`` (a superset of those that do)."""
        lowered = folded(text)
        if not self._literals or len(lowered) != len(text):
            return list(range(self.size)) if self._literals else list(self._always)
        found = set(self._always)
        for _, _, indexes in self._literals.find(lowered):
            found.update(indexes)
        return sorted(found)

    def candidates_in_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> list[set[int]]:
        """``candidates(text[start:end])`` for each (start, end) of ``spans`` (ordered, not
        overlapping), as sets, from one pass over ``text``: a literal counts for a span only if
        it lies wholly inside it."""
        lowered = folded(text)
        if not self._literals or len(lowered) != len(text):
            return [set(self.candidates(text[start:end])) for start, end in spans]
        return [
            set(self._always).union(*(indexes for _, _, indexes in hits))
            for hits in per_span(spans, self._literals.find(lowered))
        ]


def per_span(spans: Sequence[tuple[int, int]], hits: Sequence[tuple[int, int, T]]) -> list[list[tuple[int, int, T]]]:
    """Hits (start, end, payload) in a text split among ``spans`` of it ((start, end), in order,
    not overlapping), with offsets relative to each span; a hit not wholly inside one span
    belongs to none."""
    starts = [start for start, _ in spans]
    result: list[list[tuple[int, int, T]]] = [[] for _ in spans]
    for start, end, payload in hits:
        index = bisect.bisect_right(starts, start) - 1
        if index < 0:
            continue
        base, stop = spans[index]
        if end <= stop:
            result[index].append((start - base, end - base, payload))
    return result


def folded(text: str) -> str:
    """``text`` lower-cased as IGNORECASE compares it (``str.translate`` only where needed: it
    costs ten times ``str.lower``)."""
    lowered = text.lower()
    return lowered.translate(_CASE_FOLDS) if "ı" in lowered or "ſ" in lowered else lowered


_MAX_EXPANSIONS = 512
_MAX_REPEAT_EXPANDED = 3


def _expand_sequence(items: _parser.SubPattern | list) -> set[str] | None:
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


def _expand_item(op: object, argument: object) -> set[str] | None:
    if op is sre.LITERAL:
        return {chr(argument).lower()}  # type: ignore[arg-type]
    if op is sre.IN:
        chars = _set_characters(argument)
        return None if chars is None else {c.lower() for c in chars}
    if op is sre.SUBPATTERN:
        return _expand_sequence(argument[-1])  # type: ignore[index]
    if op is sre.BRANCH:
        expanded = [_expand_sequence(branch) for branch in argument[1]]  # type: ignore[index]
        return None if any(e is None for e in expanded) else set().union(*expanded)  # type: ignore[arg-type]
    if op in _REPEATS:
        minimum, maximum, body = argument  # type: ignore[misc]
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
        expanded = _expand_sequence(_parser.parse(pattern, re.IGNORECASE))
    except Exception:  # an internal parser API: if it ever changes, expand nothing
        return None
    if expanded is None or "" in expanded:
        return None
    return frozenset(expanded)


CJK = re.compile(r"[\u3400-\u9fff]")  # Chinese characters (and Japanese kanji)
# Scripts whose words have no boundaries a term can rely on: Chinese and Japanese write no spaces,
# and Korean joins its particles to the word before ("오스틴과", with Austin). A term in them is
# found anywhere, not as a whole word.
UNBOUNDED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
SPACELESS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")  # Chinese characters and Japanese kana
# Outside a word: what may surround a whole-word term once the text is "spaced" (every
# character that cannot be part of a word made a space; see spaced()).
_WORD_EDGES = (" ", ".", "'", "’")
_NOT_A_WORD_CHARACTER = re.compile(r"[^\w.'’ -]")  # (a space stays a space: most of them are)
# The same for ASCII text, as a byte table: bytes.translate is a tenth of the regular expression.
# Lower-cased and spaced by one table (str.lower alone costs more than the spacing); the bytes
# of a character outside ASCII, in UTF-8, stay as they are.
_LOWER_SPACING = bytes(
    ord(chr(c).lower()) if chr(c).isalnum() or chr(c) in "_.'- " else 32 for c in range(128)
) + bytes(range(128, 256))
_ASCII_BYTES = bytes(range(128))


@functools.lru_cache(maxsize=4)
def spaced(text: str) -> str | None:
    """``text`` lower-cased, every character that cannot be in a word made a space, between two
    spaces (so ``spaced[i + 1]`` is ``text[i]``); None if lower-casing changes the length.

    Cached: the gazetteer's indexes and the topic terms scan the same article one after another.
    """
    if text.isascii():
        return f" {text.encode('ascii').translate(_LOWER_SPACING).decode('ascii')} "
    if "Σ" in text:  # the one letter str.lower() lower-cases by its context (a final sigma)
        lowered = folded(text)
        return f" {_NOT_A_WORD_CHARACTER.sub(' ', lowered)} " if len(lowered) == len(text) else None
    # The ASCII characters by the byte table (a multi-byte UTF-8 sequence passes through it
    # unchanged), then each of the few distinct other characters by itself: a fifth of the cost
    # of str.lower() and a regular expression over the whole text.
    encoded = text.encode("utf-8", "surrogatepass")
    result = encoded.translate(_LOWER_SPACING).decode("utf-8", "surrogatepass")
    for character in set(encoded.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")):
        lowered = folded(character)
        if len(lowered) != 1:
            return None
        if not (lowered.isalnum() or lowered in "_’"):
            result = result.replace(character, " ")
        elif lowered != character:
            result = result.replace(character, lowered)
    return f" {result} "


def bounded(pattern: str) -> str:
    """A term as a whole word (not inside a word or a hyphenated compound); in the scripts
    without usable word boundaries (``UNBOUNDED``), anywhere."""
    return f"(?:{pattern})" if UNBOUNDED.search(pattern) else rf"(?<![\w-])(?:{pattern})(?![\w-])"


class TermMatcher:
    """Finds each of many whole-word terms in a text, as ``re.finditer`` of ``bounded(term)``
    with IGNORECASE would: non-overlapping matches, leftmost first."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.terms = list(terms)
        self._regexes = [re.compile(bounded(term), re.IGNORECASE) for term in self.terms]
        self._expanded: set[int] = set()
        keys: dict[str, list[tuple[int, int]]] = {}  # key → (term index, length of the term's text)
        for index, term in enumerate(self.terms):
            strings = expand(term)
            if strings is None or any(_NOT_A_WORD_CHARACTER.sub(" ", s) != s for s in strings):
                continue  # not finite, or with characters that spacing the text removes
            self._expanded.add(index)
            for string in strings:
                if UNBOUNDED.search(term):
                    keys.setdefault(string, []).append((index, len(string)))
                    continue
                for before in _WORD_EDGES:
                    for after in _WORD_EDGES:
                        keys.setdefault(f"{before}{string}{after}", []).append((index, len(string)))
        self._keys = Keywords({key: (len(key), tuple(payload)) for key, payload in keys.items()})
        self._others = PatternFilter([self._regexes[i] for i in range(len(self.terms)) if i not in self._expanded])
        self._other_indexes = [i for i in range(len(self.terms)) if i not in self._expanded]

    def find_all(self, text: str) -> list[list[str]]:
        """For each term, the texts of its matches in ``text``."""
        found: list[list[str]] = [[] for _ in self.terms]
        text_spaced = spaced(text) if self._expanded else None
        if text_spaced is None:  # lower-casing changed offsets: every term by its regex
            regex_terms = range(len(self.terms)) if self._expanded else self._other_indexes
        else:
            regex_terms = [self._other_indexes[i] for i in self._others.candidates(text)] if self._other_indexes else []
            spans: dict[int, list[tuple[int, int]]] = {}
            for key_start, _, (key_length, payload) in self._keys.find(text_spaced):
                for index, length in payload:
                    # spaced[i + 1] is text[i]; a whole-word key has an edge character each side.
                    start = key_start if key_length > length else key_start - 1
                    spans.setdefault(index, []).append((start, start + length))
            for index, term_spans in spans.items():
                taken_until = -1
                for start, stop in sorted(term_spans, key=lambda span: (span[0], -span[1])):
                    if start >= taken_until:
                        found[index].append(text[start:stop])
                        taken_until = stop
        for index in regex_terms:
            found[index] = [match.group(0) for match in self._regexes[index].finditer(text)]
        return found


# --- catastrophic backtracking (operator patterns, checked at load) ----------------------------
#
# ``re`` backtracks: a pattern that can match the same text in exponentially many ways takes
# exponential time to fail (``(a+)+b`` on "aaa…a": doubling per character). That needs a loop
# (a repeat of at most > 1) inside which some choice has two ways on: another iteration of an
# inner repeat or the loop's next iteration (``(a+)+``, ``(\w+\s?)+``), or two branches that
# start alike (``(a|a?)+``, ``(a|aa)+``). Each choice inside a loop is checked as a parser would
# (LL(1)): the characters each way can start with must differ. Possessive repeats, atomic groups
# and look-arounds are never re-entered by backtracking, so what they hold is safe.

_SAMPLE = (
    "".join(chr(c) for c in range(9, 127)) + "\u00a0\u2009\u3000\u00e9\u00df\u0131\u017f\u0436\u4e2d\uac00\u30a2\u0661"
)
_CHARACTERS = (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY)
_LOOPS = (sre.MAX_REPEAT, sre.MIN_REPEAT)


@functools.lru_cache(maxsize=4096)
def _matcher(op: object, argument: object, flags: int) -> re.Pattern[str]:
    """One character item (a class, ``.``, ``[^x]``) as a pattern of its own (a class's items
    come as a tuple, to be cached)."""
    item = (op, list(argument) if isinstance(argument, tuple) else argument)  # type: ignore[call-overload]
    state = _parser.State()
    state.flags = flags
    return re._compiler.compile(_parser.SubPattern(state, [item]), flags)  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=4096)
def _sample_members(op: object, argument: object, flags: int) -> frozenset[str]:
    matcher = _matcher(op, argument, flags)
    return frozenset(c for c in _SAMPLE if matcher.fullmatch(c))


class _Choices:
    """The first-character sets of one pattern's items, over a sample alphabet plus every
    character the pattern names (so literals and the ends of ranges are compared exactly)."""

    def __init__(self, parsed: _parser.SubPattern, flags: int) -> None:
        self.flags = flags
        named: set[str] = set()
        _collect(parsed, named)
        cased = {c.lower() for c in named} | {c.upper() for c in named if len(c.upper()) == 1}
        self.extra = "".join(sorted((named | cased) - set(_SAMPLE)))
        self.everything = frozenset(_SAMPLE) | frozenset(self.extra)

    def characters(self, op: object, argument: object) -> frozenset[str]:
        if op is sre.LITERAL and not self.flags & re.IGNORECASE:
            return frozenset({chr(argument)})  # type: ignore[arg-type]
        key = tuple(argument) if isinstance(argument, list) else argument  # a class: (kind, value) pairs
        members = _sample_members(op, key, self.flags)
        if self.extra:
            matcher = _matcher(op, key, self.flags)
            members |= {c for c in self.extra if matcher.fullmatch(c)}
        return members

    def first(self, items: object) -> frozenset[str]:
        """The characters a match of ``items`` can start with (any, for what is not known)."""
        found: set[str] = set()
        for op, argument in items:  # type: ignore[attr-defined]
            found |= self.first_of_item(op, argument)
            if not _nullable(op, argument):
                break
        return frozenset(found)

    def first_of_item(self, op: object, argument: object) -> frozenset[str]:
        """The characters a match of one item can start with."""
        if op in _CHARACTERS:
            return self.characters(op, argument)
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return frozenset()
        if op is sre.SUBPATTERN:
            return self.first(argument[-1])  # type: ignore[index]
        if op is sre.ATOMIC_GROUP:
            return self.first(argument)
        if op in _REPEATS:
            return self.first(argument[-1]) if argument[1] > 0 else frozenset()  # type: ignore[index]
        if op is sre.BRANCH:
            return frozenset().union(*(self.first(branch) for branch in argument[1]))  # type: ignore[index]
        return self.everything  # a back-reference, a conditional group: anything


def _children(op: object, argument: object) -> list:
    """The item lists inside one parser item."""
    if op in (sre.SUBPATTERN, sre.ASSERT, sre.ASSERT_NOT, *_REPEATS):
        return [argument[-1]]  # type: ignore[index]
    if op is sre.ATOMIC_GROUP:
        return [argument]
    if op is sre.BRANCH:
        return list(argument[1])  # type: ignore[index]
    if op is sre.GROUPREF_EXISTS:
        return [branch for branch in argument[1:] if branch is not None]  # type: ignore[index]
    return []


def _collect(items: object, named: set[str]) -> None:
    """Every character ``items`` names: literals and the ends of ranges."""
    for op, argument in items:  # type: ignore[attr-defined]
        if op in (sre.LITERAL, sre.NOT_LITERAL):
            named.add(chr(argument))
        elif op is sre.RANGE:
            named.update((chr(argument[0]), chr(argument[1])))
        elif op is sre.IN:
            _collect(argument, named)
        for child in _children(op, argument):
            _collect(child, named)


def _has_loop(items: object) -> bool:
    """Whether ``items`` repeat something more than once (no loop: no exponential time)."""
    return any(
        (op in _LOOPS and argument[1] > 1) or any(_has_loop(child) for child in _children(op, argument))  # type: ignore[index]
        for op, argument in items  # type: ignore[attr-defined]
    )


def _nullable(op: object, argument: object) -> bool:
    """Whether the item can match the empty string."""
    try:
        return _parser.SubPattern(_parser.State(), [(op, argument)]).getwidth()[0] == 0
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


def _risk_in(items: object, follow: frozenset[str], in_loop: bool, choices: _Choices) -> str | None:
    """The first choice in ``items`` (followed by what starts with ``follow``) that a loop around
    them can take two ways; ``in_loop``: whether such a loop exists."""
    items = list(items)  # type: ignore[call-overload]
    afters: list[frozenset[str]] = [follow] * len(items)  # what may come right after each item
    for index in range(len(items) - 1, 0, -1):
        op, argument = items[index]
        first = choices.first_of_item(op, argument)
        afters[index - 1] = first | afters[index] if _nullable(op, argument) else first
    for (op, argument), after in zip(items, afters, strict=True):
        risk: str | None = None
        if op is sre.SUBPATTERN:
            risk = _risk_in(argument[-1], after, in_loop, choices)
        elif op is sre.BRANCH:
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
        parsed = _parser.parse(pattern, flags)
        if not _has_loop(parsed):
            return None
        return _risk_in(parsed, frozenset(), False, _Choices(parsed, flags | parsed.state.flags))
    except Exception:  # an internal parser API (tests/test_regex_safety.py guards it): check nothing
        return None
