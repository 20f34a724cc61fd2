"""Reading seed-format article files.

A seed file holds one article: an optional leading space, ``date YYYY-MM-DD``, then the text,
with paragraphs separated by blank lines. The reader tolerates a BOM, CRLF line ends, trailing
whitespace and a missing leading space.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from newswatch.errors import SeedFileError
from newswatch.language import detect_language
from newswatch.records import Article, ReadFailure
from newswatch.text import first_sentence

SEED_SUFFIX = ".txt"
_HEADER = re.compile(r"\A\s*date[ \t]+(\S+)(?:[ \t]+|[ \t]*\n|\Z)", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_seed_text(text: str, ref: str) -> Article:
    """Parse the text of a seed file into an Article.

    Args:
        text: the decoded file content.
        ref: the article's reference (the file's base name), used in errors.

    Raises:
        SeedFileError: no date header, an impossible date or an empty body.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    header = _HEADER.match(text)
    if not header:
        raise SeedFileError(f"{ref}: no date header (expected 'date YYYY-MM-DD' at the start)")
    raw_date = header.group(1)
    if not _ISO_DATE.fullmatch(raw_date):
        raise SeedFileError(f"{ref}: date {raw_date!r} is not in YYYY-MM-DD form")
    try:
        published = dt.date.fromisoformat(raw_date)
    except ValueError:
        raise SeedFileError(f"{ref}: impossible date {raw_date}") from None
    body = "\n".join(line.rstrip() for line in text[header.end() :].split("\n")).strip()
    if not body:
        raise SeedFileError(f"{ref}: the article has a date but no text")
    return Article(ref=ref, published=published, text=body, title=first_sentence(body), language=detect_language(body))


def read_seed_file(path: Path) -> Article:
    """Read and parse one seed file; the article's ref is the file's base name.

    Raises:
        SeedFileError: the file cannot be read, is not UTF-8, or is not in seed format.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SeedFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedFileError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return parse_seed_text(text, path.name)
    except SeedFileError as exc:
        raise SeedFileError(str(exc).replace(path.name, str(path), 1)) from None


def find_seed_files(paths: Iterable[Path]) -> tuple[list[Path], list[ReadFailure]]:
    """Expand files and folders into the seed files to read, in name order within a folder.

    Folders contribute their ``*.txt`` files (not recursively, hidden files skipped); a path that
    does not exist is reported as a failure.
    """
    files: list[Path] = []
    failures: list[ReadFailure] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p for p in path.iterdir() if p.is_file() and p.suffix == SEED_SUFFIX and not p.name.startswith(".")
                )
            )
        elif path.exists():
            files.append(path)
        else:
            failures.append(ReadFailure(str(path), "no such file or folder"))
    return files, failures


def read_seed_files(paths: Iterable[Path]) -> tuple[list[Article], list[ReadFailure]]:
    """Read every seed file under ``paths``; a bad file is reported and the others still read."""
    files, failures = find_seed_files(paths)
    articles: list[Article] = []
    for file in files:
        try:
            articles.append(read_seed_file(file))
        except SeedFileError as exc:
            failures.append(ReadFailure(str(file), str(exc)))
    return articles, failures
