"""The HTML report: a timeline of contacts, the events table, topic volume per week or month and
feed health.

One self-contained page: inline CSS and inline SVG charts drawn by matplotlib
(``newswatch.report_charts``), no script and no external resource, so it opens offline and can
be mailed or archived as a single file. Long text (sources, evidence, a feed's error) sits in
``<details>`` elements, closed until a reader opens them. Everything here is pure:
``newswatch.app.reporting`` reads the data it renders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from newswatch.model import FeedStatus, StoredEvent
from newswatch.report_charts import MODE_COLOURS, OTHER_MODE_COLOUR, mode_label, timeline_svg, topic_volume_svg

if TYPE_CHECKING:
    from jinja2 import Environment

MAX_EVIDENCE = 5
# A feed's error longer than this is clamped to two lines, whole once its <details> is opened.
LONG_TEXT_CHARS = 120
# Weekly bars up to about six months of articles; beyond, monthly (five years of weeks are hairlines).
WEEKLY_BINS_UP_TO_DAYS = 183
# What a report's period counts from: the day newswatch first saw a contact (and stored an
# article), or the contact's own date (and the article's publication).
PeriodBasis = Literal["first-seen", "contact-date"]
PERIOD_BASES: tuple[PeriodBasis, ...] = ("first-seen", "contact-date")
BinUnit = Literal["week", "month"]


@dataclass(frozen=True)
class ReportEvent:
    """A stored contact event, with when newswatch first saw it and whether its alert went out."""

    event: StoredEvent
    first_seen: dt.datetime
    alerted: bool

    @property
    def pair(self) -> str:
        return " – ".join(p.name for p in self.event.participants)


@dataclass(frozen=True)
class TopicDay:
    """How many stored articles of one day (published, or stored: see ``ReportData.basis``)
    matched one topic."""

    topic_id: str
    day: dt.date
    articles: int


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows (``newswatch.app.reporting`` reads it in one transaction)."""

    generated_at: dt.datetime
    since: dt.date | None
    events: tuple[ReportEvent, ...]
    articles: int
    topic_days: tuple[TopicDay, ...]
    feeds: tuple[FeedStatus, ...]
    topic_names: Mapping[str, str] = field(default_factory=dict)
    basis: PeriodBasis = "first-seen"
    pair: str = ""  # the tracked pair as alert titles name it, e.g. "US–China"

    def summary(self) -> str:
        """What the page contains, e.g. ``2 events, 2 articles, 0 feeds``."""
        return f"{_plural(len(self.events), 'event')}, {_plural(self.articles, 'article')}, {_plural(len(self.feeds), 'feed')}"

    def period(self) -> str:
        """The period covered, in words, for the page's header."""
        if self.since is None:
            return "everything stored"
        if self.basis == "contact-date":
            return f"contacts dated and articles published on or after {self.since.isoformat()}"
        return f"contacts first seen and articles stored on or after {self.since.isoformat()}"


@dataclass(frozen=True)
class TopicBins:
    """Articles per topic per week (from Monday) or per calendar month, empty bins as 0."""

    unit: BinUnit
    starts: list[dt.date]
    series: dict[str, list[int]]  # per topic, most articles first: its count in each bin

    def next_start(self, start: dt.date) -> dt.date:
        """The first day of the bin after the one starting on ``start``."""
        if self.unit == "week":
            return start + dt.timedelta(weeks=1)
        return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- pure helpers --------------------------------------------------------------------------


def safe_link(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL, else None: article refs come from third
    parties, and ``javascript:`` or ``data:`` links must never become clickable."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def bin_start(day: dt.date, unit: BinUnit) -> dt.date:
    """The first day of ``day``'s week (Monday) or month."""
    return week_start(day) if unit == "week" else day.replace(day=1)


def topic_counts(topic_days: Iterable[TopicDay], unit: BinUnit | None = None) -> TopicBins:
    """Articles per topic per bin, every bin from the first to the last.

    Args:
        topic_days: articles per topic and day.
        unit: the bin; by default weeks when the days span at most ``WEEKLY_BINS_UP_TO_DAYS``,
            else months.

    Returns:
        The bins, with the topics that have the most articles first.
    """
    days = list(topic_days)
    if not days:
        return TopicBins(unit or "week", [], {})
    if unit is None:
        span = (max(item.day for item in days) - min(item.day for item in days)).days
        unit = "week" if span <= WEEKLY_BINS_UP_TO_DAYS else "month"
    counts: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for item in days:
        counts[item.topic_id][bin_start(item.day, unit)] += item.articles
    bins = TopicBins(unit, [], {})
    start, last = min(bin_start(item.day, unit) for item in days), max(bin_start(item.day, unit) for item in days)
    while start <= last:
        bins.starts.append(start)
        start = bins.next_start(start)
    order = sorted(counts, key=lambda topic: (-sum(counts[topic].values()), topic))
    bins.series.update({topic: [counts[topic].get(start, 0) for start in bins.starts] for topic in order})
    return bins


# --- the page ------------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(
        loader=PackageLoader("newswatch", "templates"),
        autoescape=True,  # every title, sentence and URL from an article is escaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        link=safe_link,
        mode_label=mode_label,
        moment=_moment,
        host=_host,
        hosts=_hosts,
    )
    return environment


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _hosts(articles: Iterable[tuple[str, str, dt.date]]) -> str:
    """Where the articles come from, each site once: ``news.usni.org, apnews.com``."""
    names = ((_host(link) if (link := safe_link(ref)) else ref) for ref, _, _ in articles)
    return ", ".join(dict.fromkeys(names))


def _moment(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def render_report(data: ReportData) -> str:
    """The report as one self-contained HTML page."""
    from markupsafe import Markup

    bins = topic_counts(data.topic_days)
    timeline = timeline_svg(data.events, data.generated_at.date())
    topics = topic_volume_svg(bins, data.topic_names)
    events = sorted(data.events, key=lambda item: (item.event.date, item.event.id), reverse=True)
    feeds = sorted(data.feeds, key=lambda feed: ({"failing": 0, "warning": 1}.get(feed.state, 2), feed.name, feed.url))
    template = _environment().get_template("report.html.j2")
    return template.render(
        data=data,
        events=events,
        feeds=feeds,
        held=sum(1 for item in data.events if item.event.status == "held"),
        planned=sum(1 for item in data.events if item.event.status == "planned"),
        latest=next((item for item in events if item.event.status == "held"), None),
        failing=sum(1 for feed in data.feeds if feed.state == "failing"),
        timeline=Markup(timeline) if timeline else None,
        topics=Markup(topics) if topics else None,
        topics_matched=len(bins.series),
        bins=bins,
        last_bin_end=bins.next_start(bins.starts[-1]) - dt.timedelta(days=1) if bins.starts else None,
        mode_colours={**MODE_COLOURS, "other": OTHER_MODE_COLOUR},
        max_evidence=MAX_EVIDENCE,
        long_text=LONG_TEXT_CHARS,
    )
