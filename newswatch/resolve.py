"""Event resolution (pure): which stored event a new report of a contact belongs to, and what
the event says once it has that report.

A report is what one article says of a contact: who took part (gazetteer identities), when, how,
where, and whether it took place or is announced. Extraction gets fields wrong: a date taken
from another phrase, a mode borrowed from a leaders' summit, a date that is only the article's
own. One wrong field must never make a second event and a second alert, so:

- reports are matched by **who took part**; the date only has to fall in a window that is as
  wide as the dates are uncertain, and the mode only breaks ties between candidates;
- an event's date, mode and place are **settled from all its reports** (the stated date most
  reports agree on, the mode most reports state, …), so a later report that disagrees refines
  the event instead of splitting it, and the event knows which report each field came from;
- an announcement is linked to the event it announces, never counted as a report that it took
  place;
- a report that states no date is placed by its people and the weeks before its article only:
  its mode is then what tells two contacts of the same pair apart (a visit a week after their
  video call), so it joins no event of an incompatible mode;
- a report from a page whose date its text contradicts (a re-dated copy: see
  ``Contact.date_window``) can have taken place any day of a window of months: it joins a known
  event of its participants in that window, and never alerts: with none, it makes an event
  recorded without an alert (:class:`NewEvent` ``alert=False``).

Storage loads the candidate events (:func:`candidate_window`) and applies the outcome.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from newswatch.dates import TIME_ZONE_SLACK
from newswatch.model import MODE_RANK, Contact

# Both sides' readouts of one call: Beijing's date can be a day later than Washington's; and a
# stated date can be a wrong one. Two reports of the same two officials whose stated dates are
# this close are one contact: real repeat contacts of one pair are weeks apart.
STATED_DATE_SLACK = dt.timedelta(days=3)
# A report that states no date carries the article's date, an upper bound: the contact took place
# on that day or up to this long before (an analysis a few weeks later).
UNSTATED_DATE_REACH = dt.timedelta(days=30)
# An announced contact and the report that it was held: announced dates slip, or were never given.
PLANNED_SLACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Report:
    """What one article says of a contact, as resolution needs it."""

    participant_key: str
    date: dt.date
    date_stated: bool  # False: the date is the article's own (the text gives none)
    mode: str
    location: str | None
    status: str  # held | planned
    ref: str = ""
    published: dt.date | None = None  # the article's date
    # Participants whose place in the contact is the least sure: those outside defence and the
    # military (a president whose aide met the general, a leader quoted beside the minister).
    uncertain: frozenset[str] = frozenset()
    # The days it can have taken place when its page's date is contradicted by its text.
    window: tuple[dt.date, dt.date] | None = None
    # How many stored reports say just this (the same date, statement of it, mode, place, status
    # and article date): an event's reports are read grouped so, one Report for each group with
    # its first report's ref, so that resolving the 500th report of an event does not read 499.
    # The settled fields are the same (see ``settle``).
    weight: int = 1

    @classmethod
    def of(cls, contact: Contact, ref: str = "", published: dt.date | None = None) -> Report:
        return cls(
            contact.participant_key,
            contact.date,
            contact.date_is_explicit,
            contact.mode,
            contact.location,
            contact.status,
            ref,
            published,
            frozenset(p.official_id for p in contact.participants if not p.defence),
            contact.date_window,
        )

    @property
    def possible_dates(self) -> tuple[dt.date, dt.date]:
        """The days the contact can have taken place, by what the report says."""
        if self.window is not None:
            return self.window[0] - TIME_ZONE_SLACK, self.window[1] + TIME_ZONE_SLACK
        return _possible_dates(self.date, self.date_stated, self.status)

    @property
    def recent_dates(self) -> tuple[dt.date, dt.date] | None:
        """For a held contact dated long before its article: the weeks before the article.

        A stated date can come from the wrong phrase ("the first call since August 2022"), and
        an old contact newly revealed is rare next to a fresh contact of the same officials: such
        a report also matches an event of theirs in the weeks before the article, rather than
        making a second one."""
        if (
            self.status != "held"
            or self.published is None
            or self.window is not None
            or self.date >= self.published - UNSTATED_DATE_REACH
        ):
            return None
        return self.published - UNSTATED_DATE_REACH, self.published + TIME_ZONE_SLACK


@dataclass(frozen=True)
class KnownEvent:
    """A stored event, as resolution needs it: its fields and the reports it was settled from."""

    id: int
    participant_key: str
    status: str  # held | planned
    date: dt.date
    mode: str
    location: str | None
    reports: tuple[Report, ...]  # held reports (and, for a planned event, its announcements)
    uncertain: frozenset[str] = frozenset()  # participants outside defence and the military

    @property
    def date_stated(self) -> bool:
        return any(r.date_stated for r in self.reports)

    def possible_dates(self) -> tuple[dt.date, dt.date]:
        """The days it can have taken place, by what its reports say."""
        return _possible_dates(self.date, self.date_stated or not self.reports, self.status)


def _possible_dates(date: dt.date, stated: bool, status: str) -> tuple[dt.date, dt.date]:
    """The days a contact dated ``date`` can have taken place: a stated date's slack; for a date
    that is only an article's own, the weeks before it (after it, for an announcement)."""
    if status == "planned":  # announced dates slip
        return (date - PLANNED_SLACK, date + PLANNED_SLACK) if stated else (date, date + UNSTATED_DATE_REACH)
    if stated:
        return date - STATED_DATE_SLACK, date + STATED_DATE_SLACK
    return date - UNSTATED_DATE_REACH, date + TIME_ZONE_SLACK


@dataclass(frozen=True)
class Settled:
    """An event's fields as its reports settle them, and the report each came from."""

    date: dt.date
    date_stated: bool
    mode: str
    location: str | None
    sources: tuple[tuple[str, str], ...]  # (field, ref of the report it came from)


@dataclass(frozen=True)
class NewEvent:
    """No known event: the report makes a new one (held: alert; planned: an announcement).
    ``alert`` False: a contact whose time is unknown (a re-dated page), recorded without one."""

    status: str
    alert: bool = True


@dataclass(frozen=True)
class Joins:
    """A report of a known event; ``settled`` is the event after it (None: nothing changes)."""

    event_id: int
    role: str  # reported | announced
    settled: Settled | None = None


@dataclass(frozen=True)
class BecomesHeld:
    """A planned event reported held: it becomes the contact (and alerts, once)."""

    event_id: int
    settled: Settled


Outcome = NewEvent | Joins | BecomesHeld


def candidate_window(report: Report) -> tuple[dt.date, dt.date]:
    """The stored events' dates worth loading for this report (a superset of what can match)."""
    low, high = report.possible_dates
    if report.recent_dates:
        low, high = min(low, report.recent_dates[0]), max(high, report.recent_dates[1])
    reach = max(UNSTATED_DATE_REACH, PLANNED_SLACK)
    return low - reach - STATED_DATE_SLACK, high + reach + STATED_DATE_SLACK


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> int:
    """How many days two ranges share (negative: how far apart they are)."""
    return (min(a[1], b[1]) - max(a[0], b[0])).days


def modes_compatible(known: str, reported: str) -> bool:
    """Same mode, or one unspecified; a phone call and a video call may be one call misreported."""
    if "unspecified" in (known, reported) or known == reported:
        return True
    return {known, reported} == {"phone_call", "video_call"}


def _best(report: Report, events: Sequence[KnownEvent]) -> KnownEvent | None:
    """The event among these that the report is most likely about: same participants, dates
    that can be the same day; compatible modes, then the nearest date, break ties."""
    windows = [report.possible_dates] + ([report.recent_dates] if report.recent_dates else [])
    matching = [
        e
        for e in events
        if same_people(report, e)
        and any(_overlap(window, e.possible_dates()) >= 0 for window in windows)
        # A report without a stated date may be of another contact weeks apart: its mode tells
        # them apart. Within a day of the event, a different mode is a misreport ("spoke face to
        # face" of a phone call), never a second contact of the same two people.
        and (
            report.date_stated or modes_compatible(e.mode, report.mode) or abs(e.date - report.date) <= TIME_ZONE_SLACK
        )
    ]
    if not matching:
        return None
    return min(
        matching,
        key=lambda e: (
            e.participant_key != report.participant_key,
            not modes_compatible(e.mode, report.mode),
            abs((e.date - report.date).days),
            e.id,
        ),
    )


def same_people(report: Report, event: KnownEvent) -> bool:
    """Whether a report and an event can be about the same people: the same two officials, or
    one the same and the other, on either side's account, outside defence and the military.

    The defence official is what the tracked contact is about and what extraction gets right;
    the other participant is sometimes a leader or an adviser put in the wrong place ("the
    President's national security adviser", "met Xi and his Chinese counterpart"). Such a report
    joins the event rather than alerting twice."""
    if report.participant_key == event.participant_key:
        return True
    reported, known = set(report.participant_key.split("|")), set(event.participant_key.split("|"))
    shared = reported & known
    return len(shared) == 1 and ((reported - shared) <= report.uncertain or (known - shared) <= event.uncertain)


def resolve(report: Report, events: Sequence[KnownEvent]) -> Outcome:
    """Which event a report belongs to, and in what role.

    Args:
        report: what the new article says.
        events: stored events of the same participants whose dates fall in
            :func:`candidate_window` (others are ignored anyway).
    """
    held = [e for e in events if e.status == "held"]
    planned = [e for e in events if e.status == "planned"]
    if report.status == "planned":
        known = _best(report, held)
        if known is not None:  # announced, and it already took place: never a source of it
            return Joins(known.id, "announced")
        known = _best(report, planned)
        if known is not None:
            return Joins(known.id, "announced", _changed(known, settle([*known.reports, report])))
        return NewEvent("planned")
    known = _best(report, held)
    if known is not None:
        return Joins(known.id, "reported", _changed(known, settle([*known.reports, report])))
    if report.window is not None:  # when it took place is unknown: never an alert
        return NewEvent("held", alert=False)
    announced = _best(report, planned)
    if announced is not None and (announced.date_stated or report.date >= announced.date - TIME_ZONE_SLACK):
        return BecomesHeld(announced.id, settle([report]))
    return NewEvent("held")


def _changed(event: KnownEvent, settled: Settled) -> Settled | None:
    if (settled.date, settled.mode, settled.location) == (event.date, event.mode, event.location):
        return None
    return settled


def _vote(values: Sequence[tuple[str, str, int]], rank: dict[str, int] | None = None) -> tuple[str, str] | None:
    """The value most reports give (value, ref of its first report), from (value, ref, reports
    giving it) in the reports' order; ties to the higher rank, then to the first given."""
    if not values:
        return None
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for position, (value, _, weight) in enumerate(values):
        counts[value] += weight
        first.setdefault(value, position)
    winner = max(counts, key=lambda v: (counts[v], (rank or {}).get(v, 0), -first[v]))
    return winner, values[first[winner]][1]


def settle(reports: Sequence[Report]) -> Settled:
    """An event's date, mode and place from its reports (those of a held event that say it
    took place; those of a planned event, its announcements).

    - date: the stated date most reports give, the earliest on a tie (Washington's readout is
      dated a day before Beijing's), dates weeks before their article only when no other report
      gives a recent one; with no stated date, the earliest article date;
    - mode: the mode most reports state, the more specific on a tie; unspecified if none does;
    - place: the place most reports give.

    A Report of ``weight`` n counts as n reports; the reports come in the order they were stored.
    """
    if not reports:
        raise ValueError("an event has at least one report")
    stated = sorted((r for r in reports if r.date_stated), key=lambda r: r.date)
    # A date long before its article counts only when no report dates the contact recently.
    recent = [r for r in stated if r.recent_dates is None]
    dated = recent or stated or sorted(reports, key=lambda r: r.date)
    date_vote = _vote([(r.date.isoformat(), r.ref, r.weight) for r in dated])
    assert date_vote is not None
    mode_vote = _vote([(r.mode, r.ref, r.weight) for r in reports if r.mode != "unspecified"], MODE_RANK)
    place_vote = _vote([(r.location, r.ref, r.weight) for r in reports if r.location])
    sources = [("date", date_vote[1])]
    if mode_vote:
        sources.append(("mode", mode_vote[1]))
    if place_vote:
        sources.append(("location", place_vote[1]))
    return Settled(
        date=dt.date.fromisoformat(date_vote[0]),
        date_stated=bool(stated),
        mode=mode_vote[0] if mode_vote else "unspecified",
        location=place_vote[0] if place_vote else None,
        sources=tuple(sources),
    )
