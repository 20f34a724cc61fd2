"""Feed health: record each poll's outcome, and tell the operator once when a feed keeps
failing and once when it works again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newswatch.errors import NotificationError, TemplateError
from newswatch.messages import FeedHealth, neutralise, render_notice
from newswatch.notify import Channel, DeliveryUnknown, send
from newswatch.polling import FeedPoll
from newswatch.routing import EVERYONE, Routing
from newswatch.storage import feeds
from newswatch.storage.database import Database
from newswatch.templates import Templates

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedNotice:
    """An operator message about a feed's health, and whether it was delivered everywhere."""

    feed_url: str
    kind: str  # failing | recovered
    title: str
    delivered: bool
    errors: tuple[str, ...] = ()


def record_feed_health(
    db: Database,
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
    with db.transaction() as session:  # one commit for all polls; rows locked in URL order
        for poll in sorted(polls, key=lambda p: p.feed.url):
            feed = feeds.record_feed_poll(
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
            with db.transaction() as session:
                feeds.set_failure_alerted(session, poll.feed.url, flag)
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
