"""The alert outbox: alerts queued per channel (an event's, or a digest's), claimed by a worker
under a lease, marked with each delivery's outcome, and put back in the queue by the operator.

Each function takes a Session and never commits; the caller frames the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from newswatch.storage._sql import chunks, insert_ignore
from newswatch.storage.models import AlertRow, DigestRow, utcnow


class AlertSummary(NamedTuple):
    """An alert as the operator sees it."""

    id: int
    event_id: int | None
    digest: str | None  # the digest's period, for a digest
    kind: str
    channel: str  # the channel's masked label
    status: str
    attempts: int
    last_error: str | None
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None  # a failed alert's retry, after its backoff


def queue_alerts(session: Session, event_id: int, channels: Sequence[tuple[str, str]], kind: str = "contact") -> None:
    """Queue one pending alert of this kind for the event per channel (fingerprint, masked label)."""
    for channel, label in channels:
        _queue(session, {"kind": kind, "event_id": event_id}, channel, label)


def queue_digest(session: Session, digest_id: int, channels: Sequence[tuple[str, str]]) -> int:
    """Queue the digest for each channel (fingerprint, masked label) not queued yet; returns how many."""
    return sum(
        _queue(session, {"kind": "digest", "digest_id": digest_id}, channel, label) for channel, label in channels
    )


def _queue(session: Session, subject: dict[str, Any], channel: str, label: str) -> bool:
    """Queue one pending alert unless the same one is queued; True if it was queued now."""
    values = {**subject, "channel": channel, "channel_label": label, "status": "pending", "attempts": 0}
    return insert_ignore(session, AlertRow.__table__, {**values, "created_at": utcnow()}) is not None


class ClaimedAlert(NamedTuple):
    """An alert a worker now owns until its lease ends: an event's, or a digest's."""

    id: int
    event_id: int | None
    channel: str
    kind: str
    attempts: int  # made before this claim
    digest_id: int | None = None
    status: str = "pending"  # before this claim: pending, failed, or unknown (its one resend)


def claim_alerts(
    session: Session,
    channels: Iterable[str],
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int = 100,
    exclude: Iterable[int] = (),
    kinds: Iterable[str] | None = None,
) -> list[ClaimedAlert]:
    """Claim alerts due for delivery on these channels (of these kinds, if given).

    A claimed alert is not claimed again until ``lease`` has passed, so two workers never send
    the same alert; one that died mid-delivery lets it go when the lease runs out. PostgreSQL
    skips rows another worker has locked (SKIP LOCKED); SQLite's transactions are serialised.
    An alert of unknown outcome is due only if a resend was scheduled (``mark_alert``).
    """
    query = (
        select(AlertRow)
        .where(
            or_(
                AlertRow.status.in_(("pending", "failed")),
                (AlertRow.status == "unknown") & AlertRow.next_attempt_at.is_not(None),
            ),
            AlertRow.channel.in_(list(channels)),
            or_(AlertRow.next_attempt_at.is_(None), AlertRow.next_attempt_at <= now),
            or_(AlertRow.claimed_until.is_(None), AlertRow.claimed_until < now),
            AlertRow.id.not_in(list(exclude)),
        )
        .order_by(AlertRow.id)
        .limit(limit)
    )
    if kinds is not None:
        query = query.where(AlertRow.kind.in_(list(kinds)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.scalars(query).all()
    for row in rows:
        row.claimed_until = now + lease
    return [
        ClaimedAlert(row.id, row.event_id, row.channel, row.kind, row.attempts, row.digest_id, row.status)
        for row in rows
    ]


class AlertOutcome(NamedTuple):
    """One delivery attempt's outcome, to be recorded (``mark_alerts``).

    ``channel_label``: the channel's label as the attempt used it (a named channel's URL may have
    changed since the alert was queued: ``alerts`` then shows the one it went to).
    """

    alert_id: int
    delivered: bool
    error: str | None = None
    retry_at: dt.datetime | None = None
    unknown: bool = False
    channel_label: str | None = None


def mark_alert(
    session: Session,
    alert_id: int,
    delivered: bool,
    error: str | None = None,
    retry_at: dt.datetime | None = None,
    max_attempts: int | None = None,
    unknown: bool = False,
    channel_label: str | None = None,
) -> str:
    """Record one delivery attempt's outcome; returns the alert's new status (see ``mark_alerts``)."""
    outcome = AlertOutcome(alert_id, delivered, error, retry_at, unknown, channel_label)
    return mark_alerts(session, [outcome], max_attempts)[alert_id]


def mark_alerts(session: Session, outcomes: Sequence[AlertOutcome], max_attempts: int | None = None) -> dict[int, str]:
    """Record delivery attempts' outcomes (the alerts read in one query, written in one flush);
    returns each alert's new status by id.

    A failure is retried at ``retry_at``; after ``max_attempts`` it goes to the dead-letter
    state (``dead``), from which ``newswatch alerts retry`` brings it back. An ``unknown``
    outcome (sent, no answer: it may have arrived) is resent at ``retry_at`` if given, else not
    (until ``newswatch alerts retry``). The claim on each alert ends.
    """
    rows = {
        row.id: row
        for chunk in chunks([o.alert_id for o in outcomes])
        for row in session.scalars(select(AlertRow).where(AlertRow.id.in_(chunk)))
    }
    statuses: dict[int, str] = {}
    for outcome in outcomes:
        alert = rows[outcome.alert_id]
        alert.attempts += 1
        alert.claimed_until = None
        if outcome.channel_label is not None:
            alert.channel_label = outcome.channel_label
        if outcome.delivered:
            alert.status, alert.sent_at, alert.last_error, alert.next_attempt_at = "sent", utcnow(), None, None
        elif outcome.unknown:
            alert.status, alert.last_error, alert.next_attempt_at = "unknown", outcome.error, outcome.retry_at
        else:
            dead = max_attempts is not None and alert.attempts >= max_attempts
            status = "dead" if dead else "failed"
            alert.status, alert.last_error, alert.next_attempt_at = status, outcome.error, outcome.retry_at
        statuses[alert.id] = alert.status
    return statuses


def hold_claims(session: Session, alert_ids: Iterable[int], until: dt.datetime) -> None:
    """Renew the claim on alerts this worker holds (their lease not run out yet) until ``until``."""
    for chunk in chunks(list(alert_ids)):
        session.execute(update(AlertRow).where(AlertRow.id.in_(chunk)).values(claimed_until=until))


def requeue_alerts(session: Session, alert_id: int | None = None) -> int:
    """Put failed, dead-letter and unknown-outcome alerts (one, or all) back in the queue, due
    now; returns how many."""
    query = select(AlertRow).where(AlertRow.status.in_(("failed", "dead", "unknown")))
    if alert_id is not None:
        query = query.where(AlertRow.id == alert_id)
    rows = session.scalars(query).all()
    for row in rows:
        row.status, row.next_attempt_at, row.claimed_until = "pending", None, None
        row.attempts = 0
    return len(rows)


def alert_summary(session: Session) -> list[AlertSummary]:
    """Every alert, oldest first."""
    rows = session.execute(
        select(
            AlertRow.id,
            AlertRow.event_id,
            DigestRow.period,
            AlertRow.kind,
            AlertRow.channel_label,
            AlertRow.status,
            AlertRow.attempts,
            AlertRow.last_error,
            AlertRow.created_at,
            AlertRow.sent_at,
            AlertRow.next_attempt_at,
        )
        .outerjoin(DigestRow, AlertRow.digest_id == DigestRow.id)
        .order_by(AlertRow.id)
    ).all()
    return [AlertSummary(*row) for row in rows]
