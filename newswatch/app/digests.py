"""The digest of a period: compose it from what is stored, store it once, and queue it for each
channel with something new in its cut."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from newswatch.digest import Digest, compose_digest, period_key, period_length, period_start
from newswatch.notify import Channel
from newswatch.routing import routing_for
from newswatch.settings import Settings
from newswatch.storage import digests, events, feeds, mutes, outbox
from newswatch.storage.articles import topic_volumes
from newswatch.storage.database import Database


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
    db: Database,
    channels: Sequence[Channel],
    settings: Settings,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    decide_once: bool = False,
) -> DigestPlan:
    """Compose the current period's digest and queue it for each channel with something new in
    its cut, once per period and channel. With ``dry_run``, only compose what a digest would say
    now, storing and queuing nothing.

    A digest covers what happened since the previous one ended (a first one: one period back)
    and is stored as composed; a channel that joins later in the period receives it too.

    With ``decide_once`` (the scheduled flow, which runs on a tick more frequent than the
    periods), the first run in a period decides it: a digest with nothing new is stored too, so
    that a later run in the period sends nothing rather than a digest hours after its time. By
    hand (`newswatch digest`), a period with nothing new stays open.
    """
    options = settings.core.digest
    now = now or dt.datetime.now(dt.UTC)
    start = period_start(now, options.every_hours, options.daily_at, options.timezone)
    key = period_key(start)
    routing = routing_for(settings)

    def recipients(digest: Digest) -> list[Channel]:
        return [c for c in channels if digest.for_channel(partial(routing.receives, c, "digest")).has_news]

    with db.transaction() as session:
        stored = digests.find_digest(session, key)
        if stored is not None and not dry_run:
            digest = Digest.from_json(stored[1])
        else:
            since = digests.last_digest_until(session) or start - period_length(options.every_hours)
            digest = compose_digest(
                start,
                since,
                now,
                held=events.events_held_between(session, since, now),
                planned=events.planned_events(session, now.date(), since),
                volumes=topic_volumes(session, since, now),
                topic_names={t.id: t.name for t in settings.topics},
                failing_feeds=feeds.failing_feeds(session),
                mutes=mutes.active_mutes(session, now),
                min_level=settings.core.alerts.min_level,
            )
        existed = stored is not None
        wanted = recipients(digest) if digest.has_news else []
        if not wanted:
            if decide_once and stored is None and not dry_run:
                digests.store_digest(session, key, digest.since, now, digest.as_json())
            return DigestPlan(key, digest.since, None, existed)
        if dry_run:
            return DigestPlan(key, digest.since, digest, existed, recipients=tuple(c.label for c in wanted))
        if stored is None:
            digest_id, content = digests.store_digest(session, key, digest.since, now, digest.as_json())
            if content != digest.as_json():  # another worker stored this period's digest first
                digest = Digest.from_json(content)
                wanted = recipients(digest)
        else:
            digest_id = stored[0]
        queued = [c.label for c in wanted if outbox.queue_digest(session, digest_id, [(c.fingerprint, c.label)])]
        return DigestPlan(key, digest.since, digest, existed, tuple(queued), tuple(c.label for c in wanted))
