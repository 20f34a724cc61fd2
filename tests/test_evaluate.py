"""`newswatch eval`: the metrics, and the corpora meeting the thresholds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch.cli import ExitStatus, app
from newswatch.evaluate import evaluate
from newswatch.model import Article, Classification, Contact, Participant
from tests.conftest import DEV_CORPUS

OWN_CORPUS = Path(__file__).parent / "corpus"
THRESHOLDS = [
    "--min-f1",
    "0.97",
    "--max-split",
    "0",
    "--max-merged",
    "0",
    "--min-date-accuracy",
    "1",
    "--min-participant-accuracy",
    "1",
]
AUSTIN = Participant("lloyd-austin", "Lloyd Austin", "us", "Secretary of Defense", "us-secdef")
DONG = Participant("dong-jun", "Dong Jun", "cn", "Minister of National Defense", "cn-defmin")


def _classified(ref: str, day: str | None) -> Classification:
    article = Article(ref=ref, published=dt.date(2024, 4, 17), text="x")
    contact = Contact(dt.date.fromisoformat(day), "video_call", (AUSTIN, DONG)) if day else None
    return Classification(article, (), contact)


def _label(day: str | None, event: str | None = None) -> dict:
    contact = (
        {"date": day, "mode": "video_call", "us": ["Lloyd Austin"], "cn": ["Dong Jun"], "location": None}
        if day
        else None
    )
    return {"contact": contact, "event": event, "topics": [], "lang": "en"}


def test_metrics_count_errors_splits_and_merges() -> None:
    labels = {
        "a": _label("2024-04-16", "call"),
        "b": _label("2024-04-16", "call"),
        "c": _label("2024-05-31", "meeting"),
        "d": _label(None),
        "e": _label("2024-06-01", "other"),
    }
    found = [
        _classified("a", "2024-04-16"),
        _classified("b", "2024-04-18"),
        _classified("c", "2024-05-31"),
        _classified("d", "2024-01-01"),
        _classified("e", None),
    ]
    result = evaluate(found, labels, {"a": 1, "b": 2, "c": 2, "d": 3, "e": None})
    assert (result.contacts.true_positive, result.contacts.false_positive, result.contacts.false_negative) == (3, 1, 1)
    assert result.split_events == ["call"] and result.merged_events == [2]
    assert result.dates_within_a_day == 2 and result.participants_exact == 3
    assert any(e.startswith("b: date 2024-04-18") for e in result.errors)
    assert any(e.startswith("d: false contact") for e in result.errors)
    assert any(e.startswith("e: missed contact") for e in result.errors)


def test_labels_may_name_any_two_countries() -> None:
    """Labels are keyed by the pair's country ids, whichever they are."""
    shoigu = Participant("sergei-shoigu", "Sergei Shoigu", "ru", "Minister of Defence", "ru-defmin")
    article = Article(ref="r", published=dt.date(2022, 5, 14), text="x")
    found = [Classification(article, (), Contact(dt.date(2022, 5, 13), "phone_call", (AUSTIN, shoigu)))]
    label = {"date": "2022-05-13", "mode": "phone_call", "us": ["Lloyd Austin"], "ru": ["Sergei Shoigu"]}
    result = evaluate(found, {"r": {"contact": label | {"location": None}, "event": "call"}}, {"r": 1})
    assert result.participants_exact == 1 and result.contacts.true_positive == 1, result.errors
    wrong = {"r": {"contact": label | {"ru": ["Valery Gerasimov"]}, "event": "call"}}
    assert evaluate(found, wrong, {"r": 1}).errors == [
        "r: participants ['Lloyd Austin', 'Sergei Shoigu'] (label ['Lloyd Austin', 'Valery Gerasimov'])"
    ]


@pytest.mark.parametrize("corpus", [DEV_CORPUS, OWN_CORPUS], ids=["dev", "own"])
def test_corpora_meet_the_thresholds(corpus: Path) -> None:
    if not (corpus / "labels.json").is_file():
        pytest.skip(f"corpus not found at {corpus}")
    result = CliRunner().invoke(
        app, ["eval", str(corpus), "--labels", str(corpus / "labels.json"), "--json", *THRESHOLDS]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # stderr carries the progress lines (result.output mixes both)
    assert report["contacts"]["f1"] >= 0.97
    assert report["events"]["split"] == [] and report["events"]["merged"] == []
    assert report["below_thresholds"] == []


def test_below_a_threshold_exits_4() -> None:
    result = CliRunner().invoke(
        app, ["eval", str(OWN_CORPUS), "--labels", str(OWN_CORPUS / "labels.json"), "--min-f1", "1.01"]
    )
    assert result.exit_code == ExitStatus.BELOW_THRESHOLD
    assert "BELOW THRESHOLD: contact F1 1 < 1.01" in result.output
