"""The ``newswatch`` command line.

Exit codes are ``ExitStatus``: each member says what it means, and ``newswatch --help`` prints
that (the README repeats it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from enum import IntEnum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from newswatch.errors import NewswatchError
from newswatch.model import MODE_LABELS, Classification, Contact, Participant, StoredEvent
from newswatch.terminal import make_log_records_safe, terminal_safe, terminal_safe_json
from newswatch.urls import mask_credentials

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from newswatch.digest import Digest
    from newswatch.evaluate import Evaluation
    from newswatch.flows.tasks import RunReport
    from newswatch.pipeline import Delivery
    from newswatch.prefect_server import PrefectApi


def _echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """The one way the CLI writes text to the terminal: control sequences in it are shown, not
    obeyed, and no URL shows its credentials."""
    typer.echo(terminal_safe(mask_credentials(str(message))), err=err, nl=nl)


def _echo_json(value: Any, *, ensure_ascii: bool = False) -> None:
    """The one way the CLI writes JSON: valid JSON, with no raw control or bidi character in it."""
    typer.echo(terminal_safe_json(json.dumps(value, indent=2, ensure_ascii=ensure_ascii)))


make_log_records_safe()  # what --debug shows of the libraries' logs passes the same checks


class ExitStatus(IntEnum):
    """How a command ended; ``meaning`` is what ``--help`` says of it."""

    SUCCESS = 0, "success"
    ERROR = 1, "error, nothing done (bad configuration, unreachable or unwritable database)"
    USAGE = 2, "usage error (unknown command or option, bad value)"
    PARTIAL = (
        3,
        (
            "partial: the run completed, but some files, feeds, pages or articles failed, or some alerts "
            "or digests were not delivered (each is named; they are retried on the next run)"
        ),
    )
    BELOW_THRESHOLD = 4, "eval below a threshold"

    meaning: str

    def __new__(cls, code: int, meaning: str) -> ExitStatus:
        member = int.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member


EPILOG = "Exit codes: " + "; ".join(f"{status.value} {status.meaning}" for status in ExitStatus) + "."

app = typer.Typer(
    name="newswatch",
    help="Watch the news for high-level US–China military contacts and alert on new ones.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        envvar="NEWSWATCH_DATABASE_URL",
        help="SQLAlchemy database URL [default: ~/.newswatch/newswatch.db].",
        show_envvar=True,
    ),
]
NotifyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--notify", help="apprise URL to alert (repeatable); adds to $NEWSWATCH_NOTIFY and the config.", metavar="URL"
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="DIR",
        envvar="NEWSWATCH_CONFIG_DIR",
        help="Folder of configuration files overriding the shipped ones.",
        show_envvar=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show framework logs and tracebacks.")]
PathsArgument = Annotated[
    list[Path], typer.Argument(help="Seed-format files, or folders of *.txt files.", show_default=False, metavar="PATH")
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

# Prefect defaults that make a normal run print only what a user needs. Each was checked on a
# fresh PREFECT_HOME with the pinned Prefect; a variable the user has set wins.
QUIET_PREFECT = {
    # the temporary server's telemetry job: "Failed to send telemetry" and "database is locked" tracebacks
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # "Starting temporary server…" and every flow/task run INFO line
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # the usage-data notice printed on import in a new PREFECT_HOME
    "DO_NOT_TRACK": "1",
    # a first start on a fresh PREFECT_HOME can take longer than the default 20 s on a small machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


# Prefect's loggers for flow and task runs: a failing run logs "Encountered exception during
# execution" and "Task run failed" with tracebacks at ERROR. newswatch reports the failure itself,
# in one line; the records still reach Prefect's API (its flow-run logs), only not the terminal.
PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


def _not_a_prefect_run_record(record: logging.LogRecord) -> bool:
    return not record.name.startswith(PREFECT_RUN_LOGGERS)


def _configure_output(debug: bool) -> None:
    """Quiet by default; ``--debug`` shows newswatch's, Prefect's and apprise's logs."""
    for name, value in QUIET_PREFECT.items():
        os.environ.setdefault(name, "DEBUG" if debug and name == "PREFECT_LOGGING_LEVEL" else value)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        # On the terminal's handlers, not the loggers: Prefect configures its loggers when it is
        # imported (after this), and its API handler should still store the records.
        for handler in logging.getLogger().handlers:
            if _not_a_prefect_run_record not in handler.filters:
                handler.addFilter(_not_a_prefect_run_record)
        apprise_logger = logging.getLogger("apprise")
        apprise_logger.addHandler(logging.NullHandler())
        apprise_logger.propagate = False  # failures are reported by newswatch, once, naming the URL masked


def _handle_errors(command: F) -> F:
    """Turn newswatch's errors into one clear line and exit code 1 (a traceback with --debug)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        _configure_output(debug)
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors (BadParameter…) keep exit code 2
            raise
        except NewswatchError as exc:
            if debug:
                raise
            _echo(f"newswatch: error: {exc}", err=True)
            raise typer.Exit(ExitStatus.ERROR) from None
        except KeyboardInterrupt:
            _echo("newswatch: interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (`newswatch contacts --json | head`): stop quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(ExitStatus.SUCCESS) from None
        except Exception as exc:
            if debug:
                raise
            refused = _database_refusal(exc, kwargs.get("db"))
            if refused is not None:  # a database that cannot be written: one line naming it
                _echo(f"newswatch: error: {refused}", err=True)
                raise typer.Exit(ExitStatus.ERROR) from None
            _echo(f"newswatch: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
            raise typer.Exit(ExitStatus.ERROR) from None

    return wrapper  # type: ignore[return-value]


def _database_refusal(exc: Exception, db: str | None) -> NewswatchError | None:
    """``exc`` as one line naming the command's database, if it is that database refusing to be
    written (it reaches here as the driver's error, statement and parameters included)."""
    if "sqlalchemy" not in sys.modules:  # (then it cannot be a database error)
        return None
    from newswatch.settings import database_url
    from newswatch.storage.database import write_refusal

    return write_refusal(exc, database_url(db))


def _contact_text(day: dt.date, mode: str, location: str | None, participants: Sequence[Participant]) -> str:
    where = f" in {location}" if location else ""
    names = " – ".join(f"{p.name} ({p.office})" for p in participants)
    return f"{day.isoformat()} {MODE_LABELS[mode]}{where}: {names}"


def _event_line(event: StoredEvent) -> str:
    notes = [note for note, on in (("planned", event.status == "planned"), ("newly reported", event.historical)) if on]
    suffix = f" ({', '.join(notes)})" if notes else ""
    return f"#{event.id} {_contact_text(event.date, event.mode, event.location, event.participants)}{suffix}"


def _stop_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM (service managers, `kill`) stops `serve` as Ctrl-C does."""
    raise KeyboardInterrupt


def _export_secrets(db: str | None, notify: list[str] | None) -> None:
    """Hand --db and --notify to the flow through its environment: Prefect stores flow parameters."""
    if db:
        os.environ["NEWSWATCH_DATABASE_URL"] = db
    if notify:
        os.environ["NEWSWATCH_NOTIFY"] = " ".join([os.environ.get("NEWSWATCH_NOTIFY", ""), *notify]).strip()


def _http_urls(urls: list[str] | None) -> list[str] | None:
    """--feed values: http(s) URLs, as feeds.yaml's ``url`` (a usage error names any other)."""
    for url in urls or []:
        if not re.fullmatch(r"https?://\S+", url):
            raise typer.BadParameter(f"{terminal_safe(url)!r} is not an http:// or https:// URL")
    return urls


def _feed_parameters(feeds: list[str] | None) -> list[str] | None:
    """--feed URLs as the monitor flow's parameter: masked, for Prefect stores parameters; the
    credentials of those that have some reach the flow (in this process) by its environment."""
    if not feeds:
        return None
    from newswatch.settings import ENV_FEED_CREDENTIALS
    from newswatch.urls import masked_url

    credentialed = [url for url in feeds if masked_url(url) != url]
    if credentialed:
        os.environ[ENV_FEED_CREDENTIALS] = " ".join([os.environ.get(ENV_FEED_CREDENTIALS, ""), *credentialed]).strip()
    return [masked_url(url) for url in feeds]


def _start_prefect_api() -> PrefectApi:
    """The configured Prefect API, else a local server that ends with this process (however it
    ends), started now so that it starts while the flow's modules load; its log is in the
    newswatch home."""
    from newswatch.prefect_server import start_prefect_api
    from newswatch.settings import default_home

    return start_prefect_api(default_home() / "prefect-server.log")


def _print_outcome(report: RunReport) -> None:
    """The contacts a run saw and the alerts it sent."""
    new_ids = {e.id for e in report.new_events}
    muted = {s.event_id for s in report.stored if s.muted}
    _echo(f"Contacts in these articles: {len(report.events)} ({len(new_ids)} new)")
    for event in report.events:
        state = "new  " if event.id in new_ids else "known"
        _echo(f"  {state} {_event_line(event)}{'  (muted: not alerted)' if event.id in muted else ''}")
    delivered = [d for d in report.deliveries if d.delivered]
    failed = [d for d in report.deliveries if not d.delivered]
    _echo(f"Alerts: {len(delivered)} sent, {len(failed)} failed (channels: {', '.join(report.channels)})")
    for delivery in delivered:
        _echo(f"  sent   {_delivery_subject(delivery.event_id)} → {delivery.channel}: {delivery.title}")
    for delivery in failed:
        _echo(f"  {delivery.status} {_delivery_subject(delivery.event_id)} → {_undelivered(delivery)}", err=True)


def _undelivered(delivery: Delivery) -> str:
    """Why an alert was not delivered, and what happens to it next, by its stored status."""
    next_step = {
        "failed": "will retry next run",
        "dead": f"gave up; `newswatch alerts retry {delivery.alert_id}` resends it",
    }.get(delivery.status)  # "unknown": the error says whether it is resent once more
    return f"{delivery.error} ({next_step})" if next_step else f"{delivery.error}"


def _delivery_subject(event_id: int | None) -> str:
    return f"#{event_id}" if event_id is not None else "digest"


def _in_database(db: str | None, read: Callable[[Session], T]) -> T:
    """Open the database (migrating it if needed) and read from it in one transaction."""
    from newswatch.settings import database_url
    from newswatch.storage.database import open_database, transaction

    with transaction(open_database(database_url(db))) as session:
        return read(session)


def _event_json(event: StoredEvent, first_seen: Any, alerted: bool) -> dict[str, Any]:
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


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "date": contact.date.isoformat(),
        "mode": contact.mode,
        "location": contact.location,
        "participants": [{"name": p.name, "country": p.country, "office": p.office} for p in contact.participants],
        "evidence": list(contact.evidence),
        "status": contact.status,
        "level": contact.level,
        "historical": contact.historical,
        "confidence": contact.confidence,
        "matched": list(contact.rules),
    }


def _classification_json(item: Classification, min_level: str) -> dict[str, Any]:
    """``contact`` is a contact that took place at the alerted level or above; a meeting announced
    for later is ``planned``; lower-level talks are ``working_level``."""
    contact = item.contact
    reported = item.reported_contact(min_level)
    held = contact is not None and contact.status == "held"
    return {
        "ref": item.article.ref,
        "published": item.article.published.isoformat(),
        "language": item.article.language,
        "topics": [{"id": t.topic_id, "score": t.score} for t in item.topics if t.matched],
        "contact": _contact_json(reported) if reported is not None else None,
        "planned": _contact_json(contact) if contact is not None and not held else None,
        "working_level": _contact_json(contact) if contact is not None and held and reported is None else None,
    }


@app.command()
@_handle_errors
def replay(
    paths: PathsArgument,
    db: DbOption = None,
    notify: NotifyOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Replay seed-format article files through the pipeline: classify, store, alert.

    Runs the Prefect flow "newswatch-replay" (on Prefect's temporary local server when no
    PREFECT_API_URL is set). Articles already stored are skipped; only new contacts alert.

    Example: newswatch replay seeds/
    """
    from newswatch.settings import load_settings

    settings = load_settings(config)  # validate before starting Prefect: a config error costs nothing
    _export_secrets(db, notify)
    prefect_api = _start_prefect_api()
    from newswatch.flows.tasks import configured_channels

    configured_channels(settings)  # a malformed notification URL is an error before the run, too
    from newswatch.flows.replay import replay as replay_flow
    from newswatch.progress import showing_progress

    _echo(f"Replaying {', '.join(str(p) for p in paths)} …")
    prefect_api.wait_ready()
    with showing_progress():
        report = replay_flow([str(p) for p in paths], str(config) if config else None)
    for failure in report.failures:
        _echo(f"skipped {failure.path}: {failure.reason}", err=True)
    already = sum(1 for s in report.stored if not s.new)
    _echo(
        f"Read {report.read} files: {report.new_articles} new articles, {already} already stored, "
        f"{len(report.failures)} unreadable."
    )
    _print_outcome(report)
    if report.failures or any(not d.delivered for d in report.deliveries):
        raise typer.Exit(ExitStatus.PARTIAL)


@app.command()
@_handle_errors
def run(
    feed: Annotated[
        list[str] | None,
        typer.Option(
            "--feed",
            metavar="URL",
            help="Poll this feed instead of config/feeds.yaml (repeatable).",
            callback=_http_urls,
        ),
    ] = None,
    poll_all: Annotated[
        bool, typer.Option("--all", help="Poll every enabled feed now, even those polled less than their interval ago.")
    ] = False,
    db: DbOption = None,
    notify: NotifyOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """One monitoring cycle: poll the feeds, fetch new articles, classify, store, alert.

    Polls the enabled feeds of feeds.yaml that are due by their interval_minutes (or only the
    --feed URLs, or all with --all) with conditional GET, fetches
    each new item's page and extracts the article (the feed's summary when that fails), then
    alerts on new contacts. A failing feed is reported and the others complete.

    Example: newswatch run --feed https://news.usni.org/feed
    """
    from newswatch.settings import load_settings

    settings = load_settings(config)
    _export_secrets(db, notify)
    prefect_api = _start_prefect_api()
    from newswatch.flows.tasks import configured_channels

    configured_channels(settings)
    if not feed and not any(f.enabled for f in settings.feeds):
        raise NewswatchError("no feeds to poll: enable some in feeds.yaml or give --feed URL")
    from newswatch.flows.monitor import monitor
    from newswatch.progress import showing_progress

    prefect_api.wait_ready()
    with showing_progress():
        report = monitor(_feed_parameters(feed), str(config) if config else None, ignore_intervals=poll_all)
    for poll in report.failed:
        _echo(f"feed failed: {poll.feed.label}: {poll.error}", err=True)
    for poll in report.polls:
        if poll.error is None and poll.warning:
            _echo(f"feed warning: {poll.feed.label}: {poll.warning}", err=True)
    _print_page_failures(report.page_failures)
    run = report.run
    for failure in run.failures:
        _echo(f"article skipped: {failure.path}: {failure.reason}", err=True)
    duplicates = sum(1 for s in run.stored if s.duplicate_of is not None)
    _echo(
        f"Feeds: {len(report.polls)} polled, {len(report.not_modified)} not modified, {len(report.failed)} failed. "
        f"New articles: {run.new_articles} ({duplicates} near-duplicates)."
    )
    _print_outcome(run)
    for notice in report.notices:
        _echo(f"  operator notice {'sent' if notice.delivered else 'NOT sent'}: {notice.title}")
    if report.failed or run.failures or any(not d.delivered for d in run.deliveries):
        raise typer.Exit(ExitStatus.PARTIAL)


PAGE_FAILURES_SHOWN = 10


def _print_page_failures(failures: dict[str, str]) -> None:
    """One line per page that could not be had, up to a few; then how many more, by reason (a
    feed of dead links must not flood the terminal)."""
    for ref, reason in list(failures.items())[:PAGE_FAILURES_SHOWN]:
        _echo(f"page not fetched, summary used: {ref}: {reason}", err=True)
    rest = list(failures.values())[PAGE_FAILURES_SHOWN:]
    if rest:
        reasons = Counter(rest).most_common(3)
        listed = "; ".join(f"{count:,} × {reason}" for reason, count in reasons)
        others = len(rest) - sum(count for _, count in reasons)
        _echo(
            f"page not fetched, summary used: {len(rest):,} more ({listed}{f'; {others:,} other' if others else ''}); "
            "`newswatch articles` shows each article's text source",
            err=True,
        )


@app.command()
@_handle_errors
def serve(
    db: DbOption = None,
    notify: NotifyOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Run the flows on their schedules until stopped: monitor every schedule.monitor_every_minutes,
    deliver pending alerts every schedule.deliver_every_minutes, and send the digest on its
    schedule when digest.enabled is true.

    Uses the Prefect server at PREFECT_API_URL; without one, starts a local Prefect server
    (SQLite, in PREFECT_HOME) and stops it on exit. Stops cleanly on Ctrl-C or SIGTERM.

    Example: newswatch serve
    """
    import signal

    from newswatch.serve import describe_digest_schedule, prefect_api, serve_flows
    from newswatch.settings import default_home, load_settings

    settings = load_settings(config)
    _export_secrets(db, notify)
    from newswatch.flows.tasks import configured_channels

    configured_channels(settings)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    schedule = settings.core.schedule
    digest = settings.core.digest
    with prefect_api(default_home() / "prefect-server.log") as api_url:
        _echo(
            f"Serving on {api_url}: monitor every {schedule.monitor_every_minutes:g} min, "
            f"deliver alerts every {schedule.deliver_every_minutes:g} min"
            f"{', digest ' + describe_digest_schedule(digest) if digest.enabled else ''}. Ctrl-C stops."
        )
        if not debug:
            # Prefect's runner stops on SIGTERM by raising SystemExit inside its event loop, which
            # logs cancelled-task tracebacks and an un-awaited coroutine: noise, not errors.
            logging.getLogger("asyncio").setLevel(logging.CRITICAL)
            warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"prefect\.runner")
        try:
            serve_flows(
                schedule.monitor_every_minutes,
                schedule.deliver_every_minutes,
                str(config) if config else None,
                digest,
            )
        except (KeyboardInterrupt, SystemExit):
            # Nothing in flight is lost: a run cut short leaves work the next run finishes.
            _echo("Stopped.")


@app.command()
@_handle_errors
def feeds(as_json: JsonOption = False, db: DbOption = None, debug: DebugOption = False) -> None:
    """Show each polled feed's health: last poll and success, status, items, failures, last error.

    Example: newswatch feeds --json
    """
    from newswatch.storage import repository

    rows = _in_database(db, repository.list_feeds)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        _echo("No feed polled yet. Try: newswatch run")
    for row in rows:
        state = f"failing ×{row['consecutive_failures']}: {row['last_error']}" if row["consecutive_failures"] else "ok"
        _echo(
            f"{row['name']}: {state}; last poll {row['last_poll']}, HTTP {row['status']}, "
            f"{row['entries_seen']} entries, {row['new_items']} new"
        )


@app.command()
@_handle_errors
def articles(
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 50,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """List stored articles, newest first: ref, title, date, feed, topics, duplicate_of, text source.

    Example: newswatch articles --limit 20 --json
    """
    from newswatch.storage import repository

    rows = _in_database(db, lambda session: repository.list_articles(session, limit))
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        extra = f" (near-copy of {row['duplicate_of']})" if row["duplicate_of"] else ""
        _echo(f"{row['published']} {row['ref']} [{row['text_source']}] {', '.join(row['topics']) or '-'}{extra}")
        _echo(f"    {row['title']}")


@app.command("report")
@_handle_errors
def report_command(
    out: Annotated[Path, typer.Option("--out", metavar="PATH", help="Where to write the HTML page.")] = Path(
        "report.html"
    ),
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            "--since", metavar="DATE", formats=["%Y-%m-%d"], help="Only contacts and articles from this day on."
        ),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", metavar="N", min=1, help="Only the last N days (instead of --since).")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Write an HTML report: a timeline of contacts, the events with their sources and evidence,
    articles per topic per week, and each feed's health.

    The page is self-contained (inline CSS and SVG charts, no script, nothing loaded from the
    network), so it opens offline and can be mailed as one file.

    Example: newswatch report --out report.html --days 90
    """
    if since is not None and days is not None:
        _echo("newswatch: error: give --since or --days, not both", err=True)
        raise typer.Exit(ExitStatus.USAGE)
    if not debug:
        # "Matplotlib is building the font cache" and the like: not the user's concern.
        logging.getLogger("matplotlib").setLevel(logging.ERROR)
    from newswatch.report import gather_report, render_report
    from newswatch.settings import load_settings

    settings = load_settings(config)
    now = dt.datetime.now(dt.UTC)
    first_day = since.date() if since else (now.date() - dt.timedelta(days=days) if days else None)
    topic_names = {topic.id: topic.name for topic in settings.topics}
    data = _in_database(db, lambda session: gather_report(session, now, first_day, topic_names))
    page = render_report(data)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise NewswatchError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    _echo(f"Report: {out} ({data.summary()})")


@app.command()
@_handle_errors
def classify(
    paths: PathsArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Classify seed-format files without storing anything: topics and the contact, if any.

    Example: newswatch classify seeds/ --json
    """
    from newswatch.classify import Classifier, classify_each
    from newswatch.seeds import read_seed_files
    from newswatch.settings import load_settings

    settings = load_settings(config)
    classifier = Classifier(settings)
    articles, failures = read_seed_files(paths)
    results, unclassified = classify_each(classifier.classify, articles)  # a failing article is its failure
    for failure in [*failures, *unclassified]:
        _echo(f"skipped {failure.path}: {failure.reason}", err=True)
    if as_json:
        _echo_json([_classification_json(r, settings.core.alerts.min_level) for r in results])
    else:
        for result in results:
            topics = ", ".join(f"{t.topic_id} {t.score:g}" for t in result.topics if t.matched) or "no topic"
            _echo(f"{result.article.ref} ({result.article.published.isoformat()}): {topics}")
            if result.contact:
                c = result.contact
                _echo(
                    f"  {c.status if c.status == 'planned' else 'contact'} {_contact_text(c.date, c.mode, c.location, c.participants)}"
                )
    if failures or unclassified:
        raise typer.Exit(ExitStatus.PARTIAL)


@app.command("eval")
@_handle_errors
def eval_command(
    paths: PathsArgument,
    labels: Annotated[Path, typer.Option("--labels", metavar="FILE", help="labels.json of the corpus.")],
    as_json: JsonOption = False,
    min_f1: Annotated[float, typer.Option("--min-f1", help="Fail below this contact F1.")] = 0.0,
    min_precision: Annotated[float, typer.Option("--min-precision", help="Fail below this contact precision.")] = 0.0,
    min_recall: Annotated[float, typer.Option("--min-recall", help="Fail below this contact recall.")] = 0.0,
    max_split: Annotated[int, typer.Option("--max-split", help="Fail above this many split events.")] = 1_000_000,
    max_merged: Annotated[int, typer.Option("--max-merged", help="Fail above this many merged events.")] = 1_000_000,
    min_date_accuracy: Annotated[
        float, typer.Option("--min-date-accuracy", help="Fail below this share of dates within a day.")
    ] = 0.0,
    min_participant_accuracy: Annotated[
        float, typer.Option("--min-participant-accuracy", help="Fail below this share of exact participants.")
    ] = 0.0,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Measure contact detection on a labelled corpus, replayed into a throwaway database.

    Prints contact precision, recall and F1 (overall and per language), events found against
    expected, split and merged events, date and participant accuracy, topic precision and recall,
    and one line per error naming the file. Exits 4 when a figure is below its threshold.

    Example: newswatch eval ../shared/corpus/dev --labels ../shared/corpus/dev/labels.json --min-f1 0.97 --max-split 0 --max-merged 0
    """
    import tempfile

    from newswatch.classify import Classifier
    from newswatch.evaluate import evaluate, load_labels
    from newswatch.pipeline import store_classifications
    from newswatch.progress import showing_progress, tracked
    from newswatch.seeds import read_seed_files
    from newswatch.settings import load_settings
    from newswatch.storage.database import open_database

    settings = load_settings(config)
    expected = load_labels(labels)
    articles, failures = read_seed_files(paths)
    for failure in failures:
        _echo(f"skipped {failure.path}: {failure.reason}", err=True)
    # Replayed as they were published: an announcement before the report that it took place.
    articles = sorted((a for a in articles if a.ref in expected), key=lambda a: (a.published, a.ref))
    classifier = Classifier(settings)
    with showing_progress(), tempfile.TemporaryDirectory(prefix="newswatch-eval-") as folder:
        classifications = [classifier.classify(article) for article in tracked(articles, "Classifying")]
        stored = store_classifications(
            open_database(f"sqlite:///{folder}/eval.db"), classifications, [], min_level=settings.core.alerts.min_level
        )
    result = evaluate(
        classifications,
        expected,
        {s.ref: s.event_id for s in stored},
        settings.core.alerts.min_level,
        alerts=[(s.event_id, s.ref) for s in stored if s.new_event and s.event_id is not None],
    )
    checks = [
        ("contact F1", result.contacts.f1, min_f1, False),
        ("contact precision", result.contacts.precision, min_precision, False),
        ("contact recall", result.contacts.recall, min_recall, False),
        ("split events", len(result.split_events), max_split, True),
        ("merged events", len(result.merged_events), max_merged, True),
        ("date accuracy", result.date_accuracy, min_date_accuracy, False),
        ("participant accuracy", result.participant_accuracy, min_participant_accuracy, False),
    ]
    failed = [
        f"{name} {value:g} {'>' if at_most else '<'} {limit:g}"
        for name, value, limit, at_most in checks
        if (value > limit if at_most else value < limit)
    ]
    if as_json:
        _echo_json({**result.as_dict(), "below_thresholds": failed})
    else:
        _print_evaluation(result)
        for line in failed:
            _echo(f"BELOW THRESHOLD: {line}")
    if failed:
        raise typer.Exit(ExitStatus.BELOW_THRESHOLD)


def _print_evaluation(result: Evaluation) -> None:
    c = result.contacts
    _echo(f"Articles: {result.articles}")
    _echo(
        f"Contacts: precision {c.precision:.3f}, recall {c.recall:.3f}, F1 {c.f1:.3f} "
        f"(tp {c.true_positive}, fp {c.false_positive}, fn {c.false_negative})"
    )
    for language, score in sorted(result.by_language.items()):
        _echo(f"  {language}: precision {score.precision:.3f}, recall {score.recall:.3f}, F1 {score.f1:.3f}")
    _echo(
        f"Events: {result.events_found} found, {result.events_expected} expected; "
        f"{len(result.split_events)} split, {len(result.merged_events)} merged"
    )
    _echo(
        f"Dates within a day: {result.dates_within_a_day}/{result.matched_contacts} (exact {result.dates_exact}); "
        f"participants exact: {result.participants_exact}/{result.matched_contacts}; "
        f"modes exact: {result.modes_exact}/{result.matched_contacts}"
    )
    _echo(
        f"Alerts: {result.alerts} for {result.events_expected} contacts: {result.alerts_right} right, "
        f"{len(result.alerts_duplicate)} duplicates, {len(result.alerts_false)} for no contact"
    )
    _echo("Topics:")
    for topic, score in sorted(result.topics.items()):
        _echo(f"  {topic}: precision {score.precision:.3f}, recall {score.recall:.3f}")
    if result.missing:
        _echo(f"Missing ({len(result.missing)} labelled files not given): {', '.join(result.missing[:10])}")
    if result.errors:
        _echo(f"Errors ({len(result.errors)}):")
        for error in result.errors:
            _echo(f"  {error}")


@app.command()
@_handle_errors
def contacts(as_json: JsonOption = False, db: DbOption = None, debug: DebugOption = False) -> None:
    """List the stored contact events, oldest first.

    Example: newswatch contacts --json
    """
    from newswatch.storage import repository

    events = _in_database(db, repository.list_events)
    if as_json:
        _echo_json([_event_json(e, seen, alerted) for e, seen, alerted in events])
        return
    if not events:
        _echo("No contacts stored yet. Try: newswatch replay seeds/")
    for event, _, alerted in events:
        _echo(f"{_event_line(event)}{'' if alerted else '  (not alerted yet)'}")
        for ref, _, published in event.articles:
            _echo(f"    {published.isoformat()} {ref}")


alerts_app = typer.Typer(invoke_without_command=True)
app.add_typer(alerts_app, name="alerts")


@alerts_app.callback()
@_handle_errors
def alerts(
    context: typer.Context, as_json: JsonOption = False, db: DbOption = None, debug: DebugOption = False
) -> None:
    """List alerts and their delivery status: pending, sent, failed (retried with backoff) or dead
    (gave up after alerts.max_attempts; resend with `newswatch alerts retry`). URLs are masked.

    Example: newswatch alerts --json
    """
    if context.invoked_subcommand is not None:
        return
    from newswatch.storage import repository

    rows = _in_database(db, repository.alert_summary)
    if as_json:
        _echo_json(rows, ensure_ascii=True)
        return
    if not rows:
        _echo("No alerts yet.")
    for row in rows:
        about = f"digest {row['digest']}" if row["digest"] else f"event #{row['event_id']}"
        error = f" ({row['last_error']})" if row["last_error"] else ""
        _echo(
            f"alert {row['id']} ({row['kind']}): {about} → {row['channel']}: {row['status']} "
            f"after {row['attempts']} attempt(s){error}"
        )


@alerts_app.command("retry")
@_handle_errors
def alerts_retry(
    alert_id: Annotated[
        int | None, typer.Argument(metavar="[ID]", help="The alert to resend.", show_default=False)
    ] = None,
    retry_all: Annotated[bool, typer.Option("--all", help="Resend every failed and dead-letter alert.")] = False,
    db: DbOption = None,
    notify: NotifyOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Put failed or dead-letter alerts back in the queue and deliver them now.

    Example: newswatch alerts retry --all
    """
    if (alert_id is None) == (not retry_all):
        raise typer.BadParameter("give an alert ID or --all")
    from newswatch.flows.tasks import configured_channels
    from newswatch.pipeline import deliver_alerts
    from newswatch.settings import database_url, load_settings
    from newswatch.storage import repository
    from newswatch.storage.database import open_database, transaction

    settings = load_settings(config)
    _export_secrets(db, notify)
    channels = configured_channels(settings)
    sessions = open_database(database_url(db))
    with transaction(sessions) as session:
        count = repository.requeue_alerts(session, alert_id)
    _echo(f"Requeued {count} alert(s).")
    deliveries = deliver_alerts(sessions, channels, settings)
    for delivery in deliveries:
        outcome = "sent" if delivery.delivered else f"{delivery.status}: {delivery.error}"
        _echo(f"  alert {delivery.alert_id} → {delivery.channel}: {outcome}")
    if any(not d.delivered for d in deliveries):
        raise typer.Exit(ExitStatus.PARTIAL)


@app.command("digest")
@_handle_errors
def digest_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the digest and where it would go; store and send nothing.")
    ] = False,
    db: DbOption = None,
    notify: NotifyOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Send the digest: new contacts, planned meetings and articles per topic since the last digest,
    and failing feeds. Skipped when nothing is new; sent once per period (digest.every_hours, or
    daily at digest.daily_at) to each channel; a failed send is retried by the next run.

    Works whether or not digest.enabled is set; that setting schedules it in `newswatch serve`.

    Example: newswatch digest --dry-run
    """
    from newswatch.flows.tasks import configured_channels
    from newswatch.notify import render_digest
    from newswatch.pipeline import deliver_alerts, prepare_digest
    from newswatch.settings import database_url, load_settings
    from newswatch.storage.database import open_database
    from newswatch.templates import template_folders, templates_in

    settings = load_settings(config)
    _export_secrets(db, notify)
    channels = configured_channels(settings)
    sessions = open_database(database_url(db))
    plan = prepare_digest(sessions, channels, settings, dry_run=dry_run)
    since = plan.since.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if dry_run:
        if plan.digest is None:
            _echo(f"Nothing new since {since}: no digest would be sent.")
            return
        if plan.existed:
            _echo(f"(The digest of period {plan.period} was sent already; the next one would say this.)")
        title, body = render_digest(
            plan.digest,
            settings.core.countries,
            settings.core.tracked_pair,
            settings.core.digest.timezone,
            templates=templates_in(template_folders(settings.config_dir)),
        )
        _echo(f"{title}\n{body}")
        _echo(f"Would go to: {', '.join(plan.recipients)} (dry run: nothing stored or sent)")
        return
    if plan.digest is None:
        _echo(f"Digest {plan.period}: nothing new since {since}; not sent.")
    elif plan.existed and not plan.queued:
        _echo(f"Digest {plan.period}: composed before; it is sent once per channel (failed sends are retried).")
    else:
        _echo(f"Digest {plan.period}: {_digest_counts(plan.digest)}; for {', '.join(plan.queued)}")
    deliveries = deliver_alerts(sessions, channels, settings, echo=_echo, kinds=["digest"])
    for delivery in deliveries:
        if delivery.delivered:
            _echo(f"  sent   → {delivery.channel}: {delivery.title}")
        else:
            _echo(f"  {delivery.status} → {_undelivered(delivery)}", err=True)
    failed = sum(1 for d in deliveries if not d.delivered)
    _echo(f"Digests: {len(deliveries) - failed} sent, {failed} failed")
    if failed:
        raise typer.Exit(ExitStatus.PARTIAL)


def _digest_counts(digest: Digest) -> str:
    planned_new = sum(1 for e in digest.planned if e.new)
    volumes = ", ".join(f"{t.topic} {t.articles}" for t in digest.topics) or "none"
    failing = len(digest.failing_feeds)
    return (
        f"{len(digest.contacts)} new contacts, {len(digest.planned)} planned meetings ({planned_new} new), "
        f"articles per topic: {volumes}; {failing} failing feed{'' if failing == 1 else 's'}"
    )


mute_app = typer.Typer(
    help="Mute a topic or an event: it is still monitored, classified and stored, but nothing is sent about it.",
    no_args_is_help=True,
)
app.add_typer(mute_app, name="mute")
unmute_app = typer.Typer(help="Send alerts about a muted topic or event again.", no_args_is_help=True)
app.add_typer(unmute_app, name="unmute")
UntilOption = Annotated[
    str | None,
    typer.Option("--until", metavar="DATE", help="Unmute by itself then: YYYY-MM-DD (00:00 UTC) or an ISO date-time."),
]


def _mute_end(until: str | None) -> dt.datetime | None:
    if until is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(until)
    except ValueError:
        raise typer.BadParameter(f"{until!r}: give YYYY-MM-DD or an ISO date-time", param_hint="--until") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if moment <= dt.datetime.now(dt.UTC):
        raise typer.BadParameter(f"{until} is past", param_hint="--until")
    return moment.astimezone(dt.UTC)


def _until_text(end: dt.datetime | None) -> str:
    return f"until {end.strftime('%Y-%m-%d %H:%M UTC')}" if end else "until unmuted"


@mute_app.command("topic")
@_handle_errors
def mute_topic(
    topic: Annotated[str, typer.Argument(metavar="TOPIC", help="A topic id of topics.yaml.", show_default=False)],
    until: UntilOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Mute a topic: its articles and events are still stored and classified, but no alert and no
    digest section is sent for them. An event about this topic and an unmuted one still alerts.

    Example: newswatch mute topic taiwan --until 2026-12-01
    """
    from newswatch.settings import load_settings
    from newswatch.storage import repository

    known = [t.id for t in load_settings(config).topics]
    if topic not in known:
        raise NewswatchError(f"no topic {topic!r} in topics.yaml (topics: {', '.join(known)})")
    end = _mute_end(until)
    _in_database(db, lambda session: repository.set_mute(session, "topic", topic, end))
    _echo(f"Muted topic {topic} {_until_text(end)}: it is still monitored; nothing is sent about it.")


@mute_app.command("event")
@_handle_errors
def mute_event(
    event_id: Annotated[
        int, typer.Argument(metavar="ID", help="An event id (newswatch contacts).", show_default=False)
    ],
    until: UntilOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Mute an event's follow-ups: later reports joining it (a planned meeting reported held,
    refinements) send nothing, and digests leave it out.

    Example: newswatch mute event 12
    """
    from newswatch.storage import repository

    end = _mute_end(until)

    def mute(session: Session) -> bool:
        if not repository.event_exists(session, event_id):
            return False
        repository.set_mute(session, "event", str(event_id), end)
        return True

    if not _in_database(db, mute):
        raise NewswatchError(f"no event #{event_id} (see newswatch contacts)")
    _echo(f"Muted event #{event_id} {_until_text(end)}: its follow-ups send nothing.")


def _unmute(db: str | None, kind: str, target: str) -> None:
    from newswatch.storage import repository

    if _in_database(db, lambda session: repository.remove_mute(session, kind, target)):
        _echo(f"Unmuted {kind} {target}.")
    else:
        _echo(f"{kind.capitalize()} {target} was not muted.")


@unmute_app.command("topic")
@_handle_errors
def unmute_topic(
    topic: Annotated[str, typer.Argument(metavar="TOPIC", help="A muted topic id.", show_default=False)],
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Unmute a topic: alerts and digest sections about it are sent again (from now on).

    Example: newswatch unmute topic taiwan
    """
    _unmute(db, "topic", topic)


@unmute_app.command("event")
@_handle_errors
def unmute_event(
    event_id: Annotated[int, typer.Argument(metavar="ID", help="A muted event id.", show_default=False)],
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Unmute an event: its follow-ups alert again (from now on).

    Example: newswatch unmute event 12
    """
    _unmute(db, "event", str(event_id))


@app.command()
@_handle_errors
def mutes(as_json: JsonOption = False, db: DbOption = None, debug: DebugOption = False) -> None:
    """List muted topics and events, with when each mute ends (expired ones are shown as such).

    Example: newswatch mutes --json
    """
    from newswatch.storage import repository

    rows = _in_database(db, lambda session: repository.list_mutes(session, dt.datetime.now(dt.UTC)))
    if as_json:
        _echo_json(rows, ensure_ascii=True)
        return
    if not rows:
        _echo("Nothing is muted.")
    for row in rows:
        ends = f"until {row['until']}" if row["until"] else "until unmuted"
        target = f"#{row['target']}" if row["kind"] == "event" else row["target"]
        _echo(f"{row['kind']} {target}: muted {ends}{'' if row['active'] else ' (expired)'}")


@db_app.command("upgrade")
@_handle_errors
def db_upgrade(db: DbOption = None, debug: DebugOption = False) -> None:
    """Create the database or migrate it to the latest schema (Alembic).

    Example: newswatch db upgrade --db postgresql://user@host/newswatch
    """
    from newswatch.settings import database_url
    from newswatch.storage.database import open_database

    url = database_url(db)
    open_database(url)
    from sqlalchemy.engine import make_url

    _echo(f"Database {make_url(url).render_as_string(hide_password=True)} is at the latest schema.")


def main() -> None:
    """Entry point of the ``newswatch`` console script."""
    try:
        app()
    except SystemExit as exc:
        # Click reports usage errors with exit code 2 already; keep every other code as is.
        sys.exit(exc.code)
