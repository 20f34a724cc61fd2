"""Delivering the alert outbox: claim what is due, render it for each channel, send it, and
record each outcome (retries with backoff, a dead-letter state, one resend of an unknown one);
and sending a sample alert to every channel (``newswatch notify test``)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from newswatch.backoff import backoff_seconds
from newswatch.digest import Digest
from newswatch.errors import NotificationError, TemplateError
from newswatch.messages import render_alert, render_digest, sample_event
from newswatch.model import StoredEvent
from newswatch.notify import Channel, DeliveryUnknown, send
from newswatch.routing import Routing, routing_for
from newswatch.settings import Settings
from newswatch.storage import digests, events, outbox
from newswatch.storage.database import Database
from newswatch.templates import Templates, template_folders, templates_in


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


# Alerts claimed in one transaction; the lease of those not yet sent is extended whenever
# outcomes are recorded, so a batch never outlives its claim while a send is in flight.
CLAIM_BATCH = 50
# The console's outcomes (printing: nothing a second print could harm) are committed together,
# at the latest this long after the last commit; every other channel's outcome is committed as
# soon as its send ends, so that a crash can repeat no message but the one in flight.
RECORD_WITHIN = dt.timedelta(seconds=0.1)


def deliver_alerts(
    db: Database,
    channels: Sequence[Channel],
    settings: Settings,
    echo: Callable[[str], None] = print,
    kinds: Sequence[str] | None = None,
) -> list[Delivery]:
    """Deliver the alerts (of these kinds, or all) that are due on the configured channels,
    recording each outcome. Digests are cut to the topics routed to each channel.

    Alerts are claimed in batches (a claim is a lease: another worker skips them), then sent one
    by one. Each outcome is committed as its send ends (the console's are gathered for up to
    ``RECORD_WITHIN``), so a crash can at worst repeat the message in flight. An alert claimed
    but not sent when a worker dies is sent once its lease runs out.
    Failures are retried with exponential backoff and jitter, and go to the dead-letter state
    after ``alerts.max_attempts``.

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
        with db.transaction() as session:
            attempted = [d.alert_id for d in deliveries]  # once per pass, even if due again at once
            claimed_at = dt.datetime.now(dt.UTC)
            claimed = outbox.claim_alerts(
                session, by_fingerprint, claimed_at, lease, limit=CLAIM_BATCH, exclude=attempted, kinds=kinds
            )
            if not claimed:
                break
            subjects = _subjects(session, claimed)
        batch: list[Delivery] = []
        with _Outcomes(
            db, [alert.id for alert in claimed], claimed_at + lease, lease, options.max_attempts
        ) as outcomes:
            for alert in claimed:
                if not outcomes.still_held():  # the lease ran out: another worker may own the rest now
                    break
                channel = by_fingerprint[alert.channel]
                delivery, retry_at = _deliver(alert, subjects[alert.id], channel, settings, routing, templates, echo)
                outcomes.record(delivery, retry_at, gather=channel.is_console)
                batch.append(delivery)
        deliveries += [replace(d, status=outcomes.statuses[d.alert_id]) for d in batch]  # "dead" after its last try
    return deliveries


def _subjects(session: Session, claimed: Sequence[outbox.ClaimedAlert]) -> dict[int, StoredEvent | Digest]:
    """What each claimed alert is about, by alert id: its event (all of them read in one go) or digest."""
    stored = {e.id: e for e in events.get_events(session, {a.event_id for a in claimed if a.event_id is not None})}
    subjects: dict[int, StoredEvent | Digest] = {}
    for alert in claimed:
        if alert.digest_id is not None:
            subjects[alert.id] = Digest.from_json(digests.digest_content(session, alert.digest_id))
        else:
            assert alert.event_id is not None
            subjects[alert.id] = stored[alert.event_id]
    return subjects


def _deliver(
    alert: outbox.ClaimedAlert,
    subject: StoredEvent | Digest,
    channel: Channel,
    settings: Settings,
    routing: Routing,
    templates: Templates,
    echo: Callable[[str], None],
) -> tuple[Delivery, dt.datetime | None]:
    """Render and send one claimed alert: its outcome (not yet recorded) and when to try again."""
    options = settings.core.alerts
    title = body = ""
    error: str | None = None
    unknown = False
    try:
        message = _render(subject, alert.kind, channel, settings, routing, templates)
        title, body = message.title, message.body
        _dispatch(channel, message, "DIGEST" if alert.kind == "digest" else "ALERT", echo)
    except DeliveryUnknown as exc:  # sent, no answer: not resent blindly (see deliver_alerts)
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
    status = "sent" if error is None else "unknown" if unknown else "failed"  # or "dead", once recorded
    return Delivery(
        alert.id, alert.event_id, channel.label, error is None, title, body, error, status, alert.kind
    ), retry_at


class _Outcomes:
    """The outcomes of a claimed batch's sends, committed together after the first send that ends
    ``RECORD_WITHIN`` or more after the last commit (the lease on the batch's unsent alerts renewed),
    and those left when the batch ends, however it ends. Should it end early (an unexpected
    error), its unsent alerts stay claimed until their lease runs out, as a crash leaves them."""

    def __init__(
        self, db: Database, claimed: Sequence[int], held_until: dt.datetime, lease: dt.timedelta, max_attempts: int
    ) -> None:
        self._db, self._unsent, self._lease, self._max_attempts = db, list(claimed), lease, max_attempts
        self._held_until = held_until
        self._pending: list[outbox.AlertOutcome] = []
        self._since = time.monotonic()
        self.statuses: dict[int, str] = {}

    def __enter__(self) -> _Outcomes:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._commit(hold=False)

    def still_held(self) -> bool:
        """Whether this worker's claim on the batch's unsent alerts has not run out."""
        return dt.datetime.now(dt.UTC) < self._held_until

    def record(self, delivery: Delivery, retry_at: dt.datetime | None, gather: bool = False) -> None:
        """Keep one send's outcome; commit those kept unless ``gather`` (the console's) and
        ``RECORD_WITHIN`` has not passed since the last commit."""
        self._unsent.remove(delivery.alert_id)
        unknown = delivery.status == "unknown"
        self._pending.append(
            outbox.AlertOutcome(
                delivery.alert_id, delivery.delivered, delivery.error, retry_at, unknown, delivery.channel
            )
        )
        if not gather or time.monotonic() - self._since >= RECORD_WITHIN.total_seconds():
            self._commit(hold=True)

    def _commit(self, hold: bool) -> None:
        """Record the kept outcomes; with ``hold``, renew the lease on the unsent alerts still held."""
        hold = hold and bool(self._unsent) and self.still_held()
        if self._pending or hold:
            with self._db.transaction() as session:
                self.statuses |= outbox.mark_alerts(session, self._pending, self._max_attempts)
                if hold:
                    self._held_until = dt.datetime.now(dt.UTC) + self._lease
                    outbox.hold_claims(session, self._unsent, self._held_until)
        self._pending = []
        self._since = time.monotonic()


@dataclass(frozen=True)
class Rendered:
    """A message as one channel takes it: title, body in its style, and the plain-text part of
    an HTML email (None for other styles)."""

    title: str
    body: str
    text: str | None = None
    link: str | None = None  # where to read on, when the body is cut to the channel's limit


def _render(
    subject: StoredEvent | Digest,
    kind: str,
    channel: Channel,
    settings: Settings,
    routing: Routing,
    templates: Templates,
) -> Rendered:
    """A message for one channel, in its style (an HTML email with its own text part)."""
    countries, pair, timezone = settings.core.countries, settings.core.tracked_pair, settings.core.digest.timezone

    def in_style(style: str) -> tuple[str, str]:
        if isinstance(subject, Digest):
            cut = subject.for_channel(lambda topics: routing.receives(channel, "digest", topics))
            return render_digest(cut, countries, pair, timezone, style, templates)
        topic_names = {topic.id: topic.name for topic in settings.topics}
        planned = kind == "planned"
        return render_alert(
            subject, countries, pair, style, templates, planned, topic_names=topic_names, timezone=timezone
        )

    title, body = in_style(channel.style)
    text = in_style("text")[1] if channel.style == "html" else None
    return Rendered(title, body, text, _web_link(subject) if isinstance(subject, StoredEvent) else None)


def _dispatch(channel: Channel, message: Rendered, heading: str, echo: Callable[[str], None]) -> None:
    """Send a message to its channel, or print it when the channel is the console.

    Raises:
        DeliveryUnknown, NotificationError: as ``notify.send``.
    """
    if channel.is_console:
        echo(f"{heading} {message.title}\n{message.body}")
    else:
        send(channel, message.title, message.body, message.link, message.text)


@dataclass(frozen=True)
class SampleSend:
    """How a test alert to one channel went: ``sent``, ``failed`` or ``unknown`` (sent, no answer)."""

    channel: str  # its label: the URL masked
    status: str
    reason: str | None = None


TEST_TITLE_PREFIX = "[newswatch test] "


def send_test_alerts(
    channels: Sequence[Channel], settings: Settings, echo: Callable[[str], None] = print
) -> list[SampleSend]:
    """Send the sample alert of ``samples.yaml`` (its title marked as a test) to each channel,
    in its style, routes and mutes aside, and tell how each send went. Nothing is stored."""
    folders = template_folders(settings.config_dir)
    templates = templates_in(folders)
    event = sample_event(folders)
    routing = routing_for(settings)
    outcomes: list[SampleSend] = []
    for channel in channels:
        try:
            message = _render(event, "contact", channel, settings, routing, templates)
            _dispatch(channel, replace(message, title=TEST_TITLE_PREFIX + message.title), "ALERT", echo)
            outcomes.append(SampleSend(channel.label, "sent"))
        except DeliveryUnknown as exc:
            outcomes.append(SampleSend(channel.label, "unknown", _without_label(str(exc), channel)))
        except (NotificationError, TemplateError) as exc:
            outcomes.append(SampleSend(channel.label, "failed", _without_label(str(exc), channel)))
    return outcomes


def _without_label(error: str, channel: Channel) -> str:
    """An error without the channel's label it starts with (the caller shows the label)."""
    return error.removeprefix(f"{channel.label}: ")


def _web_link(event: StoredEvent) -> str | None:
    """A source of the event that can be opened in a browser (feed items have URLs)."""
    return next((ref for ref, _, _ in event.articles if ref.startswith(("http://", "https://"))), None)


def load_events(db: Database, event_ids: Iterable[int]) -> list[StoredEvent]:
    """The stored events with these ids, in id order."""
    with db.transaction() as session:
        return events.get_events(session, event_ids)


def requeue_alerts(db: Database, alert_id: int | None = None) -> int:
    """Put failed, dead-letter and unknown-outcome alerts (one, or all) back in the queue, due
    now; returns how many."""
    with db.transaction() as session:
        return outbox.requeue_alerts(session, alert_id)
