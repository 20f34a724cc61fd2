"""Configuration: the shipped defaults in ``config/`` plus an optional user override folder.

Everything is validated once, here, into typed settings that the rest of newswatch receives as
arguments; no other module reads newswatch's configuration files or ``NEWSWATCH_*`` variables
(the command line sets some of them for the flows it starts; ``prefect_server`` reads Prefect's
own ``PREFECT_API_URL``).

Files (each may be replaced by a file of the same name in the override folder):
    newswatch.yaml   countries, the tracked pair, alert settings, venues, notification sources,
                     routes and the digest
    topics.yaml      tracked topics with weighted terms, exclusions and thresholds
    officials.yaml   the gazetteer: offices and the officials who held them
    templates/*.j2   message templates (newswatch.templates): each file replaces the shipped one
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from newswatch.errors import ConfigError
from newswatch.model import Level
from newswatch.urls import masked_url

CONFIG_FILES = ("newswatch.yaml", "topics.yaml", "officials.yaml", "feeds.yaml")
ENV_CONFIG_DIR = "NEWSWATCH_CONFIG_DIR"
ENV_NOTIFY = "NEWSWATCH_NOTIFY"
ENV_DATABASE_URL = "NEWSWATCH_DATABASE_URL"
ENV_HOME = "NEWSWATCH_HOME"
ENV_ALLOW_PRIVATE = "NEWSWATCH_ALLOW_PRIVATE_NETWORKS"
ENV_TASK_RUNNER = "NEWSWATCH_TASK_RUNNER"
ENV_DASK_ADDRESS = "NEWSWATCH_DASK_ADDRESS"
ENV_FEED_CREDENTIALS = "NEWSWATCH_FEED_CREDENTIALS"  # `run --feed` URLs with credentials, for the flow
# contacts | digest | feeds, optionally narrowed to a topic: `digest.taiwan`
ROUTE_KEY = re.compile(r"^(?P<kind>contacts|digest|feeds)(?:\.(?P<topic>[a-z0-9][a-z0-9-]*))?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- newswatch.yaml -------------------------------------------------------------------------


class Country(_Strict):
    name: str
    short: str | None = Field(default=None, description='name in alert titles, e.g. "US"')
    names: list[str] = Field(min_length=1, description="words that point to the country in text")


class AlertSettings(_Strict):
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


class NotificationSettings(_Strict):
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


class DigestSettings(_Strict):
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


class MonitorSettings(_Strict):
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


class ScheduleSettings(_Strict):
    """How often `newswatch serve` runs each flow."""

    monitor_every_minutes: float = Field(default=15, gt=0)
    deliver_every_minutes: float = Field(default=5, gt=0, description="retry pending alerts this often")


class CoreSettings(_Strict):
    countries: dict[str, Country]
    tracked_pair: tuple[str, str]
    alerts: AlertSettings = AlertSettings()
    notifications: NotificationSettings = NotificationSettings()
    venues: dict[str, str] = {}
    monitor: MonitorSettings = MonitorSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    digest: DigestSettings = DigestSettings()

    @model_validator(mode="after")
    def _pair_is_defined(self) -> CoreSettings:
        for code in self.tracked_pair:
            if code not in self.countries:
                raise ValueError(f"tracked_pair names {code!r}, which is not under countries")
        if self.tracked_pair[0] == self.tracked_pair[1]:
            raise ValueError("tracked_pair must name two different countries")
        return self


# --- feeds.yaml -----------------------------------------------------------------------------


class FeedConfig(_Strict):
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


def feed_credentials(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``$NEWSWATCH_FEED_CREDENTIALS``: feed URLs with credentials that ``run --feed`` passes to the
    monitor flow by its environment, as the flow's parameters hold only their masked form.
    Keyed by that masked form. (A worker in another process needs the feed in feeds.yaml, or
    this variable set.)"""
    environ = os.environ if environ is None else environ
    urls = [u for u in environ.get(ENV_FEED_CREDENTIALS, "").split() if u]
    return {masked_url(u): u for u in urls if masked_url(u) != u}


class FeedsFile(_Strict):
    feeds: list[FeedConfig] = []

    @model_validator(mode="after")
    def _unique_urls(self) -> FeedsFile:
        duplicates = _duplicates(f.url for f in self.feeds)
        if duplicates:
            raise ValueError(f"feeds listed twice: {', '.join(duplicates)}")
        return self


# --- topics.yaml ----------------------------------------------------------------------------


def _duplicates(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for value in ids:
        (repeated if value in seen else seen).add(value)
    return sorted(repeated)


def _check_patterns(patterns: Mapping[str, float] | list[str]) -> None:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None


class Topic(_Strict):
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


class TopicsFile(_Strict):
    topics: list[Topic] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> TopicsFile:
        duplicates = _duplicates(t.id for t in self.topics)
        if duplicates:
            raise ValueError(f"duplicate topic ids: {', '.join(duplicates)}")
        return self


# --- officials.yaml -------------------------------------------------------------------------


class OfficeStyle(_Strict):
    """Another official name of an office, in use from a date ("Secretary of War" from 2025-09-05)."""

    name: str
    from_: dt.date = Field(alias="from")


class Office(_Strict):
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


class Role(_Strict):
    office: str
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    acting: bool = False

    def held_on(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.to is None or day <= self.to)


class Official(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    country: str
    surname: str | None = None
    aliases: list[str] = []
    roles: list[Role] = Field(min_length=1)


class OfficialsFile(_Strict):
    offices: dict[str, Office]
    officials: list[Official]

    @model_validator(mode="after")
    def _references_resolve(self) -> OfficialsFile:
        duplicates = _duplicates(o.id for o in self.officials)
        if duplicates:
            raise ValueError(f"duplicate official ids: {', '.join(duplicates)}")
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


# --- the whole --------------------------------------------------------------------------------


class Settings(_Strict):
    """All of newswatch's configuration, validated."""

    core: CoreSettings
    topics: list[Topic]
    officials: OfficialsFile
    feeds: list[FeedConfig] = []
    config_dir: Path | None = None

    @model_validator(mode="after")
    def _countries_known(self) -> Settings:
        for office_id, office in self.officials.offices.items():
            if office.country not in self.core.countries:
                raise ValueError(f"officials.yaml: office {office_id} has unknown country {office.country!r}")
        topic_ids = {t.id for t in self.topics}
        for key in self.core.notifications.routes:
            topic = key.partition(".")[2]
            if topic and topic not in topic_ids:
                raise ValueError(f"newswatch.yaml: notifications.routes: {key}: no topic {topic!r} in topics.yaml")
        return self


def _default_config_dir() -> Path:
    return Path(str(resources.files("newswatch.config")))


# libyaml's safe loader when PyYAML was built with it (9x faster on officials.yaml), else PyYAML's own.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _describe(error: ValidationError, path: Path) -> str:
    lines = []
    for item in error.errors()[:5]:
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{path}: {location}: {item['msg']}")
    more = len(error.errors()) - 5
    if more > 0:
        lines.append(f"... and {more} more problems")
    return "\n".join(lines)


def _validate(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


def resolve_config_dir(explicit: Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The user's override folder: ``--config`` if given, else ``$NEWSWATCH_CONFIG_DIR``."""
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    value = environ.get(ENV_CONFIG_DIR)
    return Path(value) if value else None


def load_settings(config_dir: Path | None = None) -> Settings:
    """Load and validate the configuration.

    Args:
        config_dir: a folder whose ``newswatch.yaml``, ``topics.yaml``, ``officials.yaml``,
            ``feeds.yaml`` or ``templates/*.j2`` replace the shipped file of the same name; files
            it lacks come from the defaults.

    Raises:
        ConfigError: naming the file and field at fault.
    """
    if config_dir is not None and not config_dir.is_dir():
        raise ConfigError(f"{config_dir}: configuration folder not found")
    defaults = _default_config_dir()

    def pick(name: str) -> Path:
        if config_dir is not None and (config_dir / name).is_file():
            return config_dir / name
        return defaults / name

    core_path, topics_path, officials_path, feeds_path = (pick(name) for name in CONFIG_FILES)
    core = _validate(CoreSettings, _load_yaml(core_path), core_path)
    topics = _validate(TopicsFile, _load_yaml(topics_path), topics_path)
    officials = _validate(OfficialsFile, _load_yaml(officials_path), officials_path)
    feeds = _validate(FeedsFile, _load_yaml(feeds_path), feeds_path)
    try:
        settings = Settings(
            core=core, topics=topics.topics, officials=officials, feeds=feeds.feeds, config_dir=config_dir
        )
    except ValidationError as exc:
        raise ConfigError("; ".join(str(e["msg"]) for e in exc.errors())) from None
    from newswatch.notify import check_templates  # notify imports this module
    from newswatch.templates import template_folders
    from newswatch.topics import check_terms  # topics imports this module

    check_terms(topics.topics, topics_path)  # no term that can take exponential time to match
    check_templates(template_folders(config_dir))
    return settings


def notification_urls(settings: Settings, cli_urls: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Notification URLs from the config file, ``$NEWSWATCH_NOTIFY`` and ``--notify``, deduplicated.

    ``$NEWSWATCH_NOTIFY`` holds URLs separated by whitespace or commas.
    """
    environ = os.environ if environ is None else environ
    from_env = [u for u in re.split(r"[\s,]+", environ.get(ENV_NOTIFY, "")) if u]
    urls: list[str] = []
    for url in [*settings.core.notifications.urls, *from_env, *cli_urls]:
        if url not in urls:
            urls.append(url)
    return urls


def apprise_config_path(settings: Settings) -> Path | None:
    """The apprise config file named in newswatch.yaml, resolved against the config folder."""
    name = settings.core.notifications.apprise_config
    if not name:
        return None
    path = Path(os.path.expanduser(name))
    if not path.is_absolute():
        path = (settings.config_dir or _default_config_dir()) / path
    if not path.is_file():
        raise ConfigError(f"newswatch.yaml: notifications.apprise_config: {path} not found")
    return path


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    """Where newswatch keeps its default SQLite database: ``$NEWSWATCH_HOME`` or ``~/.newswatch``."""
    environ = os.environ if environ is None else environ
    return Path(environ.get(ENV_HOME) or Path.home() / ".newswatch")


def database_url(cli_url: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The database URL: ``--db``, else ``$NEWSWATCH_DATABASE_URL``, else the default SQLite file."""
    environ = os.environ if environ is None else environ
    if cli_url:
        return cli_url
    if environ.get(ENV_DATABASE_URL):
        return environ[ENV_DATABASE_URL]
    return f"sqlite:///{default_home(environ) / 'newswatch.db'}"


def monitor_settings(settings: Settings, environ: Mapping[str, str] | None = None) -> MonitorSettings:
    """The monitor settings, with the environment's overrides.

    ``$NEWSWATCH_ALLOW_PRIVATE_NETWORKS=1`` allows private addresses; ``$NEWSWATCH_TASK_RUNNER``
    and ``$NEWSWATCH_DASK_ADDRESS`` choose the fan-out on one worker machine without editing config.
    """
    environ = os.environ if environ is None else environ
    update: dict[str, Any] = {}
    if environ.get(ENV_ALLOW_PRIVATE, "").strip().lower() in ("1", "true", "yes"):
        update["allow_private_networks"] = True
    if runner := environ.get(ENV_TASK_RUNNER, "").strip():
        update["task_runner"] = runner
    if address := environ.get(ENV_DASK_ADDRESS, "").strip():
        update["dask_address"] = address
    if not update:
        return settings.core.monitor
    try:
        return MonitorSettings.model_validate(settings.core.monitor.model_dump() | update)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, Path(f"${ENV_TASK_RUNNER} / ${ENV_DASK_ADDRESS}"))) from None
