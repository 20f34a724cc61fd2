"""The pipeline's storing and alerting steps, as plain functions over a session factory.

Prefect tasks in ``newswatch.flows`` call these; so can a plain loop (tests, benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from newswatch.errors import NotificationError
from newswatch.notify import Channel, render_alert, send
from newswatch.records import Classification, StoredEvent
from newswatch.settings import Settings
from newswatch.storage import repository
from newswatch.storage.database import transaction

STORE_BATCH_SIZE = 200


@dataclass(frozen=True)
class StoredArticle:
    """What storing one classified article did."""

    ref: str
    new: bool
    event_id: int | None = None
    new_event: bool = False


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one alert to one channel."""

    alert_id: int
    event_id: int
    channel: str
    delivered: bool
    title: str
    body: str
    error: str | None = None


def store_classifications(
    sessions: sessionmaker[Session], classifications: Sequence[Classification], channels: Sequence[Channel]
) -> list[StoredArticle]:
    """Store articles, topic matches and contacts; queue alerts for events that are new.

    An article already stored (same ref or same content) changes nothing. Deciding an event is
    new and queuing its alerts happen in the transaction that stores it.
    """
    outcomes: list[StoredArticle] = []
    for start in range(0, len(classifications), STORE_BATCH_SIZE):
        with transaction(sessions) as session:
            for item in classifications[start : start + STORE_BATCH_SIZE]:
                outcomes.append(_store_one(session, item, channels))
    return outcomes


def _store_one(session: Session, item: Classification, channels: Sequence[Channel]) -> StoredArticle:
    article_id, new = repository.store_article(session, item.article)
    if not new:
        known = repository.event_of_article(session, article_id)
        return StoredArticle(item.article.ref, new=False, event_id=known)
    repository.store_topic_matches(session, article_id, item.topics)
    if item.contact is None:
        return StoredArticle(item.article.ref, new=True)
    event_id, new_event = repository.record_contact(session, article_id, item.contact)
    if new_event:
        topics = item.matched_topics
        repository.queue_alerts(session, event_id, [(c.fingerprint, c.label) for c in channels if c.accepts(topics)])
    return StoredArticle(item.article.ref, True, event_id, new_event)


def deliver_alerts(
    sessions: sessionmaker[Session],
    channels: Sequence[Channel],
    settings: Settings,
    echo: Callable[[str], None] = print,
) -> list[Delivery]:
    """Deliver every undelivered alert for the configured channels, recording each outcome.

    Alerts that failed on an earlier run are retried here. The outcome of each send is committed
    right after it, so a crash can at worst repeat the one message in flight.
    """
    by_fingerprint = {c.fingerprint: c for c in channels}
    with transaction(sessions) as session:
        pending = repository.undelivered_alerts(session, by_fingerprint)
        events = {event_id: repository.get_event(session, event_id) for event_id in {p[1] for p in pending}}
    deliveries: list[Delivery] = []
    for alert_id, event_id, fingerprint in pending:
        channel = by_fingerprint[fingerprint]
        title, body = render_alert(events[event_id], settings.core.countries, settings.core.tracked_pair)
        error: str | None = None
        try:
            if channel.is_console:
                echo(f"ALERT {title}\n{body}")
            else:
                send(channel, title, body)
        except NotificationError as exc:
            error = str(exc)
        with transaction(sessions) as session:
            repository.mark_alert(session, alert_id, delivered=error is None, error=error)
        deliveries.append(Delivery(alert_id, event_id, channel.label, error is None, title, body, error))
    return deliveries


def load_events(sessions: sessionmaker[Session], event_ids: Iterable[int]) -> list[StoredEvent]:
    """The stored events with these ids, in id order."""
    with transaction(sessions) as session:
        return [repository.get_event(session, event_id) for event_id in sorted(set(event_ids))]
