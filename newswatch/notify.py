"""Alerts: rendering the message (pure) and delivering it through apprise, one URL at a time.

apprise returns one boolean for all the URLs of an Apprise object, so every channel gets its own
object: that tells which URL failed, and gives each its own retry on the next run. URLs carry
secrets (tokens, passwords): only their masked form is ever shown or stored.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import apprise

from newswatch.errors import ConfigError, NotificationError
from newswatch.records import MODE_LABELS, StoredEvent
from newswatch.settings import Country

CONSOLE_CHANNEL = "console"
MAX_EVIDENCE_CHARS = 400


@dataclass(frozen=True)
class Channel:
    """Somewhere alerts go: an apprise URL, or the console when none is configured."""

    fingerprint: str
    label: str
    tags: frozenset[str] = frozenset()
    url: str | None = None

    @property
    def is_console(self) -> bool:
        return self.url is None

    def accepts(self, topics: Iterable[str]) -> bool:
        """A channel with tags only receives alerts about those topics; one without, all alerts."""
        return not self.tags or bool(self.tags & set(topics))


CONSOLE = Channel(CONSOLE_CHANNEL, CONSOLE_CHANNEL)


_CHANNEL_NAME = re.compile(r"^(?P<name>[A-Za-z][\w-]{0,40})=(?P<url>[a-z][\w+.-]*://.*)$", re.DOTALL)


def split_named(entry: str) -> tuple[str | None, str]:
    """``team-slack=slack://…`` names a channel; a bare URL has no name."""
    match = _CHANNEL_NAME.match(entry.strip())
    return (match.group("name"), match.group("url")) if match else (None, entry.strip())


def fingerprint(url: str) -> str:
    """A stable identity for a URL that does not reveal it."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def _masked(plugin: apprise.plugins.NotifyBase) -> str:
    return str(plugin.url(privacy=True)).split("?", 1)[0]


def build_channels(urls: Iterable[str], apprise_config: Path | None = None) -> list[Channel]:
    """Channels for the given URLs and those of an apprise config file.

    Raises:
        ConfigError: a URL apprise does not understand (shown masked) or an unreadable config.
    """
    channels: dict[str, Channel] = {}
    for entry in urls:
        name, url = split_named(entry)
        probe = apprise.Apprise()
        if not probe.add(url):
            scheme = url.split("://", 1)[0] if "://" in url else "?"
            raise ConfigError(f"notification URL not understood by apprise: {scheme}://… (check its syntax)")
        plugin = probe[0]
        # A named channel keeps its identity when its URL changes (a rotated token): alerts
        # still pending for it go to the new URL.
        key = f"name:{name}" if name else fingerprint(url)
        label = f"{name} ({_masked(plugin)})" if name else _masked(plugin)
        channels.setdefault(key, Channel(key, label, frozenset(plugin.tags), url))
    if apprise_config is not None:
        config = apprise.AppriseConfig()
        if not config.add(str(apprise_config)):
            raise ConfigError(f"{apprise_config}: not a readable apprise config file")
        loaded = apprise.Apprise()
        loaded.add(config)
        servers = list(loaded)
        if not servers:
            raise ConfigError(f"{apprise_config}: no notification URLs found in this apprise config")
        for plugin in servers:
            url = str(plugin.url())
            key = fingerprint(url)
            channels.setdefault(key, Channel(key, _masked(plugin), frozenset(plugin.tags), url))
    return list(channels.values())


_MENTIONS = re.compile(r"@(channel|here|everyone|all)\b", re.IGNORECASE)


def neutralise(text: str) -> str:
    """Article text made inert for every channel: no markup ("<!channel>", "<a href>", "<@U123>")
    and no bare mass mentions ("@here"). Angle brackets become look-alike quotes."""
    text = text.replace("<", "‹").replace(">", "›")
    return _MENTIONS.sub(lambda m: "@\u200b" + m.group(1), text)


def fit(body: str, limit: int, link: str | None) -> str:
    """``body`` cut to ``limit`` characters at a line or word boundary, ending with where to read on."""
    if limit <= 0 or len(body) <= limit:
        return body
    tail = f"\n… (truncated; full text: {link})" if link else "\n… (truncated)"
    room = max(limit - len(tail), 0)
    cut = body[:room]
    cut = cut.rsplit("\n", 1)[0] if "\n" in cut[room // 2 :] else cut.rsplit(" ", 1)[0]
    return cut + tail


def pair_label(countries: dict[str, Country], pair: tuple[str, str]) -> str:
    return "–".join(countries[code].short or countries[code].name for code in pair)


def render_alert(event: StoredEvent, countries: dict[str, Country], pair: tuple[str, str]) -> tuple[str, str]:
    """The alert's title and plain-text body for a stored event."""
    names = " – ".join(p.name for p in event.participants)
    mode = MODE_LABELS[event.mode]
    title = f"{pair_label(countries, pair)} military contact: {names} ({mode}, {event.date.isoformat()})"
    if event.historical:
        title += " — newly reported"
    lines = [
        *([f"Newly reported: this contact took place on {event.date.isoformat()}."] if event.historical else []),
        "Participants:",
        *(
            f"  - {p.name}, {p.office} ({countries[p.country].name if p.country in countries else p.country})"
            for p in event.participants
        ),
        f"Mode: {mode}",
        f"Date: {event.date.isoformat()}",
        f"Location: {event.location or 'not stated'}",
        f"Topics: {', '.join(event.topics) or 'none'}",
        f"Confidence: {event.confidence:.2f}; independent sources: {event.sources}",
    ]
    if event.evidence:
        best = neutralise(event.evidence[0])
        if len(best) > MAX_EVIDENCE_CHARS:
            best = best[:MAX_EVIDENCE_CHARS].rsplit(" ", 1)[0] + "…"
        lines += ["Evidence:", f"  “{best}”"]
    lines.append("Sources:")
    lines += [
        f"  - {neutralise(ref)} ({published.isoformat()}): {neutralise(title_)}"
        for ref, title_, published in event.articles
    ]
    return title, "\n".join(lines)


def render_planned_note(event: StoredEvent, countries: dict[str, Country], pair: tuple[str, str]) -> tuple[str, str]:
    """A low-priority note that a contact has been announced (sent only if the operator asks)."""
    names = " – ".join(p.name for p in event.participants)
    title = f"Planned {pair_label(countries, pair)} military contact: {names} ({MODE_LABELS[event.mode]}, around {event.date.isoformat()})"
    lines = [f"  - {p.name}, {p.office}" for p in event.participants]
    if event.evidence:
        lines += ["Announced:", f"  “{neutralise(event.evidence[0])[:MAX_EVIDENCE_CHARS]}”"]
    lines += [f"  - {neutralise(ref)} ({published.isoformat()})" for ref, _, published in event.articles]
    return title, "\n".join(["Announced, not yet held:", *lines])


def send(channel: Channel, title: str, body: str, link: str | None = None) -> None:
    """Deliver one message to one channel's URL.

    Raises:
        NotificationError: apprise reported a failure; the message names the channel (masked)
            and what apprise logged.
    """
    assert channel.url is not None, "console alerts are printed, not sent"
    notifier = apprise.Apprise()
    notifier.add(channel.url)
    plugin = notifier[0]
    # Each service has its own length limits: cut here, with a link, rather than let it truncate.
    title_limit = int(getattr(plugin, "title_maxlen", 0) or 0)
    if title_limit and len(title) > title_limit:
        title = title[: title_limit - 1] + "…"
    body = fit(body, int(getattr(plugin, "body_maxlen", 0) or 0), link)
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        delivered = notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if not delivered:
        logged = " ".join(captured.getvalue().split())
        raise NotificationError(f"{channel.label}: delivery failed{': ' + logged if logged else ''}")
