"""Regression on the labelled corpora: the development corpus (read in place beside the
checkout) and the project's own corpus in tests/corpus/."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest

from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.model import Contact
from newswatch.notify import CONSOLE
from newswatch.seeds import read_seed_file, read_seed_files
from newswatch.storage.database import open_database
from newswatch.storage.events import list_events
from tests.conftest import DEV_CORPUS, SEEDS

LABELS = DEV_CORPUS / "labels.json"
DEV_FILES = sorted(p.name for p in DEV_CORPUS.glob("*.txt")) if DEV_CORPUS.is_dir() else ["(corpus absent)"]
OWN_CORPUS = Path(__file__).parent / "corpus"
OWN_LABELS = json.loads((OWN_CORPUS / "labels.json").read_text(encoding="utf-8"))
SEED_EVENTS = {"000_fa17d5cd43c4c00b.txt": "2024-04-16-austin-dong", "004_ec52301a8b636dd9.txt": "2023-12-21-brown-liu"}


def _held(contact: Contact | None) -> Contact | None:
    """The labels' contacts took place; a meeting only announced is not one."""
    return contact if contact is not None and contact.status == "held" else None


@pytest.mark.parametrize("name", DEV_FILES)
def test_dev_article(name: str, dev_corpus: tuple[Path, dict], classifier: Classifier) -> None:
    folder, labels = dev_corpus
    label = labels[name]["contact"]
    contact = _held(classifier.classify(read_seed_file(folder / name)).contact)
    if label is None:
        assert contact is None, f"{name}: no contact expected, found {contact}"
        return
    assert contact is not None, f"{name}: expected a contact on {label['date']}"
    assert sorted(p.name for p in contact.participants) == sorted(label["us"] + label["cn"])
    assert abs(contact.date - dt.date.fromisoformat(label["date"])) <= dt.timedelta(days=1)


@pytest.mark.parametrize("name", sorted(OWN_LABELS))
def test_own_corpus_article_exactly(name: str, classifier: Classifier) -> None:
    label = OWN_LABELS[name]["contact"]
    contact = _held(classifier.classify(read_seed_file(OWN_CORPUS / name)).contact)
    if label is None:
        assert contact is None, f"{name}: no contact expected ({OWN_LABELS[name]['note']}), found {contact}"
        return
    assert contact is not None, f"{name}: expected a contact ({OWN_LABELS[name]['note']})"
    found = {
        "date": contact.date.isoformat(),
        "mode": contact.mode,
        "us": [p.name for p in contact.participants if p.country == "us"],
        "cn": [p.name for p in contact.participants if p.country == "cn"],
        "location": contact.location,
    }
    assert found == label


def test_dev_corpus_precision_and_recall(dev_corpus: tuple[Path, dict], classifier: Classifier) -> None:
    folder, labels = dev_corpus
    articles, failures = read_seed_files([folder])
    assert failures == []
    true_positive = false_positive = false_negative = 0
    for article in articles:
        found = _held(classifier.classify(article).contact) is not None
        expected = labels[article.ref]["contact"] is not None
        true_positive += found and expected
        false_positive += found and not expected
        false_negative += expected and not found
    precision = true_positive / max(true_positive + false_positive, 1)
    recall = true_positive / max(true_positive + false_negative, 1)
    assert precision >= 0.9 and recall >= 0.9, f"precision {precision:.2f}, recall {recall:.2f}"


def test_seeds_then_dev_corpus_give_its_six_events_without_split_or_merge(
    dev_corpus: tuple[Path, dict], classifier: Classifier, sqlite_url: str
) -> None:
    folder, labels = dev_corpus
    sessions = open_database(sqlite_url)
    articles, _ = read_seed_files([SEEDS, folder])
    classifications = [classifier.classify(a) for a in articles]
    store_classifications(sessions, classifications, [CONSOLE])
    announced = {c.article.ref for c in classifications if c.contact is not None and c.contact.status == "planned"}
    expected = {**SEED_EVENTS, **{name: label["event"] for name, label in labels.items() if label["contact"]}}
    with sessions.transaction() as session:
        events = list_events(session)
    stored_by_label: dict[str, set[int]] = defaultdict(set)
    labels_by_stored: dict[int, set[str]] = defaultdict(set)
    for event, _, _ in events:
        for ref, _, _ in event.articles:
            if ref in announced:
                continue  # announced the meeting before it was held: part of the event, not a report of it
            assert ref in expected, f"{ref} made or joined event #{event.id} but reports no contact"
            stored_by_label[expected[ref]].add(event.id)
            labels_by_stored[event.id].add(expected[ref])
    split = {label: ids for label, ids in stored_by_label.items() if len(ids) > 1}
    merged = {event_id: names for event_id, names in labels_by_stored.items() if len(names) > 1}
    assert not split, f"events split: {split}"
    assert not merged, f"events merged: {merged}"
    assert len(events) == len(set(expected.values())) == 6
    assert set(stored_by_label) == set(expected.values())
