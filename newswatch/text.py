"""Splitting article text into paragraphs and sentences (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# Words that end with a full stop without ending a sentence in news copy.
ABBREVIATIONS = frozenset(
    [
        "gen",
        "adm",
        "lt",
        "col",
        "maj",
        "capt",
        "cmdr",
        "cdr",
        "sgt",
        "brig",
        "cpl",
        "pvt",
        "sen",
        "rep",
        "gov",
        "pres",
        "amb",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "no",
        "nos",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "dept",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "p.m",
        "a.m",
        "calif",
        "wash",
        "fla",
        "mass",
        "ariz",
    ]
)

_LONGEST_ABBREVIATION = max(len(word) for word in ABBREVIATIONS)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A candidate boundary: terminal punctuation, optional closing quote/bracket, whitespace, then
# something that can start a sentence.
# (any script: a capital, a digit, or a letter of a script without case such as Hangul; a
# lower-case letter of any script is checked after the match)
_BOUNDARY = re.compile(r"""([.!?]["'”’)\]]*)(\s+)(?=["'“‘(\[]?(?:[A-Z0-9]|[^\x00-\x7f]))""")
_CJK_ENDS = "。！？"
_CJK_BOUNDARY = re.compile(rf"(?<=[{_CJK_ENDS}])")
# Words and initials of any alphabet ("Gen.", "В.В. Герасимов", "S. Shoigu"): letters, not digits.
_LETTER = r"[^\W\d_]"
_WORD_BEFORE = re.compile(rf"({_LETTER}(?:{_LETTER}|\.)*)$")
_ABBREVIATION_WINDOW = 16
_INITIALS = re.compile(rf"{_LETTER}(?:\.{_LETTER})+")


@dataclass(frozen=True)
class Sentence:
    """A sentence with its position: paragraph index and sentence index in the article."""

    text: str
    paragraph: int
    index: int
    start: int | None = None  # where ``text`` is in the article, when it is there verbatim


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines, inner line breaks folded, empty ones dropped."""
    paragraphs = (" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text))
    return [p for p in paragraphs if p]


def _is_abbreviation(text: str, start: int, end: int) -> bool:
    """True if ``text[start:end]`` ends with an abbreviation or an initial, so the full stop
    after it is not an end."""
    word_start = text.rfind(" ", start, end) + 1 or start
    last_word = text[word_start:end]
    if len(last_word) > _LONGEST_ABBREVIATION and last_word.isascii() and last_word.isalpha():
        return False  # "said.": most full stops, decided without a regular expression
    # Only the last few characters matter: searching a whole sentence for "…$" tries every position.
    window = max(start, end - _ABBREVIATION_WINDOW)
    match = _WORD_BEFORE.search(text, window, end)
    if match and match.start() == window > start and (text[window - 1].isalpha() or text[window - 1] == "."):
        match = _WORD_BEFORE.search(text, start, end)  # a word longer than the window: no abbreviation, but be exact
    if not match:
        return False
    word = match.group(1).rstrip(".")
    if len(word) == 1 and word.isupper():  # an initial, as in "Charles Q. Brown"
        return True
    if _INITIALS.fullmatch(word) and word.isupper():  # initials, as in "CAMP H.M. SMITH", "J.R. Smith", "В.В."
        return True
    return word.lower() in ABBREVIATIONS


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; knows news abbreviations such as "Gen." and "U.S."."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        end = match.end(1)
        if paragraph[match.end(2) :].lstrip("\"'“‘([")[:1].islower():  # "é", "д": no sentence starts so
            continue
        if match.group(1).startswith(".") and _is_abbreviation(paragraph, start, match.start(1)):
            continue
        sentences.append(paragraph[start:end].strip())
        start = match.end(2)
    sentences.append(paragraph[start:].strip())
    if not any(mark in paragraph for mark in _CJK_ENDS):
        return [sentence for sentence in sentences if sentence]
    result: list[str] = []
    for sentence in sentences:
        result.extend(s.strip() for s in _CJK_BOUNDARY.split(sentence) if s.strip())
    return result


def _stripped(text: str, start: int, end: int) -> Iterator[tuple[str, int]]:
    """``text[start:end]`` stripped, with its offset in ``text``; nothing if it is blank."""
    raw = text[start:end]
    stripped = raw.strip()
    if stripped:
        yield stripped, start + len(raw) - len(raw.lstrip())


def _paragraph_spans(text: str) -> Iterator[tuple[str, int]]:
    """Each non-empty paragraph, stripped, with its offset in ``text``."""
    start = 0
    for separator in [*_PARAGRAPH_BREAK.finditer(text), None]:
        yield from _stripped(text, start, separator.start() if separator else len(text))
        if separator:
            start = separator.end()


def split_article(text: str) -> list[Sentence]:
    """All sentences of an article, each tagged with its paragraph and, where the sentence is in
    the text verbatim (no line breaks or runs of spaces inside its paragraph), its offset."""
    sentences: list[Sentence] = []
    for paragraph_index, (raw_paragraph, paragraph_offset) in enumerate(_paragraph_spans(text)):
        for raw, offset in _line_units(raw_paragraph, paragraph_offset):
            unit = " ".join(raw.split())
            verbatim = unit == raw
            cursor = 0
            for sentence in split_sentences(unit):
                start = None
                if verbatim:
                    found = unit.find(sentence, cursor)
                    start, cursor = offset + found, found + len(sentence)
                sentences.append(Sentence(sentence, paragraph_index, len(sentences), start))
    return sentences


# A line that ends a sentence, or a short line (a headline, a byline, a caption), ends a sentence
# at its line break; a longer line that stops mid-sentence was wrapped.
_ENDS_LINE_UNIT = re.compile(r"""[.!?:。！？：…"”’)）」』]\s*$""")
_WRAPPED_LINE = 60  # characters: a line at least this long that stops mid-sentence was wrapped


def _line_units(paragraph: str, offset: int) -> Iterator[tuple[str, int]]:
    """The parts of a paragraph that no sentence crosses, with their offsets: pages copied with
    one paragraph per line (headline, byline, lead, each on its line, no blank line between)
    keep their headline out of the lead's first sentence. A line break ends a part after a line
    that ends a sentence or is short, unless the next line goes on in lower case."""
    if "\n" not in paragraph:
        yield paragraph, offset
        return
    start = line_start = 0
    while (newline := paragraph.find("\n", line_start)) != -1:
        line = paragraph[line_start:newline].strip()
        following = paragraph[newline + 1 :].lstrip()[:1]
        if (_ENDS_LINE_UNIT.search(line) or len(line) < _WRAPPED_LINE) and not following.islower():
            yield from ((part, offset + at) for part, at in _stripped(paragraph, start, newline))
            start = newline + 1
        line_start = newline + 1
    yield from ((part, offset + at) for part, at in _stripped(paragraph, start, len(paragraph)))


def verbatim_spans(sentences: Sequence[Sentence]) -> list[tuple[int, int]] | None:
    """(start, end) of each sentence in the article, or None if some sentence is not in it
    verbatim (``split_article``)."""
    if any(sentence.start is None for sentence in sentences):
        return None
    return [(sentence.start or 0, (sentence.start or 0) + len(sentence.text)) for sentence in sentences]


def first_sentence(text: str, limit: int = 140) -> str:
    """The article's first sentence, cut at a word boundary to at most ``limit`` characters."""
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        return ""
    sentence = split_sentences(paragraphs[0])[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
