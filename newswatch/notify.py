"""Alerts: rendering the message (pure) and delivering it through apprise, one URL at a time.

apprise returns one boolean for all the URLs of an Apprise object, so every channel gets its own
object: that tells which URL failed, and gives each its own retry on the next run. URLs carry
secrets (tokens, passwords): only their masked form is ever shown or stored.

Message text comes from Jinja2 templates (``newswatch.templates``), rendered in each channel's
style: plain text, Slack mrkdwn or HTML email. The values handed to templates are neutralised here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import apprise
import requests
import urllib3
from apprise.plugins.email import NotifyEmail

from newswatch.errors import ConfigError, NotificationError
from newswatch.model import MODE_LABELS, Participant, Quote, StoredEvent
from newswatch.settings import Country
from newswatch.templates import Templates, shipped_folder, templates_in
from newswatch.terminal import terminal_safe

if TYPE_CHECKING:
    from newswatch.digest import Digest, DigestEvent

CONSOLE_CHANNEL = "console"
MAX_EVIDENCE_CHARS = 400


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


_MENTIONS = re.compile(r"@(channel|here|everyone|all)\b", re.IGNORECASE)


def neutralise(text: str) -> str:
    """Text from outside (articles, feed titles, error texts) made inert for every channel: no
    markup ("<!channel>", "<a href>", "<@U123>"), no bare mass mentions ("@here"), and no control
    or bidi characters (shown escaped, as on the terminal: a console channel prints this text).
    Angle brackets become look-alike quotes."""
    text = terminal_safe(text).replace("<", "‹").replace(">", "›")
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


def pair_label(countries: Mapping[str, Country], pair: tuple[str, str]) -> str:
    return "–".join(countries[code].short or countries[code].name for code in pair)


def _participants(participants: Iterable[Participant], countries: Mapping[str, Country]) -> list[dict[str, str]]:
    return [
        {
            "name": p.name,
            "office": p.office,
            "country": countries[p.country].name if p.country in countries else p.country,
        }
        for p in participants
    ]


def _shortened(text: str, limit: int = MAX_EVIDENCE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _web_url(ref: str) -> str | None:
    return ref if ref.startswith(("http://", "https://")) else None


def alert_context(event: StoredEvent, countries: Mapping[str, Country], pair: tuple[str, str]) -> dict[str, Any]:
    """What alert templates see: plain values, article text neutralised."""
    articles = [_source(ref, title, published) for ref, title, published in event.articles]
    first = event.quotes[0] if event.quotes else None
    best = first.text if first else (event.evidence[0] if event.evidence else None)
    return {
        "pair": pair_label(countries, pair),
        "event": {
            "id": event.id,
            "date": event.date.isoformat(),
            "mode": MODE_LABELS[event.mode],
            "status": event.status,
            "level": event.level,
            "location": neutralise(event.location) if event.location else None,
            "historical": event.historical,
            "confidence": event.confidence,
            "sources": event.sources,
            "topics": list(event.topics),
            "names": " – ".join(p.name for p in event.participants),
            "participants": _participants(event.participants, countries),
            "evidence": _shortened(neutralise(best)) if best else None,
            "evidence_source": _source(first.ref, first.title, first.published) if first else None,
            "supporting": [
                {"text": _shortened(neutralise(q.text)), **_source(q.ref, q.title, q.published)}
                for q in event.quotes[1:]
            ],
            "articles": articles,
            "link": next((a["url"] for a in articles if a["url"]), None),
        },
    }


def _source(ref: str, title: str, published: dt.date) -> dict[str, Any]:
    """An article as templates show it: where it is, its title and date."""
    return {
        "ref": neutralise(ref),
        "title": neutralise(title),
        "published": published.isoformat(),
        "url": _web_url(ref),
    }


def _local(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _digest_event(event: DigestEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "date": event.date.isoformat(),
        "mode": MODE_LABELS[event.mode],
        "names": " – ".join(name for name, _ in event.participants),
        "participants": [{"name": name, "office": office} for name, office in event.participants],
        "location": neutralise(event.location) if event.location else None,
        "topics": list(event.topics),
        "historical": event.historical,
        "new": event.new,
        "sources": event.sources,
        "title": neutralise(event.title),
        "ref": neutralise(event.ref),
        "url": _web_url(event.ref),
        "evidence": _shortened(neutralise(event.evidence)) if event.evidence else None,
    }


def digest_context(
    digest: Digest, countries: Mapping[str, Country], pair: tuple[str, str], timezone: str
) -> dict[str, Any]:
    """What digest templates see: plain values, article and feed text neutralised."""
    zone = ZoneInfo(timezone)
    return {
        "pair": pair_label(countries, pair),
        "digest": {
            "period": _local(digest.period, zone),
            "since": _local(digest.since, zone),
            "until": _local(digest.until, zone),
            "contacts": [_digest_event(e) for e in digest.contacts],
            "planned": [_digest_event(e) for e in digest.planned],
            "new_planned": sum(1 for e in digest.planned if e.new),
            "topics": [{"id": t.topic, "name": t.name, "articles": t.articles} for t in digest.topics],
            "failing_feeds": [
                {
                    "name": neutralise(f.name),
                    "url": neutralise(f.url),
                    "failures": f.failures,
                    "error": neutralise(f.error or ""),
                }
                for f in digest.failing_feeds
            ],
        },
    }


def render_alert(
    event: StoredEvent,
    countries: Mapping[str, Country],
    pair: tuple[str, str],
    style: str = "text",
    templates: Templates | None = None,
    planned: bool = False,
) -> tuple[str, str]:
    """The alert's title and body, in the channel's style, for a stored event; with ``planned``,
    the low-priority note that a contact has been announced (sent only if the operator asks)."""
    template = "planned" if planned else "alert"
    return (templates or _shipped()).render(template, style, alert_context(event, countries, pair))


def render_digest(
    digest: Digest,
    countries: Mapping[str, Country],
    pair: tuple[str, str],
    timezone: str = "UTC",
    style: str = "text",
    templates: Templates | None = None,
) -> tuple[str, str]:
    """The digest's title and body, in the channel's style."""
    return (templates or _shipped()).render("digest", style, digest_context(digest, countries, pair, timezone))


@dataclass(frozen=True)
class FeedHealth:
    """What an operator notice tells about one feed: it keeps failing, or it works again."""

    kind: str  # failing | recovered
    name: str  # the feed's label (its name, else its URL, masked)
    url: str  # masked: no credentials
    failures: int = 0
    error: str | None = None
    status: int | None = None


def notice_context(health: FeedHealth) -> dict[str, Any]:
    """What notice templates see: every text that came from outside (the error names what a
    server sent: headers, markup) neutralised, as in alerts."""
    return {
        "notice": {
            "kind": health.kind,
            "feed": neutralise(health.name),
            "url": neutralise(health.url),
            "failures": health.failures,
            "error": neutralise(health.error or ""),
            "status": health.status,
        }
    }


def render_notice(health: FeedHealth, style: str = "text", templates: Templates | None = None) -> tuple[str, str]:
    """An operator notice's title and body, in the channel's style."""
    return (templates or _shipped()).render("notice", style, notice_context(health))


def _shipped() -> Templates:
    return templates_in((shipped_folder(),))


def check_templates(folders: tuple[Path, ...]) -> None:
    """Render every template with sample data (see ``Templates.check``).

    Raises:
        TemplateError: naming the file at fault.
    """
    from newswatch.digest import SAMPLE_DIGEST

    countries = {
        "us": Country(name="United States", short="US", names=["US"]),
        "cn": Country(name="China", names=["China"]),
    }
    event = SAMPLE_EVENT
    templates_in(folders).check(
        {
            "alert": alert_context(event, countries, ("us", "cn")),
            "planned": alert_context(event, countries, ("us", "cn")),
            "digest": digest_context(SAMPLE_DIGEST, countries, ("us", "cn"), "UTC"),
            "notice": notice_context(SAMPLE_NOTICE),
        }
    )


SAMPLE_NOTICE = FeedHealth(
    "failing", "Example feed", "https://news.example.com/feed", failures=3, error="HTTP 503", status=503
)

SAMPLE_EVENT = StoredEvent(
    id=1,
    date=dt.date(2024, 4, 16),
    mode="video_call",
    location="Singapore",
    participants=(
        Participant("lloyd-austin", "Lloyd Austin", "us", "Secretary of Defense", "us-secdef"),
        Participant("dong-jun", "Dong Jun", "cn", "Minister of National Defense", "cn-defmin"),
    ),
    topics=("us-china-military",),
    evidence=("Austin and Dong spoke by video on Tuesday.",),
    articles=(
        ("https://news.example.com/a", "Austin and Dong talk", dt.date(2024, 4, 17)),
        ("https://other.example.com/b", "Defence chiefs hold video call", dt.date(2024, 4, 17)),
    ),
    historical=True,
    quotes=(
        Quote(
            "Austin and Dong spoke by video on Tuesday.",
            "https://news.example.com/a",
            "Austin and Dong talk",
            dt.date(2024, 4, 17),
        ),
        Quote(
            "The two defence chiefs held a video call on Tuesday.",
            "https://other.example.com/b",
            "Defence chiefs hold video call",
            dt.date(2024, 4, 17),
        ),
    ),
)


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


@contextmanager
def _noting_unanswered() -> Iterator[list[str]]:
    _watch_answers()
    noted: list[str] = []
    token = _UNANSWERED.set(noted)
    try:
        yield noted
    finally:
        _UNANSWERED.reset(token)


def send(channel: Channel, title: str, body: str, link: str | None = None) -> None:
    """Deliver one message, written in the channel's style, to one channel's URL.

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
