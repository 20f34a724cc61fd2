"""Finding many phrases, each keyed by its first word, in a text fast (pure).

A ``PhraseIndex`` holds phrases (names, titles, country words: the gazetteer's) with a regular
expression and a payload each; a ``PhraseScanner`` finds, in one automaton pass over the spaced
text (``matching.spaced``), where a word starts that begins some phrase of each of several
indexes, and only there is each such phrase's regex tried.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from newswatch.matching import UNBOUNDED, SpacedKeywords, per_text
from newswatch.matching import spaced as spaced_text
from newswatch.scripts import fold_traditional

T = TypeVar("T")

_TOKEN = re.compile(r"[^\W_][\w.'’-]*")
_WORD_PART = re.compile(r"['’-]")
_NEXT_WORD = re.compile(r" +([^ ]+)")  # in a spaced text: the next word
# What may follow a phrase's first word: the word's end, or the apostrophe, hyphen or dot
# after its key ("China's", "Sino-American", "U.S.").
_KEY_DELIMITERS = (" ", "'", "’", "-", ".")


def _token_key(token: str) -> str:
    return token.rstrip(".").lower()


class PhraseIndex(Generic[T]):
    """Finds many phrases in text fast: an Aho-Corasick automaton (see ``PhraseScanner``) finds
    the words that start some phrase, and only there is each such phrase's regex tried.

    A phrase is keyed by its first word, lower-cased without a final dot; a text word matches a
    key followed by a space, an apostrophe, a hyphen or a dot ("China's", "Sino-American",
    "U.S."). A Chinese phrase (no spaces between words) is keyed by its first character.
    """

    def __init__(self, ignore_case: bool = False) -> None:
        self._flags = re.IGNORECASE if ignore_case else 0
        # key → (the phrase's regex, or the phrase itself where the regex would only spell it out;
        # payload; its second word and where that starts, when the regex starts "first\s+second")
        self.by_first: dict[str, list[tuple[re.Pattern[str] | str, T, tuple[int, str] | None]]] = {}
        self.cjk_by_first: dict[str, list[tuple[re.Pattern[str], T]]] = {}
        self._scanner: PhraseScanner | None = None

    def add(self, phrase: str, pattern: str, payload: T) -> None:
        # Text is read with traditional Chinese characters folded to simplified ones (see
        # newswatch.scripts): a phrase in either form is looked for in the folded form.
        phrase, pattern = fold_traditional(phrase), fold_traditional(pattern)
        compiled = re.compile(pattern, self._flags)
        self._scanner = None
        if UNBOUNDED.search(phrase):
            entries = self.cjk_by_first.setdefault(phrase[0], [])
            if (compiled, payload) not in entries:  # (both forms of a name fold to one)
                entries.append((compiled, payload))
            return
        first = _TOKEN.match(phrase)
        if first is None:
            raise ValueError(f"phrase {phrase!r} does not start with a word")
        literal = pattern == re.escape(phrase) and not self._flags  # "China": compared, not matched
        words = phrase.split()
        second = None
        if (
            len(words) > 1
            and pattern.startswith(rf"{re.escape(words[0])}\s+{re.escape(words[1])}")
            and _TOKEN.fullmatch(words[1])  # as a spaced text has it
        ):
            second = (len(words[0]), words[1].lower())
        entry = (phrase if literal else compiled, payload, second)
        self.by_first.setdefault(_token_key(first.group(0)), []).append(entry)

    def find_each(self, texts: Sequence[str]) -> list[list[tuple[int, int, T]]]:
        """``find`` in each text, in one pass over all of them (offsets are each text's own)."""
        return per_text(texts, self.find("\n".join(texts)))

    def find(self, text: str, word_starts: Sequence[tuple[int, str]] | None = None) -> list[tuple[int, int, T]]:
        """Non-overlapping matches, leftmost first and longest at each position.

        ``word_starts``: (start, key) of the words in ``text`` that are this index's keys, from a
        ``PhraseScanner`` shared with other indexes; by default the index scans the text itself.
        """
        if word_starts is None:
            if self._scanner is None:
                self._scanner = PhraseScanner([self])
            word_starts = self._scanner.word_starts(text)[0]
        found: list[tuple[int, int, T]] = []
        spaced = spaced_text(text)
        for start, key in word_starts:
            next_words: dict[int, str] = {}  # after a first word of this length
            for phrase, payload, second in self.by_first.get(key, ()):
                if second is not None and spaced is not None:
                    # "defence minister": the next word must start with "minister" (a cheap test
                    # that rules out most of a common first word's phrases before any regex runs)
                    length, word = second
                    if length not in next_words:
                        following = _NEXT_WORD.match(spaced, start + 1 + length)
                        next_words[length] = following.group(1) if following else ""
                    if not next_words[length].startswith(word):
                        continue
                if isinstance(phrase, str):
                    end = start + len(phrase) if text.startswith(phrase, start) else -1
                else:
                    match = phrase.match(text, start)
                    end = match.end() if match else -1
                if end >= 0 and (end == len(text) or not (text[end].isalnum() or text[end] == "_")):
                    found.append((start, end, payload))
            for regex, payload in self.cjk_by_first.get(key, ()):
                match = regex.match(text, start)
                if match:
                    found.append((start, match.end(), payload))
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        result: list[tuple[int, int, T]] = []
        for hit in found:
            if not result or hit[0] >= result[-1][1]:
                result.append(hit)
        return result


class PhraseScanner:
    """Where words start that may begin a phrase of each of several ``PhraseIndex``es, in one
    automaton pass over the text for all of them (a superset per index, in order).

    The automaton runs over the lower-cased text with every character that cannot be part of a
    word turned into a space (``matching.SpacedKeywords``), and each key is stored with a space
    before it and a delimiter after it: a hit is then a whole key at a word start, with no checks
    in Python. A Chinese phrase's first character is a key of its own, found anywhere. The last
    few texts' results are kept, so indexes asked one after another about the same article
    share one pass.
    """

    def __init__(self, indexes: Sequence[PhraseIndex[Any]]) -> None:
        entries = [(key, (key, position), True) for position, index in enumerate(indexes) for key in index.by_first] + [
            (character, (character, position), False)
            for position, index in enumerate(indexes)
            for character in index.cjk_by_first
        ]
        self._count = len(indexes)
        self._cjk_characters = [c for index in indexes for c in index.cjk_by_first]
        self._keys = SpacedKeywords(entries, before=(" ",), after=_KEY_DELIMITERS)
        self.word_starts = functools.lru_cache(maxsize=4)(self._word_starts)

    def _word_starts(self, text: str) -> list[list[tuple[int, str]]]:
        """Per index, (start, key) of each word in ``text`` that is one of its keys, in order."""
        if not self._keys:
            return [[] for _ in range(self._count)]
        spaced = spaced_text(text)
        if spaced is None:  # lower-casing changed offsets (rare scripts): every word, for every index
            every_word = sorted(_token_keys(text, self._cjk_characters))
            return [every_word for _ in range(self._count)]
        starts: list[list[tuple[int, str]]] = [[] for _ in range(self._count)]
        for start, _, (key, position) in self._keys.find(spaced):
            starts[position].append((start, key))
        for found in starts:
            found.sort()
        return starts


def _token_keys(text: str, cjk_characters: Sequence[str]) -> set[tuple[int, str]]:
    """(start, key) of every word, keyed whole and up to its first apostrophe or hyphen
    ("China's", "Sino-American"), and of every one of ``cjk_characters``."""
    keys = set()
    for token in _TOKEN.finditer(text):
        word = token.group(0)
        keys.add((token.start(), _token_key(word)))
        keys.add((token.start(), _token_key(_WORD_PART.split(word, maxsplit=1)[0])))
    for character in cjk_characters:
        keys.update((index, character) for index, found in enumerate(text) if found == character)
    return keys
