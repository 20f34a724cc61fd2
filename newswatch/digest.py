"""The digest: what was new since the last one — contacts, planned meetings, articles per topic —
and which feeds are failing. Composing it, fitting it to a channel and its schedule are pure.

A digest is composed once per period (``digest.every_hours``, or daily at ``digest.daily_at``)
and stored as data; each channel's copy is cut to the topics routed to it when it is rendered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from newswatch.model import Mutes, StoredEvent

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class DigestEvent:
    """A contact or planned meeting as a digest lists it."""

    id: int
    date: dt.date
    mode: str
    participants: tuple[tuple[str, str], ...]  # (name, office)
    location: str | None
    topics: tuple[str, ...]
    ref: str  # the first report
    title: str
    historical: bool = False
    sources: int = 1
    new: bool = True  # planned meetings: announced since the last digest
    evidence: str | None = None  # the sentence that states the contact (held contacts)


@dataclass(frozen=True)
class TopicVolume:
    topic: str
    name: str
    articles: int


@dataclass(frozen=True)
class FailingFeed:
    name: str
    url: str
    failures: int
    error: str | None


@dataclass(frozen=True)
class Digest:
    """One period's digest, or one channel's cut of it."""

    period: dt.datetime  # the scheduled time it is for
    since: dt.datetime
    until: dt.datetime
    contacts: tuple[DigestEvent, ...] = ()
    planned: tuple[DigestEvent, ...] = ()
    topics: tuple[TopicVolume, ...] = ()
    failing_feeds: tuple[FailingFeed, ...] = ()

    @property
    def has_news(self) -> bool:
        """Something new since the last digest; failing feeds alone are not news."""
        return bool(self.contacts or any(p.new for p in self.planned) or any(t.articles for t in self.topics))

    def for_channel(self, receives: Callable[[Sequence[str]], bool]) -> Digest:
        """The sections a channel receives: ``receives(topics)`` says whether something about those
        topics goes to it (``receives(())``: something about no topic, such as failing feeds)."""
        return replace(
            self,
            contacts=tuple(e for e in self.contacts if receives(e.topics)),
            planned=tuple(e for e in self.planned if receives(e.topics)),
            topics=tuple(t for t in self.topics if receives((t.topic,))),
            failing_feeds=self.failing_feeds if receives(()) else (),
        )

    def as_json(self) -> dict[str, Any]:
        def event(e: DigestEvent) -> dict[str, Any]:
            return {
                **e.__dict__,
                "date": e.date.isoformat(),
                "participants": [list(p) for p in e.participants],
                "topics": list(e.topics),
            }

        return {
            "period": self.period.isoformat(),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "contacts": [event(e) for e in self.contacts],
            "planned": [event(e) for e in self.planned],
            "topics": [t.__dict__ for t in self.topics],
            "failing_feeds": [f.__dict__ for f in self.failing_feeds],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Digest:
        def event(e: Mapping[str, Any]) -> DigestEvent:
            return DigestEvent(
                **{
                    **e,
                    "date": dt.date.fromisoformat(e["date"]),
                    "participants": tuple((name, office) for name, office in e["participants"]),
                    "topics": tuple(e["topics"]),
                }
            )

        return cls(
            period=dt.datetime.fromisoformat(data["period"]),
            since=dt.datetime.fromisoformat(data["since"]),
            until=dt.datetime.fromisoformat(data["until"]),
            contacts=tuple(event(e) for e in data["contacts"]),
            planned=tuple(event(e) for e in data["planned"]),
            topics=tuple(TopicVolume(**t) for t in data["topics"]),
            failing_feeds=tuple(FailingFeed(**f) for f in data["failing_feeds"]),
        )


def period_start(now: dt.datetime, every_hours: float | None, daily_at: str, timezone: str) -> dt.datetime:
    """The scheduled time of the period ``now`` is in (UTC): the last multiple of ``every_hours``
    since 1970-01-01 UTC, or else the last ``daily_at`` in ``timezone``."""
    if every_hours:
        step = dt.timedelta(hours=every_hours)
        return EPOCH + step * ((now - EPOCH) // step)
    hour, minute = (int(part) for part in daily_at.split(":"))
    local = now.astimezone(ZoneInfo(timezone))
    start = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if start > local:
        start = (local - dt.timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return start.astimezone(dt.UTC)


def period_key(start: dt.datetime) -> str:
    return start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def period_length(every_hours: float | None) -> dt.timedelta:
    return dt.timedelta(hours=every_hours or 24)


def _digest_event(event: StoredEvent, topics: tuple[str, ...], new: bool = True) -> DigestEvent:
    ref, title, _ = event.articles[0] if event.articles else ("", "", event.date)
    return DigestEvent(
        id=event.id,
        date=event.date,
        mode=event.mode,
        participants=tuple((p.name, p.office) for p in event.participants),
        location=event.location,
        topics=topics,
        ref=ref,
        title=title,
        historical=event.historical,
        sources=event.sources,
        new=new,
        evidence=event.quotes[0].text if event.quotes and event.status == "held" else None,
    )


def compose_digest(
    period: dt.datetime,
    since: dt.datetime,
    until: dt.datetime,
    *,
    held: Iterable[StoredEvent],
    planned: Iterable[tuple[StoredEvent, dt.datetime]],
    volumes: Mapping[str, int],
    topic_names: Mapping[str, str],
    failing_feeds: Iterable[tuple[str, str, int, str | None]],
    mutes: Mutes,
    min_level: str = "senior",
) -> Digest:
    """The digest of what happened in [since, until): muted events and topics left out, events
    below the alerted level left out, topics listed in configuration order."""

    def shown(event: StoredEvent) -> bool:
        return event.reaches(min_level) and not mutes.silences(event.topics, event.id)

    return Digest(
        period=period,
        since=since,
        until=until,
        contacts=tuple(_digest_event(e, mutes.unmuted(e.topics)) for e in held if shown(e)),
        planned=tuple(
            _digest_event(e, mutes.unmuted(e.topics), new=since <= first_seen) for e, first_seen in planned if shown(e)
        ),
        topics=tuple(
            TopicVolume(topic, name, volumes.get(topic, 0))
            for topic, name in topic_names.items()
            if topic not in mutes.topics
        ),
        failing_feeds=tuple(FailingFeed(*feed) for feed in failing_feeds),
    )
