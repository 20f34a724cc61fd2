"""The commands that show what is stored: ``contacts``, ``alerts``, ``articles`` and ``report``
(``feeds`` has its own module). They read through ``newswatch.app`` and never start Prefect."""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from newswatch.cli.core import app
from newswatch.cli.options import JsonOption, global_options
from newswatch.cli.output import Columns, echo, event_line, show_list, when
from newswatch.cli.status import ExitStatus
from newswatch.model import MODE_LABELS, StoredEvent

if TYPE_CHECKING:
    from newswatch.app.browse import AlertSummary, ArticleListing, ListedEvent
    from newswatch.report import PeriodBasis


def _event_json(event: StoredEvent, first_seen: dt.datetime, alerted: bool) -> dict[str, Any]:
    return {
        "id": event.id,
        "date": event.date.isoformat(),
        "mode": event.mode,
        "location": event.location,
        "participants": [{"name": p.name, "country": p.country, "office": p.office} for p in event.participants],
        "articles": [
            {"ref": ref, "title": title, "published": published.isoformat(), "role": role}
            for role, articles in (
                ("announced" if event.status == "planned" else "reported", event.articles),
                ("announced", event.announcements),
            )
            for ref, title, published in articles
        ],
        "date_stated": event.date_stated,
        "field_sources": dict(event.field_sources),
        "first_seen": first_seen.isoformat(),
        "alerted": alerted,
        "status": event.status,
        "level": event.level,
        "historical": event.historical,
        "evidence": list(event.evidence[:5]),
        "quotes": [
            {"text": q.text, "ref": q.ref, "title": q.title, "published": q.published.isoformat()} for q in event.quotes
        ],
        "confidence": event.confidence,
        "sources": event.sources,
        "matched": list(event.rules[:12]),
    }


def _contact_lines(listed: ListedEvent) -> str:
    sources = "".join(f"\n    {published.isoformat()} {ref}" for ref, _, published in listed.event.articles)
    return f"{event_line(listed.event)}{'' if listed.alerted else '  (not alerted yet)'}{sources}"


_CONTACT_COLUMNS: Columns[ListedEvent] = (
    ("#", lambda listed: listed.event.id),
    ("date", lambda listed: listed.event.date.isoformat()),
    (
        "contact",
        lambda listed: MODE_LABELS[listed.event.mode] + (" (planned)" if listed.event.status == "planned" else ""),
    ),
    ("where", lambda listed: listed.event.location or "–"),
    ("participants", lambda listed: "\n".join(f"{p.name} ({p.office})" for p in listed.event.participants)),
    ("found", lambda listed: when(listed.first_seen)),
    ("alerted", lambda listed: "yes" if listed.alerted else "not yet"),
)


@app.command()
def contacts(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the stored contact events, oldest first.

    Example: newswatch contacts --json
    """
    from newswatch.app.browse import list_contacts

    show_list(
        list_contacts(global_options(ctx).open_database()),
        as_json=as_json,
        json_of=lambda listed: _event_json(*listed),
        text_of=_contact_lines,
        columns=_CONTACT_COLUMNS,
        empty="No contacts stored yet. Try: newswatch replay seeds/",
    )


alerts_app = typer.Typer(invoke_without_command=True)
app.add_typer(alerts_app, name="alerts")


def _alert_about(alert: AlertSummary) -> str:
    return f"digest {alert.digest}" if alert.digest else f"event #{alert.event_id}"


def _alert_when(alert: AlertSummary) -> str:
    """When it went; else when it was queued, and when it is retried."""
    if alert.sent_at is not None:
        return f"sent {when(alert.sent_at)}"
    retry = f", next attempt {when(alert.next_attempt_at)}" if alert.next_attempt_at is not None else ""
    return f"queued {when(alert.queued_at)}{retry}"


def _alert_line(alert: AlertSummary) -> str:
    attempts = f"{alert.attempts} attempt{'' if alert.attempts == 1 else 's'}"
    if alert.sent_at is not None and alert.status == "sent":
        outcome = f"{_alert_when(alert)} after {attempts}"
    else:
        error = f" ({alert.last_error})" if alert.last_error else ""
        tried = f" after {attempts}" if alert.attempts else ""
        outcome = f"{alert.status}{tried}{error}, {_alert_when(alert)}"
    return f"alert {alert.id} ({alert.kind}): {_alert_about(alert)} → {alert.channel}: {outcome}"


_ALERT_COLUMNS: Columns[AlertSummary] = (
    ("alert", lambda alert: alert.id),
    ("kind", lambda alert: alert.kind),
    ("about", _alert_about),
    ("channel", lambda alert: alert.channel),
    ("status", lambda alert: alert.status),
    ("attempts", lambda alert: alert.attempts),
    ("when", _alert_when),
    ("last error", lambda alert: alert.last_error or ""),
)


@alerts_app.callback()
def alerts(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List alerts and their delivery status: pending, sent, failed (retried with backoff) or dead
    (gave up after alerts.max_attempts; resend with `newswatch alerts retry`). URLs are masked.

    Example: newswatch alerts --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from newswatch.app.browse import list_alerts

    show_list(
        list_alerts(global_options(ctx).open_database()),
        as_json=as_json,
        text_of=_alert_line,
        columns=_ALERT_COLUMNS,
        empty="No alerts yet.",
        ensure_ascii=True,
    )


def _article_lines(article: ArticleListing) -> str:
    extra = f" (near-copy of {article.duplicate_of})" if article.duplicate_of else ""
    topics = ", ".join(article.topics) or "-"
    return f"{when(article.published)} {article.ref} [{article.text_source}] {topics}{extra}\n    {article.title}"


_ARTICLE_COLUMNS: Columns[ArticleListing] = (
    ("published", lambda article: when(article.published)),
    ("title", lambda article: article.title),
    ("topics", lambda article: ", ".join(article.topics) or "–"),
    ("text", lambda article: article.text_source),
    ("ref", lambda article: article.ref + (f"\n(near-copy of {article.duplicate_of})" if article.duplicate_of else "")),
)


@app.command()
def articles(
    ctx: typer.Context,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 50,
) -> None:
    """List stored articles, newest first: ref, title, date, feed, topics, duplicate_of, text source.

    Example: newswatch articles --limit 20 --json
    """
    from newswatch.app.browse import list_articles

    show_list(
        list_articles(global_options(ctx).open_database(), limit),
        as_json=as_json,
        text_of=_article_lines,
        columns=_ARTICLE_COLUMNS,
    )


class ReportBasis(StrEnum):
    """What ``report --days/--since`` counts from."""

    first_seen = "first-seen"
    contact_date = "contact-date"


@app.command("report")
def report_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", metavar="PATH", help="Where to write the HTML page.")] = Path(
        "report.html"
    ),
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", metavar="DATE", formats=["%Y-%m-%d"], help="Only from this day on (see --by)."),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", metavar="N", min=1, help="Only the last N days (instead of --since).")
    ] = None,
    by: Annotated[
        ReportBasis,
        typer.Option(
            "--by",
            metavar="first-seen|contact-date",
            help="What --days and --since count from: first-seen, the day newswatch first saw a contact (and "
            "stored an article), so that a contact found today that took place last year is in --days 7; or "
            "contact-date, the day the contact took place (and the article was published).",
        ),
    ] = ReportBasis.first_seen,
) -> None:
    """Write an HTML report: a timeline of contacts, the events with their sources and evidence,
    articles per topic per week (per month over more than about six months), and each feed's
    health.

    The page is self-contained (inline CSS and SVG charts, no script, nothing loaded from the
    network), so it opens offline and can be mailed as one file. Set report.path in
    newswatch.yaml to have each monitor cycle (run, serve) rewrite one.

    Example: newswatch report --out report.html --days 90 --by contact-date
    """
    if since is not None and days is not None:
        echo("newswatch: error: give --since or --days, not both", err=True)
        raise typer.Exit(ExitStatus.USAGE)
    options = global_options(ctx)
    if not options.debug:
        # "Matplotlib is building the font cache" and the like: not the user's concern.
        logging.getLogger("matplotlib").setLevel(logging.ERROR)
    from newswatch.app.reporting import write_report
    from newswatch.settings import load_settings

    settings = load_settings(options.config)
    now = dt.datetime.now(dt.UTC)
    first_day = since.date() if since else (now.date() - dt.timedelta(days=days) if days else None)
    basis: PeriodBasis = "contact-date" if by is ReportBasis.contact_date else "first-seen"
    data = write_report(options.open_database(), out, settings, now, first_day, basis)
    echo(f"Report: {out} ({data.summary()})")
