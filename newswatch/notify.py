"""Delivering messages: the channels alerts go to, and sending through apprise, one URL at a time.

apprise returns one boolean for all the URLs of an Apprise object, so every channel gets its own
object: that tells which URL failed, and gives each its own retry on the next run. URLs carry
secrets (tokens, passwords): only their masked form is ever shown or stored.

What a message says, in each channel's style, is ``newswatch.messages``'s.
"""

from __future__ import annotations

import hashlib
import logging
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apprise
import requests
import urllib3
from apprise.plugins.email import NotifyEmail
from apprise.plugins.email import base as email_plugin

from newswatch.errors import ConfigError, NotificationError

CONSOLE_CHANNEL = "console"


@dataclass(frozen=True)
class Channel:
    """Somewhere alerts go: an apprise URL, or the console when none is configured.

    ``tags`` are the channel's name and its apprise config tags (routes select channels by tag);
    ``style`` is the text it takes: ``text``, ``slack`` (mrkdwn) or ``html`` (email).
    """

    fingerprint: str
    label: str
    tags: frozenset[str] = frozenset()
    url: str | None = None
    style: str = "text"

    @property
    def is_console(self) -> bool:
        return self.url is None


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


def _style(plugin: apprise.plugins.NotifyBase) -> str:
    """The text a service takes: HTML for email, mrkdwn for Slack, plain text elsewhere."""
    if plugin.notify_format == apprise.NotifyFormat.HTML:
        return "html"
    if plugin.notify_format == apprise.NotifyFormat.MARKDOWN and plugin.service_name == "Slack":
        return "slack"
    return "text"


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
        tags = frozenset(plugin.tags) | ({name} if name else set())  # routes can name the channel
        channels.setdefault(key, Channel(key, label, tags, url, _style(plugin)))
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
            channels.setdefault(key, Channel(key, _masked(plugin), frozenset(plugin.tags), url, _style(plugin)))
    return list(channels.values())


def fit(body: str, limit: int, link: str | None) -> str:
    """``body`` cut to ``limit`` characters at a line or word boundary, ending with where to read on."""
    if limit <= 0 or len(body) <= limit:
        return body
    tail = f"\n… (truncated; full text: {link})" if link else "\n… (truncated)"
    room = max(limit - len(tail), 0)
    cut = body[:room]
    cut = cut.rsplit("\n", 1)[0] if "\n" in cut[room // 2 :] else cut.rsplit(" ", 1)[0]
    return cut + tail


_BODY_FORMATS = {
    "text": apprise.NotifyFormat.TEXT,
    "slack": apprise.NotifyFormat.MARKDOWN,
    "html": apprise.NotifyFormat.HTML,
}


def _unescape_mrkdwn(body: str) -> str:
    """apprise's Slack plugin escapes ``& < >`` itself (in its default, non-block mode): undo the
    template's escaping so that Slack receives it escaped once. Article text has no ``<`` or
    ``>`` left (``neutralise``), so this cannot make a link or a mention out of it."""
    return body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class Timeouts:
    """How long apprise waits to connect, and then for an answer (seconds)."""

    connect: float
    read: float


# apprise waits 4 s for an answer; webhooks and Slack often take longer to answer a message they
# have taken, and a late answer is a message of unknown outcome (see ``DeliveryUnknown``): wait
# 30 s. Connecting is quick or not at all, and a refused connection is safe to retry.
DEFAULT_TIMEOUTS = Timeouts(connect=10.0, read=30.0)
# apprise's email plugin gives smtplib the connect timeout for every step of the SMTP exchange,
# where a server may scan the message before it answers DATA.
EMAIL_TIMEOUTS = Timeouts(connect=30.0, read=30.0)


class DeliveryUnknown(NotificationError):
    """The notifier took the request but did not answer in time: the message may have been
    delivered. Resending it at once would deliver it twice if it was."""


def channel_timeouts(plugin: apprise.plugins.NotifyBase) -> Timeouts:
    """The timeouts that fit a channel's service."""
    return EMAIL_TIMEOUTS if isinstance(plugin, NotifyEmail) else DEFAULT_TIMEOUTS


def _url_parameters(url: str) -> set[str]:
    """The (lower-cased) query parameter names of a URL, as apprise reads them."""
    return {name.lower() for name, _ in urllib.parse.parse_qsl(url.partition("?")[2])}


def notifier_for(channel: Channel) -> apprise.Apprise:
    """One apprise object for the channel's URL, with the channel's timeouts where its URL sets
    none (``cto``/``rto`` in the URL win), sending in the calling thread."""
    assert channel.url is not None, "console alerts are printed, not sent"
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
    notifier.add(channel.url)
    plugin = notifier[0]
    timeouts, given = channel_timeouts(plugin), _url_parameters(channel.url)
    if "cto" not in given:
        plugin.socket_connect_timeout = timeouts.connect
    if "rto" not in given:
        plugin.socket_read_timeout = timeouts.read
    return notifier


# Requests of the send in progress (in this thread) that were sent and got no answer. apprise
# returns one boolean and logs the rest, so the one HTTP library its plugins use tells us.
_UNANSWERED: ContextVar[list[str] | None] = ContextVar("newswatch_unanswered", default=None)


def _unanswered(error: requests.RequestException) -> bool:
    """Whether a request failed after it was sent: no answer in time, or the connection dropped
    while waiting for it (a refused or timed-out connection never sent anything)."""
    if isinstance(error, requests.exceptions.ReadTimeout):
        return True
    dropped = isinstance(error.args[0] if error.args else None, urllib3.exceptions.ProtocolError)
    return isinstance(error, requests.exceptions.ConnectionError) and dropped


def _watch_answers() -> None:
    """Wrap requests' transport once (idempotent) to note, for the send in progress, a request
    that was sent and not answered; elsewhere the wrapper only passes the call through."""
    adapter = requests.adapters.HTTPAdapter
    if getattr(adapter.send, "newswatch_watch", False):
        return
    original = adapter.send

    def watched(self: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kw: Any) -> Any:
        try:
            return original(self, request, *args, **kw)
        except requests.RequestException as exc:
            noted = _UNANSWERED.get()
            if noted is not None and _unanswered(exc):
                noted.append(type(exc).__name__)
            raise

    watched.newswatch_watch = True  # type: ignore[attr-defined]
    adapter.send = watched  # type: ignore[method-assign]


# The plain-text part of the HTML email being sent (in this thread). apprise 1.x makes that part
# by converting the HTML, which loses the layout, and takes no text of ours: its email plugin
# calls ``convert_between`` for it, so that call, in that module only, is given ours.
_TEXT_PART: ContextVar[str | None] = ContextVar("newswatch_text_part", default=None)


def _own_text_part() -> None:
    """Wrap the email plugin's HTML-to-text conversion once (idempotent): while a send has a
    text part of its own, the conversion returns it; otherwise it converts as before."""
    original = email_plugin.convert_between
    if getattr(original, "newswatch_text_part", False):
        return

    def converted(from_format: str, to_format: str, content: str) -> Any:
        text = _TEXT_PART.get()
        if text is not None and from_format == apprise.NotifyFormat.HTML and to_format == apprise.NotifyFormat.TEXT:
            return text
        return original(from_format, to_format, content)

    converted.newswatch_text_part = True  # type: ignore[attr-defined]
    email_plugin.convert_between = converted


@contextmanager
def _text_part(text: str | None) -> Iterator[None]:
    _own_text_part()
    token = _TEXT_PART.set(text)
    try:
        yield
    finally:
        _TEXT_PART.reset(token)


@contextmanager
def _noting_unanswered() -> Iterator[list[str]]:
    _watch_answers()
    noted: list[str] = []
    token = _UNANSWERED.set(noted)
    try:
        yield noted
    finally:
        _UNANSWERED.reset(token)


def send(channel: Channel, title: str, body: str, link: str | None = None, text: str | None = None) -> None:
    """Deliver one message, written in the channel's style, to one channel's URL. ``text`` is
    the same message in plain text: an HTML email's text/plain part (apprise's own otherwise).

    Raises:
        DeliveryUnknown: the request was sent but not answered in time (it may have arrived).
        NotificationError: apprise reported a failure; the message names the channel (masked)
            and what apprise logged.
    """
    notifier = notifier_for(channel)
    plugin = notifier[0]
    # Each service has its own length limits: cut here, with a link, rather than let it truncate.
    title_limit = int(getattr(plugin, "title_maxlen", 0) or 0)
    if title_limit and len(title) > title_limit:
        title = title[: title_limit - 1] + "…"
    body = fit(body, int(getattr(plugin, "body_maxlen", 0) or 0), link)
    if channel.style == "slack" and not getattr(plugin, "use_blocks", True):
        body = _unescape_mrkdwn(body)
    with (
        _text_part(text if channel.style == "html" else None),
        _noting_unanswered() as unanswered,
        apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured,
    ):
        delivered = notifier.notify(title=title, body=body, body_format=_BODY_FORMATS[channel.style])
    if not delivered and unanswered:
        raise DeliveryUnknown(
            f"{channel.label}: sent, but no answer within {plugin.socket_read_timeout:g} s"
            " (or the connection dropped before it): the message may have been delivered"
        )
    if not delivered:
        logged = " ".join(captured.getvalue().split())
        raise NotificationError(f"{channel.label}: delivery failed{': ' + logged if logged else ''}")
