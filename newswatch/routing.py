"""Who receives what: routes from kinds of message (and their topics) to channel tags.

``notifications.routes`` maps ``contacts``, ``digest`` and ``feeds``, optionally narrowed to a
topic (``digest.taiwan``), to channel tags. A channel's tags are its name (``email=mailto://…``)
and the tags of an apprise config file. A kind without a route goes to every channel, as before
routes existed; tags that are topic ids keep their older meaning: such a channel only receives
contact alerts and digest sections about those topics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from newswatch.notify import Channel
from newswatch.settings import Settings


@dataclass(frozen=True)
class Routing:
    """The configured routes, and which tags are topic ids."""

    routes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    topic_ids: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, routes: Mapping[str, Iterable[str]], topic_ids: Iterable[str]) -> Routing:
        return cls({key: frozenset(tags) for key, tags in routes.items()}, frozenset(topic_ids))

    def _wanted(self, kind: str, topic: str | None) -> frozenset[str] | None:
        """The tags a route names for this kind (and topic); None when every channel is wanted."""
        if topic is not None and f"{kind}.{topic}" in self.routes:
            return self.routes[f"{kind}.{topic}"]
        return self.routes.get(kind)

    def receives(self, channel: Channel, kind: str, topics: Sequence[str] = ()) -> bool:
        """Whether ``channel`` gets a message of ``kind`` about ``topics``: it does when any one of
        the topics routes to it (a message about no topic follows the kind's own route)."""
        if channel.is_console:
            return True  # the fallback when no channel is configured: it shows everything
        restricted_to = channel.tags & self.topic_ids if kind != "feeds" else frozenset()
        about: Sequence[str | None] = topics or [None]
        for topic in about:
            if restricted_to and topic not in restricted_to:
                continue
            wanted = self._wanted(kind, topic)
            if wanted is None or channel.tags & wanted:
                return True
        return False

    def recipients(self, channels: Iterable[Channel], kind: str, topics: Sequence[str] = ()) -> list[Channel]:
        return [c for c in channels if self.receives(c, kind, topics)]


EVERYONE = Routing()


def routing_for(settings: Settings) -> Routing:
    """The routes of ``notifications.routes``; the topic ids of topics.yaml."""
    return Routing.from_config(settings.core.notifications.routes, (t.id for t in settings.topics))
