"""Progress: plain lines on stderr when not on a terminal (stdout keeps only results and JSON), a
rich bar on a terminal, reported by the pipeline through a hook, also from inside Prefect flows."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.polling import in_parallel
from newswatch.progress import PlainLines, RichBar, showing_progress, step_counter
from newswatch.seeds import parse_seed_text
from newswatch.storage.database import open_database
from tests.conftest import SEEDS

OWN_CORPUS = Path(__file__).parent / "corpus"


def test_eval_shows_plain_progress_lines_on_stderr_when_not_on_a_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "newswatch", "eval", str(OWN_CORPUS), "--labels", str(OWN_CORPUS / "labels.json")]
    result = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["contacts"]["f1"] == 1.0  # stdout is the JSON and nothing else
    lines = result.stderr.splitlines()
    assert all(re.fullmatch(r"(Classifying|Storing): \d+/26 \(\d+%\)", line) for line in lines), lines
    assert [line for line in lines if line.startswith("Classifying")][-1] == "Classifying: 26/26 (100%)"
    assert lines[-1] == "Storing: 26/26 (100%)"
    assert len(lines) == 20  # each tenth of the way, not each item
    assert "\x1b" not in result.stderr


def test_plain_lines_every_tenth_and_none_for_small_steps() -> None:
    stream = io.StringIO()
    display = PlainLines(stream, min_total=20)
    for done in range(1, 101):
        display.update("Storing", done, 100)
    for done in range(1, 6):
        display.update("Classifying", done, 5)
    assert stream.getvalue().splitlines() == [f"Storing: {n}/100 ({n}%)" for n in range(10, 101, 10)]


def test_a_rich_bar_on_a_terminal_and_nothing_on_stdout(
    sqlite_url: str, classifier: Classifier, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [
        classifier.classify(
            parse_seed_text(f" date 2024-01-{n:02d} Article {n} about nothing in particular.", f"{n}.txt")
        )
        for n in range(1, 31)
    ]
    terminal = io.StringIO()
    console = Console(file=terminal, force_terminal=True, width=100)
    with showing_progress(RichBar(console)):
        store_classifications(open_database(sqlite_url), items, [])
    drawn = terminal.getvalue()
    assert "Storing" in drawn and "30/30" in drawn and "\x1b[" in drawn and "━" in drawn
    assert capsys.readouterr().out == ""


def test_progress_is_counted_as_threads_finish() -> None:
    stream = io.StringIO()
    with showing_progress(PlainLines(stream)):
        results = in_parallel(lambda n: n * 2, list(range(40)), 8, step_counter("Polling feeds", 40))
    assert results == [n * 2 for n in range(40)]
    assert stream.getvalue().splitlines()[-1] == "Polling feeds: 40/40 (100%)"


def test_the_replay_flow_reports_its_steps_through_the_hook(
    prefect_server: str, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    from newswatch.flows.replay import replay

    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("NEWSWATCH_NOTIFY", raising=False)
    stream = io.StringIO()
    with showing_progress(PlainLines(stream, min_total=1)):
        replay([str(SEEDS)])
    lines = stream.getvalue().splitlines()
    assert "Classifying: 2/2 (100%)" in lines and "Storing: 2/2 (100%)" in lines
