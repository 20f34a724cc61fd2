"""The HTML report: what it shows, read from the database in one transaction (``newswatch.report``
renders it), and the page written to a file, for ``newswatch report`` and, when ``report.path`` is
set, after each monitor cycle."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from newswatch.errors import NewswatchError
from newswatch.report import PeriodBasis, ReportData, ReportEvent, TopicDay, render_report
from newswatch.storage import articles, events, feeds
from newswatch.storage.database import Database

if TYPE_CHECKING:
    from newswatch.settings import Settings


def gather_report(
    db: Database,
    generated_at: dt.datetime,
    since: dt.date | None = None,
    topic_names: Mapping[str, str] | None = None,
    basis: PeriodBasis = "first-seen",
    pair: str = "",
) -> ReportData:
    """Read what the report shows, and every feed's health. Nothing is written.

    Args:
        db: the database.
        generated_at: when the report is made (shown on the page).
        since: the first day covered (UTC); everything when None.
        topic_names: display names of topic ids; an unknown id is shown as is.
        basis: ``first-seen``: the contacts newswatch first saw, and the articles it stored, on
            or after ``since``, articles counted by the day they were stored; ``contact-date``:
            the contacts dated, and the articles published, on or after ``since``, articles
            counted by their publication day.

    Returns:
        The report's data.
    """
    from_time = dt.datetime.combine(since, dt.time(), dt.UTC) if since else None
    with db.transaction() as session:
        listed = events.list_events(session)
        if basis == "first-seen":
            count = articles.count_articles(session, stored_since=from_time)
            topic_days = articles.topic_articles_by_stored_day(session, from_time)
        else:
            count = articles.count_articles(session, since)
            topic_days = articles.topic_articles_by_day(session, since)
        feed_rows = feeds.list_feeds(session)
    if basis == "first-seen":
        listed = [item for item in listed if from_time is None or item.first_seen >= from_time]
    else:
        listed = [item for item in listed if since is None or item.event.date >= since]
    return ReportData(
        generated_at=generated_at,
        since=since,
        events=tuple(ReportEvent(item.event, item.first_seen, item.alerted) for item in listed),
        articles=count,
        topic_days=tuple(TopicDay(row.topic_id, row.day, row.articles) for row in topic_days),
        feeds=tuple(feed_rows),
        topic_names=dict(topic_names or {}),
        basis=basis,
        pair=pair,
    )


def write_report(
    db: Database,
    out: Path,
    settings: Settings,
    generated_at: dt.datetime,
    since: dt.date | None = None,
    basis: PeriodBasis = "first-seen",
) -> ReportData:
    """Gather the report, render it and write it to ``out`` (see ``gather_report``), its topics
    and tracked pair named as ``settings`` name them. The file is replaced whole, so that a
    browser reloading it never reads half a page.

    Returns:
        The report's data.

    Raises:
        NewswatchError: the file cannot be written.
    """
    from newswatch.messages import pair_label

    topic_names = {topic.id: topic.name for topic in settings.topics}
    pair = pair_label(settings.core.countries, settings.core.tracked_pair)
    data = gather_report(db, generated_at, since, topic_names, basis, pair)
    page = render_report(data)
    try:
        _replace_file(out, page)
    except OSError as exc:
        raise NewswatchError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    return data


def _replace_file(out: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``out``, then move it over ``out``."""
    descriptor, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        temporary.chmod(out.stat().st_mode & 0o777 if out.exists() else 0o644)
        temporary.replace(out)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def configured_report_path(settings: Settings, home: Path) -> Path | None:
    """Where the monitor flow keeps the report (``report.path``; a relative path is relative to
    the newswatch home), or None when none is configured."""
    configured = settings.core.report.path
    if configured is None:
        return None
    path = configured.expanduser()
    return path if path.is_absolute() else home / path


def write_configured_report(db: Database, settings: Settings, home: Path, now: dt.datetime) -> Path | None:
    """Rewrite the report at ``report.path`` (its folder made if missing), covering the contacts
    first seen in the last ``report.days`` days.

    Returns:
        The file written, or None when no report is configured.

    Raises:
        NewswatchError: the file cannot be written.
    """
    out = configured_report_path(settings, home)
    if out is None:
        return None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NewswatchError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    since = now.astimezone(dt.UTC).date() - dt.timedelta(days=settings.core.report.days)
    write_report(db, out, settings, now, since)
    return out
