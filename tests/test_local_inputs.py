"""Local inputs (issue 16, rows 11 and 1): a seed path is checked for type and size before it is
read, so /dev/zero, a FIFO, a socket or a 100 MB file is refused alone, at once, naming the path;
any exception reading one file or classifying one article is that item's failure, not the run's."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner

from newswatch.classify import Classifier, classify_each
from newswatch.cli import ExitStatus, app
from newswatch.errors import SeedFileError
from newswatch.seeds import MAX_SEED_BYTES, read_seed_file, read_seed_files
from tests.conftest import SEEDS

T = TypeVar("T")
GOOD = b" date 2024-04-17 The defence ministers held talks in Singapore.\n"
HUNDRED_MB = 100 * 1024 * 1024


def _within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``'s result, or a test failure if it has not returned within ``seconds`` (a reader
    blocked on a FIFO would otherwise hang the suite: it is left behind in a daemon thread)."""
    outcome: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the test below
            error.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    if error:
        raise error[0]
    return outcome[0]


def _refusal(path: Path) -> str:
    with pytest.raises(SeedFileError) as caught:
        _within(5, lambda: read_seed_file(path))
    return str(caught.value)


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert _refusal(fifo) == f"{fifo}: not a regular file (a FIFO)"


def test_dev_zero_is_refused_as_a_device() -> None:
    assert _refusal(Path("/dev/zero")) == "/dev/zero: not a regular file (a character device)"


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert _refusal(path) == f"{path}: not a regular file (a socket)"
    finally:
        server.close()


def test_a_100_mb_file_is_refused_by_its_size_at_once_and_in_little_memory(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.write(GOOD)
        handle.truncate(HUNDRED_MB)  # sparse: costs no disk
    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = _refusal(big)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message == f"{big}: is 104,857,600 bytes; the limit for one article is {MAX_SEED_BYTES:,} bytes"
    assert elapsed < 0.5
    assert peak < 1_000_000


def test_a_file_at_the_limit_is_read_and_one_byte_over_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "edge.txt"
    path.write_bytes(GOOD + b"x" * (MAX_SEED_BYTES - len(GOOD)))
    assert read_seed_file(path).text.startswith("The defence ministers")
    path.write_bytes(GOOD + b"x" * (MAX_SEED_BYTES - len(GOOD) + 1))
    assert "the limit for one article is" in _refusal(path)


def test_a_folder_reports_each_entry_that_is_not_a_regular_file_and_reads_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(GOOD)
    os.mkfifo(tmp_path / "b.txt")
    with (tmp_path / "c.txt").open("wb") as handle:
        handle.truncate(HUNDRED_MB)
    (tmp_path / "d.txt").write_bytes(GOOD.replace(b"Singapore", b"Beijing"))
    (tmp_path / "notes.md").write_bytes(b"not a seed")  # not *.txt: not an article, not a failure
    (tmp_path / "sub.txt").mkdir()  # a folder named like a seed: reported, not entered
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    articles, failures = _within(5, lambda: read_seed_files([tmp_path]))
    assert [a.ref for a in articles] == ["a.txt", "d.txt"]
    assert [(Path(f.path).name, f.reason) for f in failures] == [
        ("b.txt", "not a regular file (a FIFO)"),
        ("c.txt", f"is 104,857,600 bytes; the limit for one article is {MAX_SEED_BYTES:,} bytes"),
        ("sub.txt", "not a regular file (a folder)"),
        ("zero.txt", "not a regular file (a character device)"),
    ]


def test_any_exception_reading_one_file_is_that_files_failure(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_bytes(GOOD)

    def reader(path: Path):
        if path.name == "b.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return read_seed_file(path)

    articles, failures = read_seed_files([tmp_path], read=reader)
    assert [a.ref for a in articles] == ["a.txt", "c.txt"]
    assert [(f.path, f.reason) for f in failures] == [
        (str(tmp_path / "b.txt"), "RecursionError: maximum recursion depth exceeded")
    ]


def test_an_article_the_classifier_raises_on_is_that_articles_failure(classifier: Classifier) -> None:
    first, second = read_seed_files([SEEDS])[0]
    # A date of None, which the types forbid, makes a real TypeError inside the classifier.
    broken = dataclasses.replace(first, ref="broken.txt", published=None)  # type: ignore[arg-type]  # on purpose, see above
    classified, failures = classify_each(classifier.classify, [first, broken, second])
    assert [c.article.ref for c in classified] == [first.ref, second.ref]
    assert len(failures) == 1 and failures[0].path == "broken.txt"
    assert failures[0].reason.startswith("not classified: TypeError: ")


def test_classify_command_names_each_culprit_once_and_exits_partial(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(GOOD)
    os.mkfifo(tmp_path / "pipe.txt")
    with (tmp_path / "big.txt").open("wb") as handle:
        handle.truncate(HUNDRED_MB)
    result = _within(60, lambda: CliRunner().invoke(app, ["classify", str(tmp_path), "/dev/zero"]))
    assert result.exit_code == ExitStatus.PARTIAL, result.output
    assert "a.txt (2024-04-17)" in result.stdout
    for culprit, reason in [
        (tmp_path / "big.txt", "is 104,857,600 bytes"),
        (tmp_path / "pipe.txt", "not a regular file (a FIFO)"),
        ("/dev/zero", "not a regular file (a character device)"),
    ]:
        lines = [line for line in result.stderr.splitlines() if str(culprit) in line]
        assert len(lines) == 1 and reason in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_replay_names_each_culprit_once_stores_the_rest_and_exits_partial(
    tmp_path: Path, prefect_server: str, postgres_url: str
) -> None:
    """The command as run, on PostgreSQL (where a NUL byte lost its whole batch): the FIFO, the
    100 MB file and /dev/zero each refused in one line, the others stored, exit status 3."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.txt").write_bytes(GOOD)
    (seeds / "nul.txt").write_bytes(b" date 2024-04-18 A NUL\x00 byte in the ministers' talks.\n")
    os.mkfifo(seeds / "pipe.txt")
    with (seeds / "big.txt").open("wb") as handle:
        handle.truncate(HUNDRED_MB)
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp_path / "home"), "PREFECT_API_URL": prefect_server}
    env.pop("NEWSWATCH_NOTIFY", None)
    command = [sys.executable, "-m", "newswatch", "replay", str(seeds), "/dev/zero", "--db", postgres_url]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == ExitStatus.PARTIAL, result.stderr
    assert "Read 5 files: 2 new articles, 0 already stored, 3 unreadable." in result.stdout
    assert sorted(result.stderr.splitlines()) == [
        "skipped /dev/zero: not a regular file (a character device)",
        f"skipped {seeds / 'big.txt'}: is 104,857,600 bytes; the limit for one article is {MAX_SEED_BYTES:,} bytes",
        f"skipped {seeds / 'pipe.txt'}: not a regular file (a FIFO)",
    ]
