"""Every user mistake is one line on stderr naming the culprit, the exit code the README gives,
within about a second, and before Prefect is imported or a server started (issue 18). Each case
runs the command as a user does, in a process of its own with ``-X importtime``, whose report
tells whether Prefect was loaded."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch.cli import ExitStatus, app
from tests.conftest import SEEDS
from tests.test_cli import COMMANDS

# Measured at 0.6–1.3 s on a loaded machine; the bound leaves room for a busy CI runner, while
# Prefect's import and a temporary server (5–15 s) stay well above it.
FAST_SECONDS = 5.0
NO_DATABASE = "; run `newswatch replay seeds/` or `newswatch run` first"


@dataclass(frozen=True)
class Outcome:
    """A finished command: its exit code, stdout, stderr's lines (the import report left out),
    the modules it imported, and how long it took."""

    code: int
    stdout: str
    lines: list[str]
    imported: set[str]
    seconds: float


def _newswatch(tmp_path: Path, *arguments: str, **env: str) -> Outcome:
    environ = {
        **os.environ,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        **env,
    }
    for name in ("PREFECT_API_URL", "NEWSWATCH_NOTIFY", "NEWSWATCH_DATABASE_URL", "NEWSWATCH_CONFIG_DIR"):
        if name not in env:
            environ.pop(name, None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "newswatch", *arguments],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    seconds = time.monotonic() - started
    report = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    imported = {line.rsplit("|", 1)[1].strip() for line in report[1:]}
    lines = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    return Outcome(result.returncode, result.stdout, lines, imported, seconds)


def _one_line_before_prefect(outcome: Outcome, tmp_path: Path, code: int, line: str) -> None:
    assert outcome.lines == [line], outcome.lines
    assert outcome.code == code
    assert not {name for name in outcome.imported if name.split(".")[0] == "prefect"}, "Prefect was imported"
    assert not (tmp_path / "home" / "prefect-server.log").exists(), "a Prefect server was started"
    assert outcome.seconds < FAST_SECONDS, f"took {outcome.seconds:.1f} s"


def test_a_feed_that_is_not_a_url_is_a_usage_error_before_prefect(tmp_path: Path) -> None:
    outcome = _newswatch(tmp_path, "run", "--feed", "notaurl")
    assert outcome.code == ExitStatus.USAGE
    assert "Error: Invalid value for '--feed': 'notaurl' is not an http:// or https:// URL" in outcome.lines
    assert not {name for name in outcome.imported if name.split(".")[0] == "prefect"}
    assert outcome.seconds < FAST_SECONDS


@pytest.mark.parametrize("command", ["replay", "run", "serve"])
def test_a_database_url_that_is_not_one_fails_before_prefect(tmp_path: Path, command: str) -> None:
    arguments = [str(SEEDS)] if command == "replay" else []
    outcome = _newswatch(tmp_path, command, *arguments, "--db", "notaurl")
    _one_line_before_prefect(outcome, tmp_path, ExitStatus.ERROR, "newswatch: error: not a database URL: 'notaurl'")


@pytest.mark.parametrize("command", ["replay", "run", "serve"])
def test_a_notification_url_apprise_does_not_understand_fails_before_prefect(tmp_path: Path, command: str) -> None:
    arguments = [str(SEEDS)] if command == "replay" else []
    outcome = _newswatch(tmp_path, command, *arguments, "--notify", "bogus://nothing")
    expected = "newswatch: error: notification URL not understood by apprise: bogus://… (check its syntax)"
    _one_line_before_prefect(outcome, tmp_path, ExitStatus.ERROR, expected)


@pytest.mark.parametrize("command", [["replay", str(SEEDS)], ["contacts"]], ids=["replay", "contacts"])
def test_a_file_path_given_as_database_url_is_answered_with_the_sqlite_url(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "file.db"
    outcome = _newswatch(tmp_path, *command, "--db", str(path))
    expected = f"newswatch: error: not a database URL: '{path}'; did you mean sqlite:///{path}?"
    _one_line_before_prefect(outcome, tmp_path, ExitStatus.ERROR, expected)


def test_a_database_folder_that_cannot_be_created_fails_before_prefect(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    database = tmp_path / "a-file" / "sub" / "newswatch.db"
    outcome = _newswatch(tmp_path, "replay", str(SEEDS), "--db", f"sqlite:///{database}")
    expected = (
        f"newswatch: error: cannot create the database {database}: "
        f"{tmp_path / 'a-file'} is not a folder it can be created in"
    )
    _one_line_before_prefect(outcome, tmp_path, ExitStatus.ERROR, expected)


@pytest.mark.parametrize("command", ["replay", "classify"])
def test_a_path_that_does_not_exist_is_an_error_not_a_partial_run(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nonexistent"
    outcome = _newswatch(tmp_path, command, str(missing))
    _one_line_before_prefect(
        outcome, tmp_path, ExitStatus.ERROR, f"newswatch: error: {missing}: no such file or folder"
    )


@pytest.mark.parametrize("command", ["replay", "classify"])
def test_a_folder_without_seed_files_is_an_error_not_silent_success(tmp_path: Path, command: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("not a seed file by its name", encoding="utf-8")
    outcome = _newswatch(tmp_path, command, str(empty))
    _one_line_before_prefect(outcome, tmp_path, ExitStatus.ERROR, f"newswatch: error: no *.txt files in {empty}")


@pytest.mark.parametrize("command", ["replay", "classify"])
def test_a_file_not_in_seed_format_is_an_error_naming_it(tmp_path: Path, command: str) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Meeting notes, no date header.\n", encoding="utf-8")
    outcome = _newswatch(tmp_path, command, str(notes))
    expected = f"newswatch: error: {notes}: no date header (expected 'date YYYY-MM-DD' at the start)"
    _one_line_before_prefect(outcome, tmp_path, ExitStatus.ERROR, expected)


def test_files_none_of_which_can_be_read_are_each_named_then_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("no header", encoding="utf-8")
    (tmp_path / "b.txt").write_text(" date 2024-13-01 A month that is not.", encoding="utf-8")
    outcome = _newswatch(tmp_path, "replay", str(tmp_path))
    assert outcome.lines == [
        f"skipped {tmp_path / 'a.txt'}: no date header (expected 'date YYYY-MM-DD' at the start)",
        f"skipped {tmp_path / 'b.txt'}: impossible date 2024-13-01",
        "newswatch: error: none of the 2 files is a readable seed file",
    ]
    assert outcome.code == ExitStatus.ERROR
    assert "prefect" not in outcome.imported


@pytest.mark.parametrize("command", ["replay", "run"])
def test_a_config_folder_that_does_not_exist_fails_before_prefect(tmp_path: Path, command: str) -> None:
    arguments = [str(SEEDS)] if command == "replay" else []
    missing = tmp_path / "no-config"
    outcome = _newswatch(tmp_path, command, *arguments, "--config", str(missing))
    expected = f"newswatch: error: {missing}: configuration folder not found"
    _one_line_before_prefect(outcome, tmp_path, ExitStatus.ERROR, expected)


READ_ONLY = [
    ["contacts"],
    ["alerts"],
    ["articles"],
    ["mutes"],
    ["report", "--out", "{tmp}/report.html"],
    ["digest", "--dry-run"],
    ["alerts", "retry", "1"],
    ["mute", "event", "1"],
    ["unmute", "topic", "taiwan"],
]


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_command_that_reads_never_creates_the_database(tmp_path: Path, command: list[str]) -> None:
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in command]
    outcome = _newswatch(tmp_path, *arguments)
    database = tmp_path / "home" / "newswatch.db"
    _one_line_before_prefect(
        outcome, tmp_path, ExitStatus.ERROR, f"newswatch: error: no database at {database}{NO_DATABASE}"
    )
    assert not (tmp_path / "home").exists()
    assert not (tmp_path / "report.html").exists()


def test_a_mistyped_sqlite_url_creates_no_folder(tmp_path: Path) -> None:
    database = tmp_path / "x" / "y.db"
    outcome = _newswatch(tmp_path, "contacts", "--db", f"sqlite:///{database}")
    _one_line_before_prefect(
        outcome, tmp_path, ExitStatus.ERROR, f"newswatch: error: no database at {database}{NO_DATABASE}"
    )
    assert not (tmp_path / "x").exists()


def test_muting_a_topic_before_a_first_run_creates_the_database(tmp_path: Path) -> None:
    outcome = _newswatch(tmp_path, "mute", "topic", "taiwan")
    assert outcome.code == ExitStatus.SUCCESS, outcome.lines
    assert (tmp_path / "home" / "newswatch.db").is_file()


def test_retrying_an_alert_that_does_not_exist_is_an_error(tmp_path: Path, sqlite_url: str) -> None:
    assert CliRunner().invoke(app, ["db", "upgrade", "--db", sqlite_url]).exit_code == 0
    result = CliRunner().invoke(app, ["alerts", "retry", "999", "--db", sqlite_url])
    assert result.exit_code == ExitStatus.ERROR
    assert result.stderr.splitlines() == [
        "newswatch: error: no alert 999 to retry (only failed, dead or unknown ones are): see `newswatch alerts`"
    ]
    assert "Requeued" not in result.stdout


def test_the_database_default_in_help_follows_newswatch_home(tmp_path: Path) -> None:
    outcome = _newswatch(tmp_path, "contacts", "--help")
    assert outcome.code == 0
    shown = "".join(outcome.stdout.split())  # (help wraps a long path anywhere)
    assert f"[default:sqlite:///{tmp_path / 'home' / 'newswatch.db'}]" in shown


# Typer's Python types in help: "<list[Path]>", "<int>", "<float>", "<int range>"; "[[ID]]" in usage.
PYTHON_TYPE = re.compile(r"<[A-Za-z_]+(\[[^>]*\])?( range)?>|\[\[")


@pytest.mark.parametrize("command", [[], *COMMANDS], ids=lambda c: " ".join(c) or "newswatch")
def test_help_shows_no_python_types(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert not PYTHON_TYPE.search(result.output), result.output
