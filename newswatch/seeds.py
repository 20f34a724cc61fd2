"""Reading seed-format article files.

A seed file holds one article: an optional leading space, ``date YYYY-MM-DD``, then the text,
with paragraphs separated by blank lines. The reader tolerates a BOM, CRLF line ends, trailing
whitespace and a missing leading space.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from newswatch.errors import SeedFileError, item_error
from newswatch.language import detect_language
from newswatch.model import Article, ReadFailure
from newswatch.text import first_sentence

SEED_SUFFIX = ".txt"
# A seed file is one article: a few KB (a long feature is some 100 KB); 2 MiB leaves room
# and keeps a mistaken path (a disk image, a log) from being read into memory.
MAX_SEED_BYTES = 2 * 1024 * 1024
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
}
_CHUNK_BYTES = 64 * 1024  # os.read allocates what it is asked for, however little the file holds
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
logger = logging.getLogger(__name__)
_HEADER = re.compile(r"\A\s*date[ \t]+(\S+)(?:[ \t]+|[ \t]*\n|\Z)", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _seed_parts(text: str, ref: str) -> tuple[dt.date, str]:
    """The date and the body of a seed file's text.

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
    return published, body


def parse_seed_text(text: str, ref: str) -> Article:
    """Parse the text of a seed file into an Article.

    Args:
        text: the decoded file content.
        ref: the article's reference (the file's base name), used in errors.

    Raises:
        SeedFileError: no date header, an impossible date or an empty body.
    """
    published, body = _seed_parts(text, ref)
    return Article(ref=ref, published=published, text=body, title=first_sentence(body), language=detect_language(body))


def _check_regular(path: Path, status: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(status.st_mode):
        kind = _KINDS.get(stat.S_IFMT(status.st_mode), "of an unknown kind")
        raise SeedFileError(f"{path}: not a regular file ({kind})")
    if status.st_size > limit:
        raise SeedFileError(f"{path}: is {status.st_size:,} bytes; the limit for one article is {limit:,} bytes")


def read_limited(path: Path, limit: int = MAX_SEED_BYTES) -> bytes:
    """The content of a regular file of at most ``limit`` bytes, read without ever blocking.

    The path is checked before it is opened (opening a FIFO blocks until a writer comes; a
    device may never end), then opened non-blocking and checked again (a file swapped in
    between), and at most ``limit`` + 1 bytes are read (a file that grew, or one whose size
    the system does not tell, like those of /proc).

    Raises:
        SeedFileError: not a regular file, larger than ``limit``, or unreadable.
    """
    try:
        _check_regular(path, os.stat(path), limit)
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise SeedFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        _check_regular(path, os.fstat(descriptor), limit)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(limit + 1 - size, _CHUNK_BYTES))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise SeedFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(descriptor)
    if size > limit:
        raise SeedFileError(f"{path}: grew beyond the limit for one article ({limit:,} bytes) while being read")
    return b"".join(chunks)


def _seed_text(path: Path) -> str:
    raw = read_limited(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedFileError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None


def _naming_path(exc: SeedFileError, path: Path) -> SeedFileError:
    """A parse error (which names the file by its base name) naming the file by its path."""
    return SeedFileError(str(exc).replace(path.name, str(path), 1))


def read_seed_file(path: Path) -> Article:
    """Read and parse one seed file; the article's ref is the file's base name.

    Raises:
        SeedFileError: the file is not a regular file, is too large (``MAX_SEED_BYTES``), cannot
            be read, is not UTF-8, or is not in seed format.
    """
    text = _seed_text(path)
    try:
        return parse_seed_text(text, path.name)
    except SeedFileError as exc:
        raise _naming_path(exc, path) from None


def check_seed_file(path: Path) -> None:
    """Check that ``path`` is a readable seed file, as ``read_seed_file`` would read it, without
    building the article (no language identification): what a command checks before it starts.

    Raises:
        SeedFileError: as ``read_seed_file``.
    """
    text = _seed_text(path)
    try:
        _seed_parts(text, path.name)
    except SeedFileError as exc:
        raise _naming_path(exc, path) from None


def check_seed_paths(paths: Iterable[Path]) -> list[Path]:
    """The seed files under ``paths``, each path checked as a user gives it, before any work.

    Raises:
        SeedFileError: a path that does not exist, a folder that cannot be listed or holds no
            ``*.txt`` file (one line naming it).
    """
    files: list[Path] = []
    for path in paths:
        found, failures = find_seed_files([path])
        if failures:
            raise SeedFileError(f"{failures[0].path}: {failures[0].reason}")
        if not found:
            raise SeedFileError(f"no *{SEED_SUFFIX} files in {path}")
        files.extend(found)
    return files


def check_seed_files(paths: Iterable[Path]) -> tuple[int, list[ReadFailure]]:
    """How many of the seed files under ``paths`` can be read, and why each other one cannot
    (``check_seed_paths``, then ``check_seed_file`` on each).

    Raises:
        SeedFileError: as ``check_seed_paths``.
    """
    readable = 0
    failures: list[ReadFailure] = []
    for file in check_seed_paths(paths):
        try:
            check_seed_file(file)
        except SeedFileError as exc:
            failures.append(ReadFailure(str(file), str(exc).removeprefix(f"{file}: ")))
        else:
            readable += 1
    return readable, failures


def nothing_readable(paths: Iterable[str | Path], failures: list[ReadFailure]) -> SeedFileError:
    """The error of a replay that could read no file: one file's own error, else how many failed."""
    if len(failures) == 1:
        return SeedFileError(f"{failures[0].path}: {failures[0].reason}")
    if failures:
        return SeedFileError(f"none of the {len(failures)} files is a readable seed file")
    return SeedFileError(f"no seed files (*.txt) in {', '.join(str(p) for p in paths)}")


def find_seed_files(paths: Iterable[Path]) -> tuple[list[Path], list[ReadFailure]]:
    """Expand files and folders into the seed files to read, in name order within a folder.

    Folders contribute their ``*.txt`` entries (not recursively, hidden ones skipped), whatever
    their kind: one that is not a regular file (a FIFO, a folder, a link to a device) is then
    refused by ``read_seed_file`` and reported, rather than silently left out. A path that does
    not exist, or a folder that cannot be listed, is reported as a failure.
    """
    files: list[Path] = []
    failures: list[ReadFailure] = []
    for path in paths:
        if path.is_dir():
            try:
                entries = sorted(p for p in path.iterdir() if p.suffix == SEED_SUFFIX and not p.name.startswith("."))
            except OSError as exc:
                failures.append(ReadFailure(str(path), f"cannot list the folder ({exc.strerror or exc})"))
                continue
            files.extend(entries)
        elif path.exists():
            files.append(path)
        else:
            failures.append(ReadFailure(str(path), "no such file or folder"))
    return files, failures


def read_seed_files(
    paths: Iterable[Path], read: Callable[[Path], Article] = read_seed_file
) -> tuple[list[Article], list[ReadFailure]]:
    """Read every seed file under ``paths`` (each with ``read``); a bad file is reported and the
    others still read.

    A file is an item boundary: any exception reading it, not only a ``SeedFileError``, is that
    file's failure ("<ExceptionType>: <message>"; the traceback is logged at DEBUG).
    """
    files, failures = find_seed_files(paths)
    articles: list[Article] = []
    for file in files:
        try:
            articles.append(read(file))
        except SeedFileError as exc:
            reason = str(exc)
            failures.append(ReadFailure(str(file), reason.removeprefix(f"{file}: ")))
        except Exception as exc:
            logger.debug("reading %s failed", file, exc_info=True)
            failures.append(ReadFailure(str(file), item_error(exc)))
    return articles, failures
