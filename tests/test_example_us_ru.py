"""Another pair by configuration alone: config/examples/us-ru tracks US–Russia with no code
change; its own labelled corpus (tests/corpus-us-ru: English and Russian, our own words) is
scored by `newswatch eval` as the US–China corpora are, and replayed through the flow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from newswatch.cli import app
from tests.conftest import REPO
from tests.test_evaluate import THRESHOLDS

EXAMPLE = REPO / "config" / "examples" / "us-ru"
CORPUS = Path(__file__).parent / "corpus-us-ru"


def test_the_us_russia_corpus_meets_the_thresholds_with_the_example_folder() -> None:
    result = CliRunner().invoke(
        app,
        ["eval", str(CORPUS), "--labels", str(CORPUS / "labels.json"), "--config", str(EXAMPLE), "--json", *THRESHOLDS],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["contacts"]["f1"] == 1.0 and report["contacts"]["true_positive"] == 9
    assert report["events"]["split"] == [] and report["events"]["merged"] == []
    assert report["topics"]["us-russia-military"]["precision"] == 1.0


def test_without_the_example_folder_no_us_russia_contact_is_found() -> None:
    """The shipped configuration tracks US–China: the same articles give no contact."""
    result = CliRunner().invoke(app, ["classify", str(CORPUS), "--json"])
    assert result.exit_code == 0, result.output
    assert [item["ref"] for item in json.loads(result.stdout) if item.get("contact")] == []


def test_a_replay_with_the_example_folder_stores_us_russia_contacts_and_alerts_once(
    tmp_path: Path, prefect_server: str
) -> None:
    env = {
        **os.environ,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "PREFECT_API_URL": prefect_server,
        "NEWSWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'nw.db'}",
    }
    env.pop("NEWSWATCH_NOTIFY", None)
    command = [sys.executable, "-m", "newswatch"]
    replayed = subprocess.run(
        [*command, "replay", str(CORPUS), "--config", str(EXAMPLE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert replayed.returncode == 0, replayed.stderr
    assert "ALERT US–Russia military contact: Lloyd Austin – Sergei Shoigu (phone call, 2022-05-13)" in replayed.stdout
    assert "Alerts: 7 sent, 0 failed" in replayed.stdout
    contacts = json.loads(
        subprocess.run([*command, "contacts", "--json"], env=env, capture_output=True, text=True, check=True).stdout
    )
    assert len(contacts) == 7
    assert {p["country"] for contact in contacts for p in contact["participants"]} == {"us", "ru"}
    articles = json.loads(
        subprocess.run([*command, "articles", "--json"], env=env, capture_output=True, text=True, check=True).stdout
    )
    topics = {article["ref"]: set(article["topics"]) for article in articles}
    reporting = {article["ref"] for contact in contacts for article in contact["articles"]}
    assert all("us-russia-military" in topics[ref] for ref in reporting), topics
    assert not any("us-china-military" in found for found in topics.values()), topics
