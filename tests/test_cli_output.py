"""What list commands print (newswatch/cli/output.py): a table on a terminal, one line per item
elsewhere, JSON on request; made safe either way."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import NamedTuple

import pytest

from newswatch.app import open_database
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.cli.output import show_list
from newswatch.seeds import read_seed_files
from newswatch.settings import load_settings
from tests.conftest import SEEDS


class Row(NamedTuple):
    title: str
    url: str


HOSTILE = Row("[bold]Talks[/bold] \x1b[31mred\x1b[0m", "https://user:hunter2@example.com/feed")
COLUMNS = (("title", lambda row: row.title), ("url", lambda row: row.url))


def test_on_a_terminal_a_list_is_a_table_of_safe_plain_cells(capsys: pytest.CaptureFixture[str]) -> None:
    show_list([HOSTILE], as_json=False, text_of=lambda row: row.title, columns=COLUMNS, on_terminal=True)
    out = capsys.readouterr().out
    assert "title" in out and "url" in out  # the headers
    assert "[bold]Talks[/bold]" in out  # rich markup in a cell is shown, not obeyed
    assert "\x1b" not in out.replace("\x1b[1m", "").replace("\x1b[0m", "")  # only the table's own styling
    assert "hunter2" not in out and "example.com" in out


def test_elsewhere_a_list_is_one_line_per_item(capsys: pytest.CaptureFixture[str]) -> None:
    show_list([HOSTILE, HOSTILE], as_json=False, text_of=lambda row: row.title, columns=COLUMNS, on_terminal=False)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("Talks" in line and "\x1b" not in line for line in lines)


def test_an_empty_list_says_so_instead_of_an_empty_table(capsys: pytest.CaptureFixture[str]) -> None:
    show_list([], as_json=False, text_of=str, columns=COLUMNS, empty="Nothing yet.", on_terminal=True)
    assert capsys.readouterr().out == "Nothing yet.\n"


def _on_a_terminal(args: list[str]) -> str:
    """Run newswatch with its stdout on a pseudo-terminal, as a user at a shell would."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 120 columns
    try:
        process = subprocess.run(
            [sys.executable, "-m", "newswatch", *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            env={**os.environ, "TERM": "dumb"},
            timeout=120,
            check=False,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower end is closed and everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert process.returncode == 0, process.stderr.decode()
    return b"".join(chunks).decode()


def test_contacts_on_a_terminal_is_a_table_and_in_a_pipe_lines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'news.db'}"
    settings = load_settings()
    classifier = Classifier(settings)
    articles, _ = read_seed_files([SEEDS])
    store_classifications(open_database(url), [classifier.classify(a) for a in articles], [])

    table = _on_a_terminal(["contacts", "--db", url])
    header = table.splitlines()[0].split()
    assert header == ["#", "date", "contact", "where", "participants", "found", "alerted"]
    assert "Liu Zhenli" in table

    piped = subprocess.run(
        [sys.executable, "-m", "newswatch", "contacts", "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert piped.startswith("#2 2023-12-21 video call: Charles Q. Brown Jr.") and "participants" not in piped
