"""An event's record (``newswatch.model.StoredEvent``) made from its stored rows: pure, no
database access (``newswatch.storage.events`` reads the rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from newswatch.model import Participant, Quote, StoredEvent
from newswatch.resolve import Report, settle

MAX_QUOTES = 4  # the sentence that states the contact, and up to three supporting ones


class ReportRow(NamedTuple):
    """An article's report of an event, as a record needs it."""

    article_id: int
    ref: str
    title: str
    published: dt.date
    duplicate_of_id: int | None
    confidence: float
    evidence: list[str]
    rules: list[str] | None
    role: str
    date: dt.date
    date_stated: bool
    mode: str
    location: str | None
    status: str


def event_record(
    row: Any, participants: Sequence[tuple[str, str, str, str]], reports: Sequence[ReportRow], topics: Iterable[str]
) -> StoredEvent:
    """An event as a record: its row, its participants in order, its reports in order, and the
    topics its articles matched. Announcements are listed apart: never sources, never evidence
    of a contact that took place."""
    reported = [r for r in reports if r.role == "reported"]
    announced = [r for r in reports if r.role == "announced"]
    if not reported:  # a planned event: its announcements are all it has
        reported, announced = announced, []
    # Evidence from the most confident report first, each sentence once.
    by_confidence = sorted(reported, key=lambda r: -r.confidence)
    settled = (
        settle([Report("", r.date, r.date_stated, r.mode, r.location, r.status, r.ref, r.published) for r in reported])
        if reported
        else None
    )
    return StoredEvent(
        id=row.id,
        date=row.date,
        mode=row.mode,
        location=row.location,
        participants=tuple(
            Participant(official_id=official_id, name=name, country=country, office=office, office_id="")
            for official_id, name, country, office in participants
        ),
        topics=tuple(sorted(set(topics))),
        evidence=tuple(dict.fromkeys(sentence for report in by_confidence for sentence in report.evidence)),
        articles=tuple((r.ref, r.title, r.published) for r in reported),
        status=row.status,
        level=row.level,
        historical=row.historical,
        confidence=row.confidence,
        sources=len({r.article_id for r in reported if r.duplicate_of_id is None}),
        rules=tuple(dict.fromkeys(rule for report in by_confidence for rule in report.rules or [])),
        announcements=tuple((r.ref, r.title, r.published) for r in announced),
        date_stated=row.date_explicit,
        field_sources=settled.sources if settled else (),
        quotes=_quotes(by_confidence),
        first_seen=row.first_seen,
    )


def _quotes(reports: Sequence[ReportRow]) -> tuple[Quote, ...]:
    """The best sentence of each independent report (syndicated copies count once), most
    confident first, each sentence once."""
    quotes: list[Quote] = []
    said: set[str] = set()
    independent = [r for r in reports if r.duplicate_of_id is None] or list(reports)
    for report in independent:
        sentence = next((s for s in report.evidence if s not in said), None)
        if sentence is None:
            continue
        said.add(sentence)
        quotes.append(Quote(sentence, report.ref, report.title, report.published))
        if len(quotes) == MAX_QUOTES:
            break
    return tuple(quotes)
