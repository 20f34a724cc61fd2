"""Finding many terms and patterns in a text fast (pure).

``Keywords``: every occurrence of many strings, in one Aho-Corasick pass. ``spaced``: a text
lower-cased with every character that cannot be in a word made a space, so that a key with a
space before it and a word edge after it is found only as a whole word (``TermMatcher`` here,
``newswatch.phrases`` for the gazetteer's phrases).

``PatternFilter`` tells which of many patterns can match a text: each is reduced to literal strings
one of which every match must contain (``regex_analysis.required_literals``), the automaton finds
those literals in the lower-cased text, and only the patterns whose literals occur are run. A
pattern with no such literal is always run, so the filter never changes what the patterns find,
only how many run. ``guarded`` puts a look-ahead for its first characters before a pattern.

``TermMatcher`` finds whole-word terms (topic terms): a term whose pattern matches a finite set
of strings (``defen[cs]e (ties|talks)``, ``America(n)?``) is expanded to those strings and found
by the automaton alone; any other term is run as a regular expression.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Generic, TypeVar

import ahocorasick_rs

from newswatch.regex_analysis import expand, first_characters, parse, required_literals

P = TypeVar("P")
T = TypeVar("T")

# Characters that IGNORECASE matches but that lower-casing maps elsewhere: "ı" matches "i", "ſ" "s"
# (the Kelvin sign "K" lower-cases to "k" already).
_CASE_FOLDS = str.maketrans({"ı": "i", "ſ": "s"})


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
            standard, dfa = ahocorasick_rs.MatchKind.Standard, ahocorasick_rs.Implementation.DFA
            self._automata = (
                ahocorasick_rs.AhoCorasick(list(entries), matchkind=standard, implementation=dfa),
                ahocorasick_rs.BytesAhoCorasick(
                    [key.encode() for key in entries], matchkind=standard, implementation=dfa
                ),
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


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind a look-ahead for the characters its matches start with.

    The same matches, found faster: ``re`` skips a position with one set test instead of trying
    every alternative there, which it cannot do by itself when the alternatives start with ``\b``
    (``\bdeclin|\brefus|…``: three to six times faster on news sentences).
    """
    try:
        chars = first_characters(parse(pattern.pattern, pattern.flags))
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


def per_text(texts: Sequence[str], hits: Sequence[tuple[int, int, T]]) -> list[list[tuple[int, int, T]]]:
    """Hits found in ``"\n".join(texts)``, split per text with each text's own offsets; a hit
    spanning two texts belongs to neither."""
    starts = itertools.accumulate((len(text) + 1 for text in texts[:-1]), initial=0)
    return per_span([(start, start + len(text)) for start, text in zip(starts, texts, strict=True)], hits)


CJK = re.compile(r"[\u3400-\u9fff]")  # Chinese characters (and Japanese kanji)
# Capital letters of the Latin (with Latin-1's) and Cyrillic alphabets, for a character class:
# what names, places and datelines start with ("Gen. Valery", "Берне", "МОСКВА").
UPPER = "A-ZÀ-ÖØ-ÞА-ЯЁ"
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


class SpacedKeywords(Generic[P]):
    """Strings found by one automaton pass over ``spaced(text)``, each either as a whole word
    (right after one of ``before`` and right before one of ``after``) or, when added with
    ``whole_word=False``, anywhere; reported with their offsets in the text itself."""

    def __init__(self, entries: Iterable[tuple[str, P, bool]], before: Sequence[str], after: Sequence[str]) -> None:
        # automaton word → (where the string starts in it, the string's length, payload) per entry
        words: dict[str, dict[tuple[int, int, P], None]] = {}
        for string, payload, whole_word in entries:
            if not whole_word:
                words.setdefault(string, {})[(0, len(string), payload)] = None
                continue
            for edge in before:
                for end in after:
                    words.setdefault(f"{edge}{string}{end}", {})[(len(edge), len(string), payload)] = None
        self._keys = Keywords({word: tuple(found) for word, found in words.items()})

    def __len__(self) -> int:
        return len(self._keys)

    def find(self, spaced_text: str) -> list[tuple[int, int, P]]:
        """(start, end, payload) in the text of every string found in ``spaced_text``, its ``spaced`` form."""
        return [
            (start + lead - 1, start + lead - 1 + length, payload)  # spaced[i + 1] is text[i]
            for start, _, found in self._keys.find(spaced_text)
            for lead, length, payload in found
        ]


class TermMatcher:
    """Finds each of many whole-word terms in a text, as ``re.finditer`` of ``bounded(term)``
    with IGNORECASE would: non-overlapping matches, leftmost first."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.terms = list(terms)
        self._regexes = [re.compile(bounded(term), re.IGNORECASE) for term in self.terms]
        self._expanded: set[int] = set()
        entries: list[tuple[str, int, bool]] = []  # (a string the term matches, term index, whole word)
        for index, term in enumerate(self.terms):
            strings = expand(term)
            if strings is None or any(_NOT_A_WORD_CHARACTER.sub(" ", s) != s for s in strings):
                continue  # not finite, or with characters that spacing the text removes
            self._expanded.add(index)
            entries.extend((string, index, not UNBOUNDED.search(term)) for string in strings)
        self._keys = SpacedKeywords(entries, before=_WORD_EDGES, after=_WORD_EDGES)
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
            for start, stop, index in self._keys.find(text_spaced):
                spans.setdefault(index, []).append((start, stop))
            for index, term_spans in spans.items():
                taken_until = -1
                for start, stop in sorted(term_spans, key=lambda span: (span[0], -span[1])):
                    if start >= taken_until:
                        found[index].append(text[start:stop])
                        taken_until = stop
        for index in regex_terms:
            found[index] = [match.group(0) for match in self._regexes[index].finditer(text)]
        return found
