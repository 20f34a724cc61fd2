"""The pipeline's storing and alerting steps, as plain functions over a session factory.

Prefect tasks in ``newswatch.flows`` call these; so can a plain loop (tests, benchmarks).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from newswatch.backoff import backoff_seconds
from newswatch.dedup import first_originals, text_fingerprint
from newswatch.digest import Digest, compose_digest, period_key, period_length, period_start
from newswatch.errors import NotificationError, StorageError, TemplateError, item_error
from newswatch.model import Classification, Mutes, StoredEvent
from newswatch.notify import (
    Channel,
    DeliveryUnknown,
    FeedHealth,
    neutralise,
    render_alert,
    render_digest,
    render_notice,
    send,
)
from newswatch.polling import FeedPoll
from newswatch.progress import ProgressHook, report_progress
from newswatch.routing import EVERYONE, Routing, routing_for
from newswatch.settings import Settings
from newswatch.storage import repository
from newswatch.storage.database import transaction
from newswatch.templates import Templates, template_folders, templates_in

STORE_BATCH_SIZE = 200
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredArticle:
    """What storing one classified article did."""

    ref: str
    new: bool
    event_id: int | None = None
    new_event: bool = False
    duplicate_of: int | None = None
    muted: bool = False  # an alert was due, but its topics or its event are muted
    error: str | None = None  # not stored, and why ("<ExceptionType>: <message>"); tried again next run


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one alert (an event's, or a digest) to one channel."""

    alert_id: int
    event_id: int | None
    channel: str
    delivered: bool
    title: str
    body: str
    error: str | None = None
    status: str = "sent"  # sent | failed | dead | unknown (sent, no answer: it may have arrived)
    kind: str = "contact"  # contact | planned | digest


def _refused_row(exc: Exception) -> bool:
    """Whether a failed store is an item's doing (a value the database refuses, a bug tripped by
    one article), not the database's (unreachable, locked, read-only, schema missing): only the
    former is worth retrying item by item, the latter ends the run with one clear error."""
    if isinstance(exc, StorageError):  # the database's own trouble, already put in words
        return False
    if not isinstance(exc, SQLAlchemyError):
        return True
    if isinstance(exc, (DataError, IntegrityError)):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return sqlstate.startswith("54")  # PostgreSQL's "program limit exceeded": an index row too large


def store_classifications(
    sessions: sessionmaker[Session],
    classifications: Sequence[Classification],
    channels: Sequence[Channel],
    notify_planned: bool = False,
    min_level: str = "senior",
    routing: Routing = EVERYONE,
    on_progress: ProgressHook = report_progress,
) -> list[StoredArticle]:
    """Store articles, topic matches and contacts; queue alerts for events that are new, on the
    channels their topics route to, unless the operator muted them.

    An article already stored (same ref or same content) changes nothing. Deciding an event is
    new and queuing its alerts happen in the transaction that stores it. Articles are stored
    in batches, one transaction each; within one, as if one by one in order.

    A row the database refuses (a value too long for its column…) must not lose its batch: when
    a batch's transaction fails so, its articles are stored again one by one, each in its own
    transaction, and only the culprit fails: its outcome carries the ``error`` and it is not
    stored, so the next run tries it again. A failure of the database itself is raised.
    """
    outcomes: list[StoredArticle] = []
    stored: list[StoredArticle]
    for start in range(0, len(classifications), STORE_BATCH_SIZE):
        batch = classifications[start : start + STORE_BATCH_SIZE]
        options = (channels, notify_planned, min_level, routing)
        try:
            with transaction(sessions) as session:
                stored = _store_batch(session, batch, *options)
        except Exception as exc:
            if not _refused_row(exc):
                raise
            logger.debug("storing a batch failed; storing its articles one by one", exc_info=True)
            stored = [_store_alone(sessions, item, *options) for item in batch]
        for outcome in stored:
            outcomes.append(outcome)
            on_progress("Storing", len(outcomes), len(classifications))
    return outcomes


def _store_alone(
    sessions: sessionmaker[Session],
    item: Classification,
    channels: Sequence[Channel],
    notify_planned: bool,
    min_level: str,
    routing: Routing,
) -> StoredArticle:
    """Store one article in its own transaction; a row the database refuses is its failure."""
    try:
        with transaction(sessions) as session:
            (outcome,) = _store_batch(session, [item], channels, notify_planned, min_level, routing)
            return outcome
    except Exception as exc:
        if not _refused_row(exc):
            raise
        logger.debug("storing %s failed", item.article.ref, exc_info=True)
        return StoredArticle(item.article.ref, new=False, error=item_error(exc))


def _store_batch(
    session: Session,
    batch: Sequence[Classification],
    channels: Sequence[Channel],
    notify_planned: bool,
    min_level: str,
    routing: Routing,
) -> list[StoredArticle]:
    """Store a batch's articles, topics and contacts in the session's transaction, in order."""
    mutes = repository.active_mutes(session, dt.datetime.now(dt.UTC))
    stored = _store_articles(session, batch)
    # The event of each article stored before; those of this batch's are added as recorded.
    events: dict[int, int | None] = dict(
        repository.events_of_articles(session, [article_id for article_id, new, _ in stored if not new])
    )
    outcomes: list[StoredArticle] = []
    for item, (article_id, new, duplicate_of) in zip(batch, stored, strict=True):
        if new:
            outcome = _record_contact(
                session, item, article_id, duplicate_of, channels, notify_planned, min_level, routing, mutes
            )
            events[article_id] = outcome.event_id
        else:
            outcome = StoredArticle(item.article.ref, new=False, event_id=events.get(article_id))
        outcomes.append(outcome)
    return outcomes


def _store_articles(session: Session, batch: Sequence[Classification]) -> list[tuple[int, bool, int | None]]:
    """Store a batch's articles with their fingerprints and topic matches, a few statements for
    all; for each: its id, whether it is new, and the original it is a near-copy of."""
    simhashes = [text_fingerprint(item.article.text) if item.article.source == "feed" else None for item in batch]
    stored = repository.store_articles(session, [item.article for item in batch], simhashes)
    fingerprinted = [
        (article_id, item.article.published, simhash)
        for item, simhash, (article_id, new) in zip(batch, simhashes, stored, strict=True)
        if new and simhash is not None
    ]
    stored_originals = repository.near_duplicates_of(session, [(day, simhash) for _, day, simhash in fingerprinted])
    found = first_originals(fingerprinted, [[article_id for article_id, _ in near] for near in stored_originals])
    originals = {article_id: original for (article_id, _, _), original in zip(fingerprinted, found, strict=True)}
    repository.mark_near_duplicates(
        session, {copy: original for copy, original in originals.items() if original is not None}
    )
    repository.index_fingerprints(session, [f for f in fingerprinted if originals[f[0]] is None])
    repository.store_topic_matches_of(
        session, [(article_id, item.topics) for item, (article_id, new) in zip(batch, stored, strict=True) if new]
    )
    return [(article_id, new, originals.get(article_id) if new else None) for article_id, new in stored]


def _record_contact(
    session: Session,
    item: Classification,
    article_id: int,
    duplicate_of: int | None,
    channels: Sequence[Channel],
    notify_planned: bool,
    min_level: str,
    routing: Routing,
    mutes: Mutes,
) -> StoredArticle:
    """Resolve a newly stored article's contact, if any, to its event; queue its alerts if due."""
    if item.contact is None:
        return StoredArticle(item.article.ref, new=True, duplicate_of=duplicate_of)
    event_id, outcome = repository.record_contact(
        session, article_id, item.contact, item.article.ref, item.article.published
    )
    if not item.contact.reaches(min_level):
        return StoredArticle(item.article.ref, True, event_id, False, duplicate_of)  # recorded, not alerted
    due = outcome in ("new", "held") or (outcome == "planned" and notify_planned)
    # A muted topic routes nothing; an event whose topics are all muted, or that is muted itself
    # (its follow-ups: a planned meeting reported held), sends nothing.
    muted = due and mutes.silences(item.matched_topics, None if outcome == "new" else event_id)
    if due and not muted:
        recipients = routing.recipients(channels, "contacts", mutes.unmuted(item.matched_topics))
        routed = [(c.fingerprint, c.label) for c in recipients]
        # a contact not alerted before (new, or announced and now held), or a note of a planned one
        repository.queue_alerts(session, event_id, routed, kind="planned" if outcome == "planned" else "contact")
    return StoredArticle(item.article.ref, True, event_id, outcome in ("new", "held"), duplicate_of, muted)


def deliver_alerts(
    sessions: sessionmaker[Session],
    channels: Sequence[Channel],
    settings: Settings,
    echo: Callable[[str], None] = print,
    kinds: Sequence[str] | None = None,
) -> list[Delivery]:
    """Deliver the alerts (of these kinds, or all) that are due on the configured channels,
    recording each outcome. Digests are cut to the topics routed to each channel.

    Alerts are claimed first (a claim is a lease: another worker skips them), then sent one by
    one; each outcome is committed right after its send, so a crash can at worst repeat the one
    message whose send succeeded but was not yet recorded. Failures are retried with exponential
    backoff and jitter, and go to the dead-letter state after ``alerts.max_attempts``.

    A send whose request went out but got no answer in time (``DeliveryUnknown``) is neither
    sent nor failed: its outcome is ``unknown``. Resending at once (at-least-once) delivers it
    twice whenever the notifier was only slow, which is what a late answer usually means; never
    resending (at-most-once) loses it when the notifier really dropped it. The middle way: it is
    resent once, after ``alerts.retry_max_seconds`` (the longest backoff), and if that resend's
    outcome is unknown too it is left alone; ``newswatch alerts retry`` resends it by hand. The
    run report shows it with its status. Channel timeouts (``newswatch.notify``) keep late
    answers rare: apprise waits 30 s for one where its default is 4 s.
    """
    options = settings.core.alerts
    templates = templates_in(template_folders(settings.config_dir))
    routing = routing_for(settings)
    by_fingerprint = {c.fingerprint: c for c in channels}
    lease = dt.timedelta(seconds=options.claim_lease_seconds)
    deliveries: list[Delivery] = []
    while True:
        # One alert at a time: a crash leaves at most one alert claimed (until its lease ends).
        with transaction(sessions) as session:
            attempted = [d.alert_id for d in deliveries]  # once per pass, even if due again at once
            claimed = repository.claim_alerts(
                session, by_fingerprint, dt.datetime.now(dt.UTC), lease, limit=1, exclude=attempted, kinds=kinds
            )
            if not claimed:
                break
            (alert,) = claimed
            if alert.digest_id is not None:
                subject: StoredEvent | Digest = Digest.from_json(repository.digest_content(session, alert.digest_id))
            else:
                assert alert.event_id is not None
                subject = repository.get_event(session, alert.event_id)
        channel = by_fingerprint[alert.channel]
        title = body = ""
        error: str | None = None
        unknown = False
        try:
            title, body = _render(subject, alert.kind, channel, settings, routing, templates)
            if channel.is_console:
                echo(f"{'DIGEST' if alert.kind == 'digest' else 'ALERT'} {title}\n{body}")
            else:
                send(channel, title, body, _web_link(subject) if isinstance(subject, StoredEvent) else None)
        except DeliveryUnknown as exc:  # sent, no answer: not resent blindly (see above)
            error, unknown = str(exc), True
        except (NotificationError, TemplateError) as exc:  # a template fixed later lets the retry through
            error = str(exc)
        retry_at = None
        if unknown and alert.status == "unknown":  # its one resend: unknown again
            error = f"{error}; not resent again (`newswatch alerts retry {alert.id}` resends it)"
        elif unknown:
            retry_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=options.retry_max_seconds)
            error = f"{error}; resent once at {retry_at:%Y-%m-%d %H:%M} UTC"
        elif error is not None:
            delay = dt.timedelta(
                seconds=backoff_seconds(alert.attempts + 1, options.retry_base_seconds, options.retry_max_seconds)
            )
            retry_at = dt.datetime.now(dt.UTC) + delay
        with transaction(sessions) as session:
            status = repository.mark_alert(
                session,
                alert.id,
                delivered=error is None,
                error=error,
                retry_at=retry_at,
                max_attempts=options.max_attempts,
                unknown=unknown,
            )
        deliveries.append(
            Delivery(alert.id, alert.event_id, channel.label, error is None, title, body, error, status, alert.kind)
        )
    return deliveries


def _render(
    subject: StoredEvent | Digest,
    kind: str,
    channel: Channel,
    settings: Settings,
    routing: Routing,
    templates: Templates,
) -> tuple[str, str]:
    """A message's title and body for one channel, in its style."""
    countries, pair = settings.core.countries, settings.core.tracked_pair
    if isinstance(subject, Digest):
        cut = subject.for_channel(lambda topics: routing.receives(channel, "digest", topics))
        return render_digest(cut, countries, pair, settings.core.digest.timezone, channel.style, templates)
    return render_alert(subject, countries, pair, channel.style, templates, planned=kind == "planned")


def _web_link(event: StoredEvent) -> str | None:
    """A source of the event that can be opened in a browser (feed items have URLs)."""
    return next((ref for ref, _, _ in event.articles if ref.startswith(("http://", "https://"))), None)


def load_events(sessions: sessionmaker[Session], event_ids: Iterable[int]) -> list[StoredEvent]:
    """The stored events with these ids, in id order."""
    with transaction(sessions) as session:
        return repository.get_events(session, event_ids)


@dataclass(frozen=True)
class FeedNotice:
    """An operator message about a feed's health, and whether it was delivered everywhere."""

    feed_url: str
    kind: str  # failing | recovered
    title: str
    delivered: bool
    errors: tuple[str, ...] = ()


def record_feed_health(
    sessions: sessionmaker[Session],
    polls: Sequence[FeedPoll],
    new_items: dict[str, int],
    channels: Sequence[Channel],
    failure_alert_after: int,
    echo: Callable[[str], None] = print,
    routing: Routing = EVERYONE,
    templates: Templates | None = None,
) -> list[FeedNotice]:
    """Record each poll's outcome; tell the operator once when a feed has failed
    ``failure_alert_after`` times in a row, and once when it works again (on the channels
    ``feeds`` routes to).

    A feed is stored, and named in notices, by its URL as ``FeedConfig.url`` gives it: masked,
    never with a password. Notices are rendered from the ``notice`` templates in each channel's
    style, their texts neutralised as alerts' are (an error text repeats what a server sent).
    A notice that could not be delivered is tried again on the next run.
    """
    recorded: dict[str, tuple[int, bool]] = {}  # feed URL: consecutive failures, failure alerted
    with transaction(sessions) as session:  # one commit for all polls; rows locked in URL order
        for poll in sorted(polls, key=lambda p: p.feed.url):
            feed = repository.record_feed_poll(
                session,
                poll.feed.url,
                poll.feed.label,
                status=poll.status,
                error=poll.error,
                warning=poll.warning,
                etag=poll.etag,
                last_modified=poll.last_modified,
                entries_seen=len(poll.entries),
                new_items=new_items.get(poll.feed.url, 0),
            )
            recorded[poll.feed.url] = feed.consecutive_failures, feed.failure_alerted
    notices: list[FeedNotice] = []
    for poll in polls:
        failures, alerted = recorded[poll.feed.url]
        if poll.error is not None and failures >= failure_alert_after and not alerted:
            health = FeedHealth("failing", poll.feed.label, poll.feed.url, failures, poll.error, poll.status)
            flag = True
        elif poll.error is None and alerted:
            health = FeedHealth("recovered", poll.feed.label, poll.feed.url, status=poll.status)
            flag = False
        else:
            continue
        title, errors = _send_everywhere(routing.recipients(channels, "feeds"), health, templates, echo)
        if not errors:
            with transaction(sessions) as session:
                repository.set_failure_alerted(session, poll.feed.url, flag)
        notices.append(FeedNotice(poll.feed.url, health.kind, title, not errors, tuple(errors)))
    return notices


def _send_everywhere(
    channels: Sequence[Channel], health: FeedHealth, templates: Templates | None, echo: Callable[[str], None]
) -> tuple[str, list[str]]:
    """Render a notice in each channel's style and deliver it; its (plain) title and the errors."""
    try:
        title = render_notice(health, "text", templates)[0]
    except TemplateError:  # each channel records the error below; the notice is tried again next run
        title = f"newswatch: feed {health.kind}: {neutralise(health.name)}"
    errors = []
    for channel in channels:
        try:
            title, body = render_notice(health, channel.style, templates)
            if channel.is_console:
                echo(f"NOTICE {title}\n{body}")  # its texts from outside are neutralised, as an alert's
            else:
                send(channel, title, body)
        except DeliveryUnknown:
            # Taken but not answered in time: probably delivered. A notice is about a feed's
            # state, and resending it would repeat it on every channel; so it counts as sent.
            logger.info("feed notice %r: no answer in time from %s; counted as sent", title, channel.label)
        except (NotificationError, TemplateError) as exc:  # a template fixed later lets the retry through
            errors.append(str(exc))
    return title, errors


@dataclass(frozen=True)
class DigestPlan:
    """The digest of the current period, and what happened to it."""

    period: str
    since: dt.datetime
    digest: Digest | None  # None: nothing new since the last digest, so none is sent
    existed: bool = False  # the period's digest had been composed before (it is sent once)
    queued: tuple[str, ...] = ()  # channels it was queued for now
    recipients: tuple[str, ...] = ()  # channels it is (or would be) for


def prepare_digest(
    sessions: sessionmaker[Session],
    channels: Sequence[Channel],
    settings: Settings,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> DigestPlan:
    """Compose the current period's digest and queue it for each channel with something new in
    its cut, once per period and channel. With ``dry_run``, only compose what a digest would say
    now, storing and queuing nothing.

    A digest covers what happened since the previous one ended (a first one: one period back)
    and is stored as composed; a channel that joins later in the period receives it too.
    """
    options = settings.core.digest
    now = now or dt.datetime.now(dt.UTC)
    start = period_start(now, options.every_hours, options.daily_at, options.timezone)
    key = period_key(start)
    routing = routing_for(settings)

    def recipients(digest: Digest) -> list[Channel]:
        return [
            c
            for c in channels
            if digest.for_channel(lambda topics, c=c: routing.receives(c, "digest", topics)).has_news
        ]

    with transaction(sessions) as session:
        stored = repository.find_digest(session, key)
        if stored is not None and not dry_run:
            digest = Digest.from_json(stored[1])
        else:
            since = repository.last_digest_until(session) or start - period_length(options.every_hours)
            digest = compose_digest(
                start,
                since,
                now,
                held=repository.events_held_between(session, since, now),
                planned=repository.planned_events(session, now.date(), since),
                volumes=repository.topic_volumes(session, since, now),
                topic_names={t.id: t.name for t in settings.topics},
                failing_feeds=repository.failing_feeds(session),
                mutes=repository.active_mutes(session, now),
                min_level=settings.core.alerts.min_level,
            )
        existed = stored is not None
        wanted = recipients(digest) if digest.has_news else []
        if not wanted:
            return DigestPlan(key, digest.since, None, existed)
        if dry_run:
            return DigestPlan(key, digest.since, digest, existed, recipients=tuple(c.label for c in wanted))
        if stored is None:
            digest_id, content = repository.store_digest(session, key, digest.since, now, digest.as_json())
            if content != digest.as_json():  # another worker stored this period's digest first
                digest = Digest.from_json(content)
                wanted = recipients(digest)
        else:
            digest_id = stored[0]
        queued = [c.label for c in wanted if repository.queue_digest(session, digest_id, [(c.fingerprint, c.label)])]
        return DigestPlan(key, digest.since, digest, existed, tuple(queued), tuple(c.label for c in wanted))
