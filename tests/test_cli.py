"""The command line: JSON contracts, help with examples, exit codes and clean output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch.cli import ExitStatus, app
from tests.conftest import SEEDS

runner = CliRunner()
COMMANDS = [
    ["replay"],
    ["serve"],
    ["run"],
    ["feeds"],
    ["articles"],
    ["classify"],
    ["eval"],
    ["contacts"],
    ["alerts"],
    ["alerts", "retry"],
    ["digest"],
    ["mute", "topic"],
    ["mute", "event"],
    ["unmute", "topic"],
    ["unmute", "event"],
    ["mutes"],
    ["db", "upgrade"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example: newswatch" in result.output


def test_top_level_help_and_readme_document_every_exit_code_alike() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    shown = " ".join(result.output.replace("│", " ").split())
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    for status in ExitStatus:
        assert f"{status.value} {status.meaning}" in shown
        assert f"`{status.value}` {status.meaning}" in readme


def test_classify_json_contract() -> None:
    result = runner.invoke(app, ["classify", str(SEEDS), "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert [i["ref"] for i in items] == ["000_fa17d5cd43c4c00b.txt", "004_ec52301a8b636dd9.txt"]
    first = items[0]
    assert {"ref", "published", "topics", "contact", "planned", "language"} <= set(first)
    assert first["language"] == "en" and first["planned"] is None
    assert first["published"] == "2024-04-17"
    assert {t["id"] for t in first["topics"]} == {"us-china-military", "taiwan", "south-china-sea"}
    assert {"date", "mode", "location", "participants", "evidence", "status", "historical", "confidence"} <= set(
        first["contact"]
    )
    assert first["contact"]["status"] == "held" and not first["contact"]["historical"]
    assert first["contact"]["date"] == "2024-04-16"
    assert first["contact"]["participants"][0] == {
        "name": "Lloyd Austin",
        "country": "us",
        "office": "Secretary of Defense",
    }
    assert items[1]["contact"]["mode"] == "video_call"


def test_classify_reports_a_bad_file_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text("no header", encoding="utf-8")
    (tmp_path / "good.txt").write_text(" date 2024-01-01 Nothing happened.", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(tmp_path)])
    assert result.exit_code == ExitStatus.PARTIAL
    assert "bad.txt: no date header" in result.output
    assert "good.txt (2024-01-01): no topic" in result.output


def test_contacts_json_on_an_empty_database(sqlite_url: str) -> None:
    assert runner.invoke(app, ["db", "upgrade", "--db", sqlite_url]).exit_code == 0  # (contacts creates none)
    result = runner.invoke(app, ["contacts", "--json", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


def test_a_config_error_is_one_line_naming_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text(
        "topics:\n  - id: Bad Id\n    name: x\n    threshold: -1\n    terms: {}\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["classify", str(SEEDS), "--config", str(tmp_path)])
    assert result.exit_code == ExitStatus.ERROR
    assert f"{tmp_path / 'topics.yaml'}: topics.0.id" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://h/x", "notaurl", "http://h/a b"])
def test_a_feed_that_is_not_an_http_url_is_a_usage_error_naming_it(url: str) -> None:
    result = runner.invoke(app, ["run", "--feed", url])
    assert result.exit_code == ExitStatus.USAGE
    assert "is not an http:// or https:// URL" in result.output and "Traceback" not in result.output


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["contacts", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert result.exit_code == ExitStatus.ERROR
    assert result.output.startswith("newswatch: error: cannot reach database postgresql")
    assert len(result.output.strip().splitlines()) == 1


def test_replay_command_end_to_end_with_clean_output(tmp_path: Path) -> None:
    """What `make run` does, in a subprocess: the contacts, the alerts, and no framework noise."""
    env = {
        **os.environ,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    env.pop("NEWSWATCH_NOTIFY", None)
    env.pop("NEWSWATCH_DATABASE_URL", None)
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "newswatch", "replay", str(SEEDS)]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert "Contacts in these articles: 2 (2 new)" in first.stdout
    assert "2023-12-21 video call: Charles Q. Brown Jr." in first.stdout
    assert "2024-04-16 talks: Lloyd Austin" in first.stdout
    assert "Alerts: 2 sent, 0 failed (channels: console)" in first.stdout
    for noise in ("Traceback", "ERROR", "INFO", "database is locked"):
        assert noise not in first.stdout
    assert (tmp_path / "home" / "newswatch.db").is_file()

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert second.returncode == 0, second.stderr
    assert "Contacts in these articles: 2 (0 new)" in second.stdout
    assert "Alerts: 0 sent, 0 failed" in second.stdout

    listed = subprocess.run(
        [sys.executable, "-m", "newswatch", "contacts", "--json"], env=env, capture_output=True, text=True, check=True
    )
    events = json.loads(listed.stdout)
    assert [(e["date"], e["alerted"]) for e in events] == [("2023-12-21", True), ("2024-04-16", True)]
    assert {"id", "date", "mode", "location", "participants", "articles", "first_seen", "alerted"} <= set(events[0])
    assert {"status", "historical", "evidence", "confidence", "sources"} <= set(events[0])
    assert events[0]["status"] == "held" and events[0]["sources"] == 1 and events[0]["evidence"]
    assert events[0]["articles"][0]["ref"] == "004_ec52301a8b636dd9.txt"
    (quote,) = events[0]["quotes"]  # one report: the sentence that states the contact, with its source
    assert quote["ref"] == "004_ec52301a8b636dd9.txt" and quote["text"] == events[0]["evidence"][0]


def test_commands_that_run_no_flow_do_not_import_prefect(tmp_path: Path) -> None:
    """Listing, muting, reporting, classifying and evaluating start no flow, so they do not pay
    for importing Prefect (seconds on a small machine)."""
    db = f"sqlite:///{tmp_path / 'nw.db'}"
    corpus = Path(__file__).parent / "corpus"
    commands = [
        ["db", "upgrade", "--db", db],  # (the listing commands create no database)
        ["contacts", "--json", "--db", db],
        ["alerts", "--db", db],
        ["feeds", "--db", db],
        ["articles", "--db", db],
        ["mutes", "--db", db],
        ["mute", "topic", "taiwan", "--db", db],
        ["report", "--out", str(tmp_path / "report.html"), "--db", db],
        ["classify", str(SEEDS)],
        ["eval", str(corpus), "--labels", str(corpus / "labels.json")],
    ]
    script = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from newswatch.cli import app\n"
        "seen = {}\n"
        "for args in json.loads(sys.argv[1]):\n"
        "    result = CliRunner().invoke(app, args)\n"
        "    seen[args[0] + ' ' + args[1]] = [result.exit_code, 'prefect' in sys.modules]\n"
        "print(json.dumps(seen))\n"
    )
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(commands)], env=env, capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {name: [0, False] for name in seen} and len(seen) == len(commands), seen


def test_global_options_go_before_or_after_the_command(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")  # (--debug would set it for the tests after this one)
    assert runner.invoke(app, ["db", "upgrade", "--db", sqlite_url]).exit_code == 0  # (mutes creates none)
    before = runner.invoke(app, ["--db", sqlite_url, "--debug", "mutes", "--json"])
    after = runner.invoke(app, ["mutes", "--json", f"--db={sqlite_url}", "--debug"])
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    assert json.loads(before.output) == json.loads(after.output) == []
    help_text = runner.invoke(app, ["mutes", "--help"]).output
    assert all(option in help_text for option in ("--db URL", "--config DIR", "--debug"))
    assert runner.invoke(app, ["--version"]).output.startswith("newswatch ")
