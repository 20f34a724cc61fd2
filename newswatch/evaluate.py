"""Measuring the classifier against a labelled corpus (the format of the development corpus's
labels.json): contact precision/recall/F1, event grouping, dates, participants, topics, per
language. The metrics are pure functions over what was found and what was expected."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from newswatch.dates import TIME_ZONE_SLACK
from newswatch.errors import ConfigError
from newswatch.model import Classification


@dataclass(frozen=True)
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            **asdict(self),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Evaluation:
    """Every figure ``newswatch eval`` reports."""

    articles: int = 0
    contacts: Score = field(default_factory=Score)
    by_language: dict[str, Score] = field(default_factory=dict)
    topics: dict[str, Score] = field(default_factory=dict)
    events_expected: int = 0
    events_found: int = 0
    split_events: list[str] = field(default_factory=list)
    merged_events: list[int] = field(default_factory=list)
    dates_within_a_day: int = 0
    dates_exact: int = 0
    participants_exact: int = 0
    modes_exact: int = 0
    matched_contacts: int = 0
    alerts: int = 0  # held events stored: one alert each
    alerts_right: int = 0  # the first alert for a labelled contact
    alerts_duplicate: list[str] = field(default_factory=list)  # another alert for a contact already alerted
    alerts_false: list[int] = field(default_factory=list)  # alerts for no labelled contact
    missing: list[str] = field(default_factory=list)  # labelled files not given (a cache to rebuild)
    errors: list[str] = field(default_factory=list)

    @property
    def date_accuracy(self) -> float:
        return self.dates_within_a_day / self.matched_contacts if self.matched_contacts else 1.0

    @property
    def participant_accuracy(self) -> float:
        return self.participants_exact / self.matched_contacts if self.matched_contacts else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "contacts": self.contacts.as_dict(),
            "by_language": {lang: score.as_dict() for lang, score in sorted(self.by_language.items())},
            "events": {
                "expected": self.events_expected,
                "found": self.events_found,
                "split": self.split_events,
                "merged": self.merged_events,
            },
            "dates": {
                "within_a_day": self.dates_within_a_day,
                "exact": self.dates_exact,
                "of": self.matched_contacts,
                "accuracy": round(self.date_accuracy, 4),
            },
            "participants": {
                "exact": self.participants_exact,
                "of": self.matched_contacts,
                "accuracy": round(self.participant_accuracy, 4),
            },
            "modes": {"exact": self.modes_exact, "of": self.matched_contacts},
            "topics": {topic: score.as_dict() for topic, score in sorted(self.topics.items())},
            "alerts": {
                "sent": self.alerts,
                "right": self.alerts_right,
                "duplicates": self.alerts_duplicate,
                "not_contacts": self.alerts_false,
            },
            "missing": self.missing,
            "errors": self.errors,
        }


def load_labels(path: Path) -> dict[str, dict[str, Any]]:
    """Read labels: a labels file ({file name: {"contact": null | {...}, "event", "topics",
    "lang"}}) or a manifest of real pages (a list of such objects, each with its "file", "url",
    "title" and "published")."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read labels ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if isinstance(data, list):
        if not all(isinstance(entry, dict) and isinstance(entry.get("file"), str) for entry in data):
            raise ConfigError(f'{path}: a manifest is a list of objects, each with its "file"')
        data = {entry["file"]: entry for entry in data}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(f"{path}: expected an object of file name → label, or a list of manifest entries")
    return data


def label_participants(contact: dict[str, Any]) -> list[str]:
    """A contact label's participants: the names under each country's id, whichever two countries
    they are (``{"us": [...], "cn": [...]}``, ``{"us": [...], "ru": [...]}``), in label order."""
    return [name for value in contact.values() if isinstance(value, list) for name in value]


def _add(score: Score, found: bool, expected: bool) -> Score:
    return Score(
        score.true_positive + (found and expected),
        score.false_positive + (found and not expected),
        score.false_negative + (expected and not found),
    )


def evaluate(
    classifications: Sequence[Classification],
    labels: dict[str, dict[str, Any]],
    event_of_article: dict[str, int | None],
    min_level: str = "senior",
    alerts: Sequence[tuple[int, str]] = (),
) -> Evaluation:
    """Compare classifications and stored event grouping with the labels.

    Args:
        classifications: one per labelled article.
        labels: the corpus labels, by file name.
        event_of_article: the stored event each article joined (None if none).
        min_level: contacts below this level (working-level talks) do not count as contacts.
        alerts: (stored event, ref of the article that set it off) for each event alerted, in order.
    """
    result = Evaluation(articles=len(classifications))
    given = {item.article.ref for item in classifications}
    result.missing = sorted(ref for ref in labels if ref not in given)
    expected_event_of: dict[str, str] = {}
    for item in classifications:
        ref = item.article.ref
        label = labels.get(ref)
        if label is None:
            result.errors.append(f"{ref}: no label")
            continue
        expected = label.get("contact")
        contact = item.reported_contact(min_level)
        language = label.get("lang") or "unknown"
        result.contacts = _add(result.contacts, contact is not None, expected is not None)
        result.by_language[language] = _add(
            result.by_language.get(language, Score()), contact is not None, expected is not None
        )
        found_topics, expected_topics = set(item.matched_topics), set(label.get("topics") or [])
        for topic in found_topics | expected_topics | set(result.topics):
            result.topics[topic] = _add(
                result.topics.get(topic, Score()), topic in found_topics, topic in expected_topics
            )
        for topic in sorted(found_topics - expected_topics):
            result.errors.append(f"{ref}: topic {topic} found but not labelled")
        for topic in sorted(expected_topics - found_topics):
            result.errors.append(f"{ref}: topic {topic} labelled but not found")
        if expected is None and contact is not None:
            names = " – ".join(p.name for p in contact.participants)
            result.errors.append(f"{ref}: false contact {names} on {contact.date} (label: no contact)")
            continue
        if expected is not None and contact is None:
            result.errors.append(
                f"{ref}: missed contact {' – '.join(label_participants(expected))} on {expected['date']}"
            )
            continue
        if expected is None or contact is None:
            continue
        result.matched_contacts += 1
        if label.get("event"):
            expected_event_of[ref] = label["event"]
        expected_date = dt.date.fromisoformat(expected["date"])
        if abs(contact.date - expected_date) <= TIME_ZONE_SLACK:  # "within a day"
            result.dates_within_a_day += 1
        else:
            result.errors.append(f"{ref}: date {contact.date} (label {expected_date})")
        result.dates_exact += contact.date == expected_date
        found_names = sorted(p.name for p in contact.participants)
        expected_names = sorted(label_participants(expected))
        if found_names == expected_names:
            result.participants_exact += 1
        else:
            result.errors.append(f"{ref}: participants {found_names} (label {expected_names})")
        if contact.mode == expected.get("mode"):
            result.modes_exact += 1
        else:
            result.errors.append(f"{ref}: mode {contact.mode} (label {expected.get('mode')})")
    stored_by_label: dict[str, set[int]] = defaultdict(set)
    labels_by_stored: dict[int, set[str]] = defaultdict(set)
    for ref, label_event in expected_event_of.items():
        stored = event_of_article.get(ref)
        if stored is not None:
            stored_by_label[label_event].add(stored)
            labels_by_stored[stored].add(label_event)
    result.events_expected = len(
        {label["event"] for label in labels.values() if label.get("contact") and label.get("event")}
    )
    result.events_found = len({e for e in event_of_article.values() if e is not None})
    result.split_events = sorted(label for label, ids in stored_by_label.items() if len(ids) > 1)
    result.merged_events = sorted(event for event, names in labels_by_stored.items() if len(names) > 1)
    for label_event in result.split_events:
        result.errors.append(f"event {label_event} split into stored events {sorted(stored_by_label[label_event])}")
    for event in result.merged_events:
        result.errors.append(f"stored event #{event} merges {sorted(labels_by_stored[event])}")
    _count_alerts(result, labels, alerts)
    return result


def _count_alerts(result: Evaluation, labels: dict[str, dict[str, Any]], alerts: Sequence[tuple[int, str]]) -> None:
    """Each alert, by the article that set it off: right when that article reports a labelled
    contact not alerted before, a duplicate when that contact was, false when it reports none
    (an announcement, a refusal: even if the contact is reported held later)."""
    alerted: set[str] = set()
    for event, ref in alerts:
        result.alerts += 1
        label = labels.get(ref) or {}
        contact = label.get("event") if label.get("contact") else None
        if contact is None:
            result.alerts_false.append(event)
            result.errors.append(f"{ref}: alert (stored event #{event}) for no labelled contact")
        elif contact in alerted:
            result.alerts_duplicate.append(contact)
            result.errors.append(f"{ref}: second alert (stored event #{event}) for {contact}")
        else:
            result.alerts_right += 1
            alerted.add(contact)
