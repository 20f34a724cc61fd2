"""Contact events: recording an article's contact (a new event, or a report joining a known
one), and reading stored events back as records. Every read of stored events goes through
``get_events``: a few plain queries for any number of events.

Each function takes a Session and never commits; the caller frames the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import BindParameter, Integer, bindparam, exists, func, or_, select, text
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session, aliased

from newswatch.model import Contact, StoredEvent
from newswatch.resolve import BecomesHeld, KnownEvent, NewEvent, Report, Settled, candidate_window, resolve
from newswatch.storage._sql import chunks, insert_ignore, lock_in_order
from newswatch.storage.event_records import ReportRow, event_record
from newswatch.storage.models import (
    REPORT_GROUP_KEY,
    AlertRow,
    ArticleRow,
    ContactEventRow,
    EventArticleRow,
    EventParticipantRow,
    EventReportGroupRow,
    TopicMatchRow,
    utcnow,
)


class RecordedContact(NamedTuple):
    """The event an article's contact was attached to, and what happened to it: ``new``,
    ``held``, ``joined``, ``planned`` or ``recorded`` (see ``record_contact``)."""

    event_id: int
    outcome: str


class ListedEvent(NamedTuple):
    """A stored event, when it was first seen, and whether a contact alert about it was sent."""

    event: StoredEvent
    first_seen: dt.datetime
    alerted: bool


class PlannedEvent(NamedTuple):
    """A planned event and when it was first seen."""

    event: StoredEvent
    first_seen: dt.datetime


_KNOWN_EVENTS = (
    select(ContactEventRow)
    .where(
        ContactEventRow.id.in_(
            select(EventParticipantRow.event_id).where(
                EventParticipantRow.official_id.in_(bindparam("officials", expanding=True))
            )
        ),
        ContactEventRow.date >= bindparam("low"),
        ContactEventRow.date <= bindparam("high"),
    )
    .order_by(ContactEventRow.id)
)
_KNOWN_UNCERTAIN = select(EventParticipantRow.event_id, EventParticipantRow.official_id).where(
    EventParticipantRow.event_id.in_(bindparam("ids", expanding=True)), EventParticipantRow.defence.is_(False)
)
# An event's reports grouped by what resolution reads of them (see newswatch.resolve.Report's
# weight), in the order of each group's first report, with its ref: what the event's 500th
# report reads is a few groups, not 499 reports (EventReportGroupRow, kept by record_contact).
_FIRST_REPORT = aliased(EventArticleRow)
_KNOWN_REPORTS = (
    select(
        EventReportGroupRow.event_id,
        EventReportGroupRow.reported_date,
        EventReportGroupRow.date_stated,
        EventReportGroupRow.reported_mode,
        EventReportGroupRow.reported_location,
        EventReportGroupRow.reported_status,
        EventReportGroupRow.published,
        EventReportGroupRow.reports,
        ArticleRow.ref,
    )
    .join(_FIRST_REPORT, _FIRST_REPORT.id == EventReportGroupRow.first_report_id)
    .join(ArticleRow, ArticleRow.id == _FIRST_REPORT.article_id)
    .where(EventReportGroupRow.event_id.in_(bindparam("ids", expanding=True)))
    .order_by(EventReportGroupRow.first_report_id)
)
# The stored reports counted afresh into their groups (what EventReportGroupRow keeps), for
# stores filled without record_contact; no place counts as '', as the table keeps it.
_COUNTED_BY = (
    EventArticleRow.event_id,
    EventArticleRow.reported_date,
    EventArticleRow.date_stated,
    EventArticleRow.reported_mode,
    func.coalesce(EventArticleRow.reported_location, ""),
    EventArticleRow.reported_status,
    ArticleRow.published,
)
REPORTS_COUNTED_IN_GROUPS = (
    select(*_COUNTED_BY, func.count(), func.min(EventArticleRow.id))
    .join(ArticleRow, ArticleRow.id == EventArticleRow.article_id)
    .group_by(*_COUNTED_BY)
)
# Count a stored report in its group (made with it if it is the first): one upsert, its
# article's date read in it. A text statement with typed parameters, compiled once (as
# storage._sql.insert_ignore's). The WHERE is what lets SQLite read ON CONFLICT as the upsert's.
_GIVEN = [name for name in REPORT_GROUP_KEY if name != "published"]
_COUNT_REPORT = text(
    f"INSERT INTO event_report_groups ({', '.join(REPORT_GROUP_KEY)}, reports, first_report_id)"
    f" SELECT {', '.join(f':{name}' for name in _GIVEN)}, articles.published, 1, :report_id"
    " FROM articles WHERE articles.id = :article_id"
    f" ON CONFLICT ({', '.join(REPORT_GROUP_KEY)}) DO UPDATE SET reports = event_report_groups.reports + 1"
).bindparams(
    *(bindparam(name, type_=EventReportGroupRow.__table__.c[name].type) for name in _GIVEN),
    bindparam("report_id", type_=Integer()),
    bindparam("article_id", type_=Integer()),
)


def _known_events(session: Session, report: Report) -> dict[int, tuple[ContactEventRow, KnownEvent]]:
    """The stored events a report could be about (a participant in common, dates in reach),
    each with the reports it was settled from: a held event's reports that it took place, a
    planned event's announcements."""
    low, high = candidate_window(report)
    officials = report.participant_key.split("|")
    rows = session.scalars(_KNOWN_EVENTS, {"officials": officials, "low": low, "high": high}).all()
    if not rows:
        return {}
    ids = {"ids": [row.id for row in rows]}
    key_of = {row.id: row.participant_key for row in rows}
    uncertain: dict[int, set[str]] = {}
    for event_id, official_id in session.execute(_KNOWN_UNCERTAIN, ids):
        uncertain.setdefault(event_id, set()).add(official_id)
    reports: dict[int, list[Report]] = {}
    for event_id, date, stated, mode, location, status, published, count, ref in session.execute(_KNOWN_REPORTS, ids):
        reports.setdefault(event_id, []).append(
            Report(key_of[event_id], date, stated, mode, location or None, status, ref, published, weight=count)
        )
    return {
        row.id: (
            row,
            KnownEvent(
                row.id,
                row.participant_key,
                row.status,
                row.date,
                row.mode,
                row.location,
                tuple(r for r in reports.get(row.id, ()) if r.status == row.status),
                frozenset(uncertain.get(row.id, ())),
            ),
        )
        for row in rows
    }


def _new_event(session: Session, contact: Contact) -> ContactEventRow:
    event = ContactEventRow(
        participant_key=contact.participant_key,
        date=contact.date,
        mode=contact.mode,
        location=contact.location,
        level=contact.level,
        status=contact.status,
        date_explicit=contact.date_is_explicit,
        historical=contact.historical,
        confidence=contact.confidence,
        held_since=utcnow() if contact.status == "held" else None,
    )
    session.add(event)
    session.flush()
    for position, participant in enumerate(contact.participants):
        session.add(
            EventParticipantRow(
                event_id=event.id,
                position=position,
                official_id=participant.official_id,
                name=participant.name,
                country=participant.country,
                office=participant.office,
                defence=participant.defence,
            )
        )
    return event


def _apply(event: ContactEventRow, settled: Settled) -> None:
    event.date, event.mode, event.location = settled.date, settled.mode, settled.location
    event.date_explicit = settled.date_stated


def lock_officials(session: Session, official_ids: Iterable[str]) -> None:
    """Serialise event resolution for these officials until the transaction ends, so that two
    workers reporting the same contact at once make one event, not two (``lock_in_order``: a
    lock per official, all taken in one order).

    Per official, not per pair: a report joins an event that shares one official with it when
    the other is uncertain (``newswatch.resolve.same_people``), and the two must not be resolved
    at once. A transaction storing several contacts locks all their officials first; locking
    one again is free (the locks stack)."""
    lock_in_order(session, (f"official:{official_id}" for official_id in official_ids))


def lock_participants(session: Session, participant_key: str) -> None:
    """``lock_officials`` for the officials of a participant key (``a|b``)."""
    lock_officials(session, participant_key.split("|"))


def record_contact(
    session: Session, article_id: int, contact: Contact, ref: str = "", published: dt.date | None = None
) -> RecordedContact:
    """Attach the article's contact to its event, creating the event if it is new.

    Which event, and in what role, is :func:`newswatch.resolve.resolve`'s decision; this loads its
    candidates and applies it. A later report can refine the event (its fields are settled from
    all its reports) but never makes it new again; an announcement of a contact that already took
    place is linked to it as an announcement; a planned contact later reported held becomes it.

    Returns:
        The event id and what happened: ``new`` (a held contact not seen before), ``held`` (a
        planned event now reported held), ``joined`` (a report or an announcement of a known
        event), ``planned`` (a newly announced contact), ``recorded`` (a held contact not seen
        before whose time is unknown, a re-dated page's: stored, never alerted).
    """
    lock_participants(session, contact.participant_key)
    report = Report.of(contact, ref, published)
    known = _known_events(session, report)
    outcome = resolve(report, [event for _, event in known.values()])
    role = "announced" if contact.status == "planned" else "reported"
    if isinstance(outcome, NewEvent):
        event = _new_event(session, contact)
        result = ("new" if outcome.alert else "recorded") if outcome.status == "held" else "planned"
    elif isinstance(outcome, BecomesHeld):
        event, result = known[outcome.event_id][0], "held"
        _apply(event, outcome.settled)
        event.status, event.held_since, event.historical = "held", utcnow(), contact.historical
    else:
        event, result, role = known[outcome.event_id][0], "joined", outcome.role
        if outcome.settled is not None:
            _apply(event, outcome.settled)
    if role == "reported":
        event.confidence = max(event.confidence, contact.confidence)
    report_id = insert_ignore(
        session,
        EventArticleRow.__table__,
        {
            "event_id": event.id,
            "article_id": article_id,
            "reported_date": contact.date,
            "reported_mode": contact.mode,
            "reported_location": contact.location,
            "reported_status": contact.status,
            "date_stated": contact.date_is_explicit,
            "role": role,
            "confidence": contact.confidence,
            "evidence": list(contact.evidence),
            "rules": list(contact.rules),
        },
    )
    if report_id is not None:  # not stored before (a page stored again reports nothing new)
        session.execute(
            _COUNT_REPORT,
            {
                "event_id": event.id,
                "reported_date": contact.date,
                "date_stated": contact.date_is_explicit,
                "reported_mode": contact.mode,
                "reported_location": contact.location or "",
                "reported_status": contact.status,
                "report_id": report_id,
                "article_id": article_id,
            },
        )
    session.flush()
    return RecordedContact(event.id, result)


def event_of_article(session: Session, article_id: int) -> int | None:
    """The event a stored article reports, if any."""
    return session.scalar(
        select(EventArticleRow.event_id).where(EventArticleRow.article_id == article_id).order_by(EventArticleRow.id)
    )


_EVENTS_OF_ARTICLES = (
    select(EventArticleRow.article_id, EventArticleRow.event_id)
    .where(EventArticleRow.article_id.in_(bindparam("ids", expanding=True)))
    .order_by(EventArticleRow.id)
)


def events_of_articles(session: Session, article_ids: Iterable[int]) -> dict[int, int]:
    """The event each of these stored articles reports, for those that report one."""
    events: dict[int, int] = {}
    for chunk in chunks(sorted(set(article_ids))):
        for article_id, event_id in session.execute(_EVENTS_OF_ARTICLES, {"ids": chunk}):
            events.setdefault(article_id, event_id)
    return events


# An event's parts, for events by id: plain rows, by statements built once (get_event runs once
# per alert sent).
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_EVENT_ROWS = select(
    ContactEventRow.id,
    ContactEventRow.date,
    ContactEventRow.mode,
    ContactEventRow.location,
    ContactEventRow.status,
    ContactEventRow.level,
    ContactEventRow.historical,
    ContactEventRow.confidence,
    ContactEventRow.date_explicit,
    ContactEventRow.first_seen,
).where(ContactEventRow.id.in_(_IDS))
_EVENT_PARTICIPANTS = (
    select(
        EventParticipantRow.event_id,
        EventParticipantRow.official_id,
        EventParticipantRow.name,
        EventParticipantRow.country,
        EventParticipantRow.office,
    )
    .where(EventParticipantRow.event_id.in_(_IDS))
    .order_by(EventParticipantRow.event_id, EventParticipantRow.position)
)
_EVENT_REPORTS = (
    select(
        EventArticleRow.event_id,
        EventArticleRow.article_id,
        ArticleRow.ref,
        ArticleRow.title,
        ArticleRow.published,
        ArticleRow.duplicate_of_id,
        EventArticleRow.confidence,
        EventArticleRow.evidence,
        EventArticleRow.rules,
        EventArticleRow.role,
        EventArticleRow.reported_date,
        EventArticleRow.date_stated,
        EventArticleRow.reported_mode,
        EventArticleRow.reported_location,
        EventArticleRow.reported_status,
    )
    .join(ArticleRow, ArticleRow.id == EventArticleRow.article_id)
    .where(EventArticleRow.event_id.in_(_IDS))
    .order_by(EventArticleRow.id)
)
_EVENT_TOPICS = (
    select(EventArticleRow.event_id, TopicMatchRow.topic_id)
    .join(TopicMatchRow, TopicMatchRow.article_id == EventArticleRow.article_id)
    .where(EventArticleRow.event_id.in_(_IDS))
)


def get_event(session: Session, event_id: int) -> StoredEvent:
    """One stored event as a record."""
    (record,) = get_events(session, [event_id])
    return record


def get_events(session: Session, event_ids: Iterable[int]) -> list[StoredEvent]:
    """The stored events with these ids as records, in id order: four queries for them all.

    Raises:
        NoResultFound: one of them is not stored.
    """
    ids = sorted(set(event_ids))
    records: list[StoredEvent] = []
    for chunk in chunks(ids):
        parameters = {"ids": chunk}
        participants: dict[int, list[tuple[str, str, str, str]]] = {}
        for event_id, *participant in session.execute(_EVENT_PARTICIPANTS, parameters):
            participants.setdefault(event_id, []).append(tuple(participant))
        reports: dict[int, list[ReportRow]] = {}
        for event_id, *report in session.execute(_EVENT_REPORTS, parameters):
            reports.setdefault(event_id, []).append(ReportRow(*report))
        topics: dict[int, set[str]] = {}
        for event_id, topic_id in session.execute(_EVENT_TOPICS, parameters):
            topics.setdefault(event_id, set()).add(topic_id)
        rows = sorted(session.execute(_EVENT_ROWS, parameters), key=lambda row: row.id)
        records += [
            event_record(row, participants.get(row.id, []), reports.get(row.id, []), topics.get(row.id, ()))
            for row in rows
        ]
    if len(records) != len(ids):
        raise NoResultFound(f"events not stored: {sorted(set(ids) - {r.id for r in records})}")
    return records


def list_events(session: Session) -> list[ListedEvent]:
    """Every event, oldest contact first, with when it was first seen and whether a contact
    alert about it was delivered."""
    alerted = exists().where(
        AlertRow.event_id == ContactEventRow.id, AlertRow.status == "sent", AlertRow.kind == "contact"
    )
    rows = session.execute(
        select(ContactEventRow.id, ContactEventRow.first_seen, alerted).order_by(
            ContactEventRow.date, ContactEventRow.id
        )
    ).all()
    records = _by_id(session, [row.id for row in rows])
    return [ListedEvent(records[event_id], first_seen, was_alerted) for event_id, first_seen, was_alerted in rows]


def events_held_between(session: Session, since: dt.datetime, until: dt.datetime) -> list[StoredEvent]:
    """Events that became contacts that took place in [since, until), oldest contact first."""
    ids = session.scalars(
        select(ContactEventRow.id)
        .where(ContactEventRow.held_since >= since, ContactEventRow.held_since < until)
        .order_by(ContactEventRow.date, ContactEventRow.id)
    ).all()
    records = _by_id(session, ids)
    return [records[event_id] for event_id in ids]


def planned_events(session: Session, from_date: dt.date, announced_since: dt.datetime) -> list[PlannedEvent]:
    """Planned events dated ``from_date`` or later, or first seen since ``announced_since``,
    oldest contact first."""
    rows = session.execute(
        select(ContactEventRow.id, ContactEventRow.first_seen)
        .where(
            ContactEventRow.status == "planned",
            or_(ContactEventRow.date >= from_date, ContactEventRow.first_seen >= announced_since),
        )
        .order_by(ContactEventRow.date, ContactEventRow.id)
    ).all()
    records = _by_id(session, [row.id for row in rows])
    return [PlannedEvent(records[event_id], first_seen) for event_id, first_seen in rows]


def _by_id(session: Session, event_ids: Sequence[int]) -> dict[int, StoredEvent]:
    return {record.id: record for record in get_events(session, event_ids)}


def event_exists(session: Session, event_id: int) -> bool:
    """Whether an event with this id is stored."""
    return session.get(ContactEventRow, event_id) is not None
