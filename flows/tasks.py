"""Prefect tasks shared by the flows: thin wrappers over newswatch's stages."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session, sessionmaker

from newswatch.classify import Classifier, classify_each
from newswatch.errors import ConfigError
from newswatch.model import Article, Classification, ReadFailure, StoredEvent
from newswatch.notify import CONSOLE, Channel, build_channels
from newswatch.pipeline import Delivery, StoredArticle, deliver_alerts, load_events, store_classifications
from newswatch.progress import tracked
from newswatch.routing import routing_for
from newswatch.settings import Settings, apprise_config_path, load_settings, notification_urls, resolve_config_dir

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunReport:
    """What a run did, for the command line and for callers."""

    read: int
    failures: list[ReadFailure]
    stored: list[StoredArticle]
    events: list[StoredEvent]
    deliveries: list[Delivery]
    channels: list[str] = field(default_factory=list)

    @property
    def new_articles(self) -> int:
        return sum(1 for s in self.stored if s.new)

    @property
    def new_events(self) -> list[StoredEvent]:
        new_ids = {s.event_id for s in self.stored if s.new_event}
        return [e for e in self.events if e.id in new_ids]


def run_report(
    sessions: sessionmaker[Session],
    read: int,
    failures: list[ReadFailure],
    stored: list[StoredArticle],
    deliveries: list[Delivery],
    channels: list[Channel],
) -> RunReport:
    """The report of a run: the events its articles reported or its alerts were about. An
    article that could not be stored is one of its failures (named once), not one stored."""
    unstored = [ReadFailure(s.ref, f"not stored: {s.error}") for s in stored if s.error is not None]
    stored = [s for s in stored if s.error is None]
    event_ids = {s.event_id for s in stored if s.event_id is not None} | {
        d.event_id for d in deliveries if d.event_id is not None
    }
    events = load_events(sessions, event_ids)
    return RunReport(read, [*failures, *unstored], stored, events, deliveries, [c.label for c in channels])


def configured_channels(settings: Settings, extra_urls: list[str] | None = None) -> list[Channel]:
    """The notification channels from config, environment, a Prefect Secret block and
    ``extra_urls``; the console if none."""
    urls = notification_urls(settings, extra_urls or [])
    urls += [u for u in secret_urls(settings.core.notifications.prefect_secret) if u not in urls]
    return build_channels(urls, apprise_config_path(settings)) or [CONSOLE]


def secret_urls(block_name: str | None) -> list[str]:
    """Notification URLs kept in a Prefect Secret block, so that they live in Prefect's store
    (encrypted at rest on Prefect Cloud) rather than in files or environments.

    Raises:
        ConfigError: the block does not exist or cannot be read.
    """
    if not block_name:
        return []
    from prefect.blocks.system import Secret

    try:
        value = Secret.load(block_name).get()
    except (ValueError, RuntimeError) as exc:
        raise ConfigError(f"notifications.prefect_secret: cannot load Secret block {block_name!r} ({exc})") from None
    text = value if isinstance(value, str) else " ".join(map(str, value)) if isinstance(value, list) else ""
    return [u for u in re.split(r"[\s,]+", text) if u]


@task(cache_policy=NO_CACHE)
def classify_each_article(
    articles: list[Article], settings: Settings
) -> tuple[list[Classification], list[ReadFailure]]:
    """Score topics and detect contacts, all articles in one task (a task per article costs ~10 ms).
    An article the classifier fails on is that article's failure; the others are classified."""
    if not articles:  # an idle cycle: building the classifier's matchers alone takes ~0.1 s
        return [], []
    classifier = Classifier(settings)
    return classify_each(classifier.classify, tracked(articles, "Classifying"))


@task(cache_policy=NO_CACHE)
def store_results(
    sessions: sessionmaker[Session], classifications: list[Classification], channels: list[Channel], settings: Settings
) -> list[StoredArticle]:
    """Store articles, topics and contact events; queue alerts for new events (routed, unless muted)."""
    alerts = settings.core.alerts
    return store_classifications(
        sessions, classifications, channels, alerts.notify_planned, alerts.min_level, routing_for(settings)
    )


@task(cache_policy=NO_CACHE)
def send_alerts(
    sessions: sessionmaker[Session], settings: Settings, channels: list[Channel], kinds: list[str] | None = None
) -> list[Delivery]:
    """Deliver pending alerts (of these kinds, or all), including those that failed on earlier runs."""
    return deliver_alerts(sessions, channels, settings, kinds=kinds)


def flow_settings(config_dir: str | None) -> Settings:
    """The configuration a flow runs with: ``config_dir`` if given, else ``$NEWSWATCH_CONFIG_DIR``
    (how workers started by a deployment find their configuration), else the shipped files."""
    return load_settings(resolve_config_dir(Path(config_dir) if config_dir else None))
