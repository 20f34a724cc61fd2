"""The domain model: typed, frozen records that cross the pipeline's stage boundaries.

Storage returns these (never ORM rows); the stages and the application layer pass them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field, fields
from typing import Literal, NamedTuple

Mode = Literal["phone_call", "video_call", "meeting", "unspecified"]
Status = Literal["held", "planned"]
Level = Literal["senior", "working"]
LEVEL_RANK = {"working": 0, "senior": 1}
MODES: tuple[Mode, ...] = ("phone_call", "video_call", "meeting", "unspecified")
# How specific a mode is: where the sentences of an article, or the reports of an event, disagree
# on a contact's mode and nothing else decides, the more specific wins. "call" is a contact
# predicate's mode when the text does not say phone or video (it becomes a phone call); a stated
# meeting outranks it.
MODE_RANK: dict[str, int] = {"video_call": 4, "phone_call": 3, "meeting": 2, "call": 1, "unspecified": 0}
MODE_LABELS: dict[str, str] = {
    "phone_call": "phone call",
    "video_call": "video call",
    "meeting": "meeting",
    "unspecified": "talks",
}


logger = logging.getLogger(__name__)


def level_reaches(level: str, min_level: str) -> bool:
    """Whether a contact at ``level`` is at ``min_level`` or above (the alerted level): the one
    test of the level filter. A level outside the vocabulary counts as senior."""
    return LEVEL_RANK.get(level, LEVEL_RANK["senior"]) >= LEVEL_RANK[min_level]


# Characters no database can hold as text: NUL (PostgreSQL refuses it) and UTF-16 surrogates
# (no UTF-8 encoding: psycopg and sqlite3 raise; feedparser turns ``&#xD800;`` into one).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` without the characters that no database can store (NUL, lone surrogates)."""
    return _UNSTORABLE.sub("", text)


@dataclass(frozen=True)
class Article:
    """One news article, from a seed file or (later) a feed.

    Every article is made through this record, whatever its source, so this is the one place
    where its text is made storable: its strings lose NUL and surrogate characters here. What
    the pipeline derives from them (titles, topic evidence, contact quotes) is then clean too.
    """

    ref: str
    published: dt.date
    text: str
    title: str = ""
    source: str = "seed"
    # Feed items only: where the item came from and how its text and date were obtained.
    guid: str | None = None
    feed_url: str | None = None
    text_source: str | None = None  # page | summary, "… (cut)" when cut at max_text_chars
    published_source: str | None = None  # page | feed | fetched
    author: str | None = None
    site_name: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str) and _UNSTORABLE.search(value):
                object.__setattr__(self, name, storable(value))

    @property
    def content_hash(self) -> str:
        """SHA-256 of the whitespace-normalised text: identical content, identical hash."""
        normalised = " ".join(self.text.split())
        return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


_TEXT_FIELDS = tuple(f.name for f in fields(Article) if f.name != "published")


@dataclass(frozen=True)
class TopicScore:
    """How strongly an article matches one tracked topic, and why."""

    topic_id: str
    score: float
    matched: bool
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Participant:
    """An official taking part in a contact, with the office held on the contact's date."""

    official_id: str
    name: str
    country: str
    office: str
    office_id: str
    level: str = "senior"
    defence: bool = True


@dataclass(frozen=True)
class Contact:
    """A high-level military contact reported by one article."""

    date: dt.date
    mode: Mode
    participants: tuple[Participant, ...]
    location: str | None = None
    evidence: tuple[str, ...] = ()
    date_is_explicit: bool = True
    # (first, last) day it can have taken place, when the text contradicts its page's date (a
    # re-dated copy): ``date`` is then only the window's end, and the contact joins a known event.
    date_window: tuple[dt.date, dt.date] | None = None
    status: Status = "held"
    level: str = "senior"  # the lower of the participants' levels: senior | working
    historical: bool = False
    confidence: float = 1.0
    rules: tuple[str, ...] = ()  # which predicates and references established it

    def reaches(self, min_level: str) -> bool:
        """Whether the contact is at ``min_level`` or above."""
        return level_reaches(self.level, min_level)

    @property
    def participant_key(self) -> str:
        """Identity of the participants, independent of order: used to match events."""
        return "|".join(sorted(p.official_id for p in self.participants))


@dataclass(frozen=True)
class Classification:
    """Everything the classifier says about one article."""

    article: Article
    topics: tuple[TopicScore, ...]
    contact: Contact | None

    def reported_contact(self, min_level: str = "senior") -> Contact | None:
        """The contact that took place, if any, at ``min_level`` or above."""
        contact = self.contact
        if contact is None or contact.status != "held":
            return None
        return contact if contact.reaches(min_level) else None

    @property
    def matched_topics(self) -> tuple[str, ...]:
        return tuple(t.topic_id for t in self.topics if t.matched)


@dataclass(frozen=True)
class ReadFailure:
    """An item that could not be read, classified or stored, with the reason: ``path`` names
    the file, or the article's ref when the article was read but failed later."""

    path: str
    reason: str


@dataclass(frozen=True)
class Quote:
    """A sentence that states a contact took place, and the article it is from."""

    text: str
    ref: str
    title: str
    published: dt.date


@dataclass(frozen=True)
class StoredEvent:
    """A contact event as stored, for alerting and reporting."""

    id: int
    date: dt.date
    mode: Mode
    location: str | None
    participants: tuple[Participant, ...]
    topics: tuple[str, ...]
    evidence: tuple[str, ...]
    articles: tuple[tuple[str, str, dt.date], ...] = field(default=())  # (ref, title, published)
    status: Status = "held"
    level: str = "senior"
    historical: bool = False
    confidence: float = 1.0
    sources: int = 1  # independent sources: syndicated near-copies count once
    rules: tuple[str, ...] = ()
    # Articles that announced it beforehand (ref, title, published): never sources or evidence.
    announcements: tuple[tuple[str, str, dt.date], ...] = field(default=())
    date_stated: bool = True  # False: no report states the date; it is an article's date
    field_sources: tuple[tuple[str, str], ...] = ()  # (date | mode | location, ref of the report)
    # The sentence that states the contact, from the most confident report, then up to three
    # from other independent reports: each with its source. Never from an announcement.
    quotes: tuple[Quote, ...] = ()
    first_seen: dt.datetime | None = None  # when newswatch stored it first (UTC); None before it is stored

    def reaches(self, min_level: str) -> bool:
        """Whether the event is at ``min_level`` or above."""
        return level_reaches(self.level, min_level)


@dataclass(frozen=True)
class Mutes:
    """What the operator has muted: nothing is sent about these, though they are still monitored."""

    topics: frozenset[str] = frozenset()
    events: frozenset[int] = frozenset()

    def unmuted(self, topics: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(t for t in topics if t not in self.topics)

    def silences(self, topics: tuple[str, ...], event_id: int | None = None) -> bool:
        """An event muted, or one whose topics are all muted. An event about a muted topic and
        another one is still sent: muting Taiwan must not hide a contact that is news anyway."""
        if event_id is not None and event_id in self.events:
            return True
        return bool(topics) and not self.unmuted(topics)


class FeedStatus(NamedTuple):
    """A polled feed's health, as stored."""

    url: str
    name: str
    last_poll: dt.datetime | None
    last_success: dt.datetime | None
    status: int | None  # the last poll's HTTP status
    entries_seen: int
    new_items: int
    consecutive_failures: int
    last_error: str | None
    last_warning: str | None

    @property
    def state(self) -> str:
        """``failing``, ``warning`` or ``ok``."""
        if self.consecutive_failures:
            return "failing"
        return "warning" if self.last_warning else "ok"
