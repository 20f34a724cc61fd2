"""The schema of each configuration file, as strict pydantic models (unknown keys are errors).

    newswatch.yaml   CoreSettings: countries, the tracked pair, alerts, notifications and their
                     routes, venues, monitor, schedule and digest settings
    feeds.yaml       FeedsFile: the feeds to poll (FeedConfig)
    topics.yaml      TopicsFile: tracked topics with weighted terms, exclusions and thresholds
    officials.yaml   OfficialsFile: the gazetteer's offices and the officials who held them

Each model checks what one file can check alone; ``newswatch.settings`` loads the files and checks
what holds between them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from newswatch.model import Level
from newswatch.urls import masked_url

# contacts | digest | feeds, optionally narrowed to a topic: `digest.taiwan`
ROUTE_KEY = re.compile(r"^(?P<kind>contacts|digest|feeds)(?:\.(?P<topic>[a-z0-9][a-z0-9-]*))?$")


class StrictModel(BaseModel):
    """A frozen model that refuses keys it does not define (a misspelt setting is an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _refuse_duplicates(ids: Iterable[str], problem: str) -> None:
    """Raise ``problem: <the values that occur more than once, sorted>`` if there are any."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for value in ids:
        (repeated if value in seen else seen).add(value)
    if repeated:
        raise ValueError(f"{problem}: {', '.join(sorted(repeated))}")


# --- newswatch.yaml -------------------------------------------------------------------------


class Country(StrictModel):
    name: str
    short: str | None = Field(default=None, description='name in alert titles, e.g. "US"')
    names: list[str] = Field(min_length=1, description="words that point to the country in text")


class AlertSettings(StrictModel):
    min_level: Level = "senior"
    recency_days: int = Field(
        default=30, ge=0, description="a contact older than this when first reported is 'historical'"
    )
    notify_planned: bool = Field(default=False, description="send a low-priority note when a meeting is announced")
    retry_base_seconds: float = Field(
        default=60, ge=0, description="first wait before retrying a failed delivery; doubles each time"
    )
    retry_max_seconds: float = Field(default=3600, ge=0, description="longest wait between retries")
    max_attempts: int = Field(default=10, ge=1, description="attempts before an alert goes to the dead-letter state")
    claim_lease_seconds: float = Field(
        default=300, gt=0, description="how long a worker owns an alert it is delivering (after a crash, it is freed)"
    )


class NotificationSettings(StrictModel):
    urls: list[str] = []
    apprise_config: str | None = Field(
        default=None, description="path to an apprise YAML/TEXT config file, relative to the config folder"
    )
    prefect_secret: str | None = Field(
        default=None, description="name of a Prefect Secret block holding URLs (spaces, commas or newlines between)"
    )
    routes: dict[str, list[str]] = Field(
        default={},
        description="what goes where: contacts, digest, feeds or contacts.TOPIC / digest.TOPIC → channel tags",
    )

    @field_validator("routes")
    @classmethod
    def _route_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key in value:
            match = ROUTE_KEY.match(key)
            if match is None or (match["kind"] == "feeds" and match["topic"]):
                raise ValueError(f"{key!r} is not a route: use contacts, digest, feeds, contacts.TOPIC or digest.TOPIC")
        return value


class DigestSettings(StrictModel):
    """The periodic digest: what was new since the last one."""

    enabled: bool = Field(default=False, description="send it on its schedule (newswatch serve, the digest deployment)")
    daily_at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, in timezone")
    timezone: str = Field(default="UTC", description="an IANA time zone, e.g. Europe/Paris")
    every_hours: float | None = Field(
        default=None, gt=0, le=168, description="every this many hours (from 00:00 UTC) instead of daily"
    )

    @field_validator("daily_at", mode="before")
    @classmethod
    def _quoted_time(cls, value: Any) -> Any:
        if isinstance(value, int):  # YAML 1.1 reads 12:30 unquoted as 750 (minutes)
            raise ValueError('write the time in quotes, e.g. "12:30"')
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class MonitorSettings(StrictModel):
    """How feeds and pages are fetched, and when a failing feed is reported."""

    allow_private_networks: bool = Field(
        default=False, description="fetch URLs that resolve to private, loopback or link-local addresses"
    )
    failure_alert_after: int = Field(default=3, ge=1, description="consecutive failures before an operator alert")
    concurrency: int = Field(default=8, ge=1, le=64, description="feeds or pages fetched at once")
    per_host_concurrency: int = Field(default=2, ge=1, le=16)
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    total_timeout: float = Field(default=30.0, gt=0)
    max_feed_bytes: int = Field(default=10_000_000, ge=1024)
    max_page_bytes: int = Field(default=5_000_000, ge=1024)
    max_entries_per_feed: int = Field(
        default=500, ge=1, description="entries kept of one feed: the newest if dated, else the first; more are dropped"
    )
    max_title_chars: int = Field(default=1_000, ge=20, description="feed and article titles are cut here")
    max_text_chars: int = Field(
        default=200_000, ge=1_000, description="an article's text is cut here, at a paragraph or sentence"
    )
    max_redirects: int = Field(default=5, ge=0, le=20)
    retries: int = Field(default=2, ge=0, le=10)
    backoff_seconds: float = Field(default=0.5, ge=0)
    respect_robots: bool = True
    task_runner: Literal["threads", "processes", "dask"] = Field(
        default="threads",
        description="how feed polling and page extraction fan out: Prefect's thread or process pool, or Dask",
    )
    workers: int | None = Field(
        default=None, ge=1, le=256, description="parallel task runs (default: 4 threads, or one process per core)"
    )
    dask_address: str | None = Field(
        default=None,
        description="a Dask scheduler (tcp://host:8786) for task_runner: dask; none starts a local cluster",
    )


class ScheduleSettings(StrictModel):
    """How often `newswatch serve` runs each flow."""

    monitor_every_minutes: float = Field(default=15, gt=0)
    deliver_every_minutes: float = Field(default=5, gt=0, description="retry pending alerts this often")


class ReportSettings(StrictModel):
    """The HTML report the monitor flow keeps current (`newswatch report` writes one on demand)."""

    path: Path | None = Field(
        default=None,
        description="rewrite this HTML file after each monitor cycle; relative to the newswatch home; none: no report",
    )
    days: int = Field(default=90, ge=1, description="the contacts first seen, and articles stored, in the last N days")


class CoreSettings(StrictModel):
    countries: dict[str, Country]
    tracked_pair: tuple[str, str]
    alerts: AlertSettings = AlertSettings()
    notifications: NotificationSettings = NotificationSettings()
    venues: dict[str, str] = {}
    monitor: MonitorSettings = MonitorSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    digest: DigestSettings = DigestSettings()
    report: ReportSettings = ReportSettings()

    @model_validator(mode="after")
    def _pair_is_defined(self) -> CoreSettings:
        for code in self.tracked_pair:
            if code not in self.countries:
                raise ValueError(f"tracked_pair names {code!r}, which is not under countries")
        if self.tracked_pair[0] == self.tracked_pair[1]:
            raise ValueError("tracked_pair must name two different countries")
        return self


# --- feeds.yaml -----------------------------------------------------------------------------


class FeedConfig(StrictModel):
    """A feed to poll. ``url`` is its identity, stored and shown: masked if it was given with
    credentials (``http://user:***@host/feed``); the real URL stays in memory (``fetch_url``),
    out of repr, dumps and Prefect's parameters, for the fetcher alone."""

    url: str = Field(pattern=r"^https?://\S+$", description="the feed's address (RSS or Atom)")
    name: str | None = None
    interval_minutes: int = Field(default=30, ge=1, description="poll at most this often")
    full_text: bool = Field(default=True, description="fetch each new item's page and extract the article")
    language: str | None = None
    enabled: bool = True
    _credentialed_url: str | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _credentials_apart(cls, data: Any, handler: Any) -> FeedConfig:
        real = data.get("url") if isinstance(data, dict) else None
        if not isinstance(real, str) or masked_url(real) == real:
            return handler(data)
        feed = handler({**data, "url": masked_url(real)})
        feed._credentialed_url = real
        return feed

    @property
    def fetch_url(self) -> str:
        """The URL to fetch, with its credentials: hand it to the fetcher, nowhere else."""
        return self._credentialed_url or self.url

    @property
    def label(self) -> str:
        return self.name or self.url


class FeedsFile(StrictModel):
    feeds: list[FeedConfig] = []

    @model_validator(mode="after")
    def _unique_urls(self) -> FeedsFile:
        _refuse_duplicates((f.url for f in self.feeds), "feeds listed twice")
        return self


# --- topics.yaml ----------------------------------------------------------------------------


def _check_patterns(patterns: Mapping[str, float] | list[str]) -> None:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None


class Topic(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    threshold: float = Field(gt=0)
    require: list[list[str]] = Field(default=[], description="groups of patterns; each group must match at least once")
    terms: dict[str, float] = Field(min_length=1)
    exclude: dict[str, float] = {}
    contact_weight: float = Field(
        default=0, description="added to the score when the article reports a contact between the tracked pair"
    )
    officials_weight: float = Field(
        default=0, description="added when the article names defence officials of both tracked countries"
    )
    pairs: list[tuple[str, str]] = Field(
        default=[],
        description=(
            "the pairs of countries (ids under countries) this topic follows: contact_weight and officials_weight "
            "count only while tracked_pair is one of them; empty: whatever pair is tracked"
        ),
    )
    enabled: bool = Field(default=True, description="false leaves the topic out (e.g. a shipped one, from an override)")

    def follows(self, pair: tuple[str, str]) -> bool:
        """Whether contacts between ``pair`` (in either order) count for this topic."""
        return not self.pairs or any({first, second} == set(pair) for first, second in self.pairs)

    @field_validator("terms", "exclude")
    @classmethod
    def _valid_weighted(cls, value: dict[str, float]) -> dict[str, float]:
        _check_patterns(value)
        return value

    @field_validator("require")
    @classmethod
    def _valid_groups(cls, value: list[list[str]]) -> list[list[str]]:
        for group in value:
            _check_patterns(group)
        return value


class TopicsFile(StrictModel):
    topics: list[Topic] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> TopicsFile:
        _refuse_duplicates((t.id for t in self.topics), "duplicate topic ids")
        return self


# --- officials.yaml -------------------------------------------------------------------------


class OfficeStyle(StrictModel):
    """Another official name of an office, in use from a date ("Secretary of War" from 2025-09-05)."""

    name: str
    from_: dt.date = Field(alias="from")


class Office(StrictModel):
    country: str
    name: str
    styles: list[OfficeStyle] = []
    level: Level
    defence: bool
    # A spokesperson speaks for a side and reads out its contacts; never a participant of one.
    spokesperson: bool = False
    counterparts: list[str] = []
    aliases: list[str] = Field(default=[], description="title phrases that name this office without a country word")
    qualified_aliases: list[str] = Field(
        default=[], description="generic titles that name this office only after a country word"
    )

    def name_on(self, day: dt.date) -> str:
        """The office's name on ``day``: the latest style in use by then, else its name."""
        current = [style for style in self.styles if style.from_ <= day]
        return max(current, key=lambda style: style.from_).name if current else self.name


class Role(StrictModel):
    office: str
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    acting: bool = False

    def held_on(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.to is None or day <= self.to)


class Official(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    country: str
    surname: str | list[str] | None = Field(
        default=None,
        description=(
            "the surname text may use alone (after a rank, or once the full name was given): one, or one per "
            "script ([Gerasimov, Герасимов]); a Cyrillic one is declined (Герасимова, Герасимовым)"
        ),
    )
    aliases: list[str] = []
    roles: list[Role] = Field(min_length=1)

    @property
    def surnames(self) -> tuple[str, ...]:
        """Every surname given, the first one first."""
        if self.surname is None:
            return ()
        return (self.surname,) if isinstance(self.surname, str) else tuple(self.surname)

    @property
    def main_surname(self) -> str | None:
        """The first surname given (the one in the official's ``name``'s script)."""
        return self.surnames[0] if self.surnames else None


class OfficialsFile(StrictModel):
    offices: dict[str, Office]
    officials: list[Official]

    @model_validator(mode="after")
    def _references_resolve(self) -> OfficialsFile:
        _refuse_duplicates((o.id for o in self.officials), "duplicate official ids")
        for office_id, office in self.offices.items():
            for counterpart in office.counterparts:
                if counterpart not in self.offices:
                    raise ValueError(f"office {office_id}: unknown counterpart {counterpart!r}")
        for official in self.officials:
            for role in official.roles:
                if role.office not in self.offices:
                    raise ValueError(f"official {official.id}: unknown office {role.office!r}")
                if role.to is not None and role.to < role.from_:
                    raise ValueError(f"official {official.id}: role {role.office} ends before it begins")
        return self
