"""How a message is worded (pure): what the templates of an alert, a digest and a feed notice
see, their rendering in a channel's style, and the check of every template at load.

Message text comes from Jinja2 templates (``newswatch.templates``), rendered in each channel's
style: plain text, Slack mrkdwn or HTML email. Every text from outside (articles, feed titles,
error texts) is neutralised here before a template sees it. Delivering the result is
``newswatch.notify``'s.

The template check renders each message with sample data from ``samples.yaml`` beside the
templates (a file of that name in the user's ``templates/`` replaces the shipped one).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import yaml

from newswatch.digest import Digest, DigestEvent
from newswatch.errors import ConfigError
from newswatch.model import MODE_LABELS, Participant, Quote, StoredEvent
from newswatch.templates import Templates, shipped_folder, templates_in
from newswatch.terminal import terminal_safe

MAX_EVIDENCE_CHARS = 400
SAMPLES_FILE = "samples.yaml"


class CountryNames(Protocol):
    """What a message says of a country: its name, and the short one for titles (``settings.Country``)."""

    @property
    def name(self) -> str: ...

    @property
    def short(self) -> str | None: ...


@dataclass(frozen=True)
class FeedHealth:
    """What an operator notice tells about one feed: it keeps failing, or it works again."""

    kind: str  # failing | recovered
    name: str  # the feed's label (its name, else its URL, masked)
    url: str  # masked: no credentials
    failures: int = 0
    error: str | None = None
    status: int | None = None


_MENTIONS = re.compile(r"@(channel|here|everyone|all)\b", re.IGNORECASE)


def neutralise(text: str) -> str:
    """Text from outside (articles, feed titles, error texts) made inert for every channel: no
    markup ("<!channel>", "<a href>", "<@U123>"), no bare mass mentions ("@here"), and no control
    or bidi characters (shown escaped, as on the terminal: a console channel prints this text).
    Angle brackets become look-alike quotes."""
    text = terminal_safe(text).replace("<", "‹").replace(">", "›")
    return _MENTIONS.sub(lambda m: "@\u200b" + m.group(1), text)


def pair_label(countries: Mapping[str, CountryNames], pair: tuple[str, str]) -> str:
    return "–".join(countries[code].short or countries[code].name for code in pair)


def _participants(participants: Iterable[Participant], countries: Mapping[str, CountryNames]) -> list[dict[str, str]]:
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


# What a confidence means, from how the detector scores (``detection.article._confidence``): 0.5
# for a stated contact, up to 1 when the lead states it with names, an exact date and a mode.
CONFIDENCE_MEANINGS = (
    (0.85, "high", "stated in the lead, with names and date"),
    (0.7, "medium", "stated plainly, some details inferred"),
    (0.0, "low", "mentioned in passing: check the source"),
)


def confidence_meaning(confidence: float) -> tuple[str, str]:
    """A confidence's level (high, medium, low) and what it means, in one short phrase."""
    return next((level, phrase) for floor, level, phrase in CONFIDENCE_MEANINGS if confidence >= floor)


def alert_context(
    event: StoredEvent,
    countries: Mapping[str, CountryNames],
    pair: tuple[str, str],
    topic_names: Mapping[str, str] | None = None,
    timezone: str = "UTC",
) -> dict[str, Any]:
    """What alert templates see: plain values, article text neutralised. ``topic_names`` names
    the topics (their ids otherwise); the detection time is shown in ``timezone``."""
    articles = [_source(ref, title, published) for ref, title, published in event.articles]
    first = event.quotes[0] if event.quotes else None
    best = first.text if first else (event.evidence[0] if event.evidence else None)
    names = topic_names or {}
    level, meaning = confidence_meaning(event.confidence)
    return {
        "pair": pair_label(countries, pair),
        "event": {
            "id": event.id,
            "date": event.date.isoformat(),
            "detected": _local(event.first_seen, ZoneInfo(timezone)) if event.first_seen else None,
            "mode": MODE_LABELS[event.mode],
            "status": event.status,
            "level": event.level,
            "location": neutralise(event.location) if event.location else None,
            "historical": event.historical,
            "confidence": event.confidence,
            "confidence_level": level,
            "confidence_meaning": meaning,
            "sources": event.sources,
            "topics": [names.get(topic, topic) for topic in event.topics],
            "topic_ids": list(event.topics),
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
            "mute": {
                "event": f"newswatch mute event {event.id}",
                "topics": [
                    {"command": f"newswatch mute topic {topic}", "name": names.get(topic, topic)}
                    for topic in event.topics
                ],
            },
        },
    }


def _source(ref: str, title: str, published: dt.date) -> dict[str, Any]:
    """An article as templates show it: where it is (its outlet: the web site), its title and date."""
    url = _web_url(ref)
    return {
        "ref": neutralise(ref),
        "title": neutralise(title),
        "published": published.isoformat(),
        "url": url,
        "outlet": _outlet(url) if url else None,
    }


def _outlet(url: str) -> str | None:
    """The site an article is from, as people name it: ``reuters.com`` for ``https://www.reuters.com/…``."""
    host = urllib.parse.urlsplit(url).hostname
    return neutralise(host.removeprefix("www.")) if host else None


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
    digest: Digest, countries: Mapping[str, CountryNames], pair: tuple[str, str], timezone: str
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


def render_alert(
    event: StoredEvent,
    countries: Mapping[str, CountryNames],
    pair: tuple[str, str],
    style: str = "text",
    templates: Templates | None = None,
    planned: bool = False,
    *,
    topic_names: Mapping[str, str] | None = None,
    timezone: str = "UTC",
) -> tuple[str, str]:
    """The alert's title and body, in the channel's style, for a stored event; with ``planned``,
    the low-priority note that a contact has been announced (sent only if the operator asks).
    ``topic_names`` and ``timezone`` as in ``alert_context``."""
    template = "planned" if planned else "alert"
    context = alert_context(event, countries, pair, topic_names, timezone)
    return (templates or _shipped()).render(template, style, context)


def render_digest(
    digest: Digest,
    countries: Mapping[str, CountryNames],
    pair: tuple[str, str],
    timezone: str = "UTC",
    style: str = "text",
    templates: Templates | None = None,
) -> tuple[str, str]:
    """The digest's title and body, in the channel's style."""
    return (templates or _shipped()).render("digest", style, digest_context(digest, countries, pair, timezone))


def render_notice(health: FeedHealth, style: str = "text", templates: Templates | None = None) -> tuple[str, str]:
    """An operator notice's title and body, in the channel's style."""
    return (templates or _shipped()).render("notice", style, notice_context(health))


def _shipped() -> Templates:
    return templates_in((shipped_folder(),))


# --- the template check -------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleCountry:
    """A country of the sample data."""

    name: str
    short: str | None = None


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _sample_event(data: Mapping[str, Any]) -> StoredEvent:
    return StoredEvent(
        **{
            **data,
            "date": _day(data["date"]),
            "participants": tuple(Participant(**p) for p in data["participants"]),
            "topics": tuple(data.get("topics", ())),
            "evidence": tuple(data.get("evidence", ())),
            "articles": tuple((a["ref"], a["title"], _day(a["published"])) for a in data.get("articles", ())),
            "quotes": tuple(Quote(**{**q, "published": _day(q["published"])}) for q in data.get("quotes", ())),
            "first_seen": dt.datetime.fromisoformat(data["first_seen"]) if data.get("first_seen") else None,
        }
    )


def _sample_data(folders: tuple[Path, ...]) -> tuple[Path, dict[str, Any]]:
    """The sample file (the first of ``folders`` that has one, else the shipped) and its data."""
    path = next((f / SAMPLES_FILE for f in folders if (f / SAMPLES_FILE).is_file()), shipped_folder() / SAMPLES_FILE)
    try:
        # Through JSON, dates and times that YAML read as such become ISO strings, as when quoted.
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: sample data: {type(exc).__name__}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: sample data: not a mapping")
    return path, data


_SAMPLE_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError)


def sample_event(folders: tuple[Path, ...]) -> StoredEvent:
    """The sample event of ``samples.yaml`` (see ``sample_contexts``): what ``newswatch notify
    test`` sends.

    Raises:
        ConfigError: the sample file cannot be read or lacks a field, naming the file.
    """
    path, data = _sample_data(folders)
    try:
        return _sample_event(data["event"])
    except _SAMPLE_ERRORS as exc:
        raise ConfigError(f"{path}: sample data: {type(exc).__name__}: {exc}") from None


def sample_contexts(folders: tuple[Path, ...]) -> dict[str, dict[str, Any]]:
    """What each message's templates see when the sample data of ``samples.yaml`` (the first of
    ``folders`` that has one) is rendered.

    Raises:
        ConfigError: the sample file cannot be read or lacks a field, naming the file.
    """
    path, data = _sample_data(folders)
    try:
        countries = {code: SampleCountry(**country) for code, country in data["countries"].items()}
        pair = (data["pair"][0], data["pair"][1])
        timezone = data.get("timezone", "UTC")
        event = alert_context(_sample_event(data["event"]), countries, pair, data.get("topics", {}), timezone)
        return {
            "alert": event,
            "planned": event,
            "digest": digest_context(Digest.from_json(data["digest"]), countries, pair, timezone),
            "notice": notice_context(FeedHealth(**data["notice"])),
        }
    except _SAMPLE_ERRORS as exc:
        raise ConfigError(f"{path}: sample data for the template check: {type(exc).__name__}: {exc}") from None


def check_templates(folders: tuple[Path, ...]) -> None:
    """Render every template with sample data (see ``Templates.check``).

    Raises:
        TemplateError: naming the file at fault.
        ConfigError: the sample data is broken, naming its file.
    """
    templates_in(folders).check(sample_contexts(folders))
