"""Prefect tasks shared by the flows: thin wrappers over newswatch's stages."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from newswatch.app import Database
from newswatch.app.alerting import Delivery, deliver_alerts, load_events
from newswatch.app.storing import StoredArticle, store_classifications
from newswatch.classify import Classifier, classify_each
from newswatch.environment import resolve_config_dir
from newswatch.model import Article, Classification, ReadFailure, StoredEvent
from newswatch.notify import Channel
from newswatch.progress import tracked
from newswatch.routing import routing_for
from newswatch.settings import Settings, load_settings

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
    db: Database,
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
    events = load_events(db, event_ids)
    return RunReport(read, [*failures, *unstored], stored, events, deliveries, [c.label for c in channels])


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
    db: Database, classifications: list[Classification], channels: list[Channel], settings: Settings
) -> list[StoredArticle]:
    """Store articles, topics and contact events; queue alerts for new events (routed, unless muted)."""
    alerts = settings.core.alerts
    return store_classifications(
        db, classifications, channels, alerts.notify_planned, alerts.min_level, routing_for(settings)
    )


@task(cache_policy=NO_CACHE)
def send_alerts(
    db: Database, settings: Settings, channels: list[Channel], kinds: list[str] | None = None
) -> list[Delivery]:
    """Deliver pending alerts (of these kinds, or all), including those that failed on earlier runs."""
    return deliver_alerts(db, channels, settings, kinds=kinds)


def flow_settings(config_dir: str | None) -> Settings:
    """The configuration a flow runs with: ``config_dir`` if given, else ``$NEWSWATCH_CONFIG_DIR``
    (how workers started by a deployment find their configuration), else the shipped files."""
    return load_settings(resolve_config_dir(Path(config_dir) if config_dir else None))
