"""The commands that run the pipeline as Prefect flows: ``replay`` (seed files), ``run`` (one
monitoring cycle) and ``serve`` (the flows on their schedules)."""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from newswatch.cli.classification import unreadable
from newswatch.cli.core import app
from newswatch.cli.options import NotifyOption, PathsArgument, export_secrets, global_options
from newswatch.cli.output import echo, event_line, undelivered
from newswatch.cli.server import PortOption, on_usual_port, server_log
from newswatch.cli.status import ExitStatus
from newswatch.errors import NewswatchError
from newswatch.terminal import terminal_safe

if TYPE_CHECKING:
    from newswatch.flows.tasks import RunReport
    from newswatch.prefect_server import PrefectApi
    from newswatch.settings import Settings

PAGE_FAILURES_SHOWN = 10


def _start_prefect_api() -> PrefectApi:
    """The configured Prefect API; else the local server `newswatch server start` (or a running
    `serve`) left up, said so; else a temporary local server that ends with this process (however
    it ends), started now so that it starts while the flow's modules load."""
    from newswatch.prefect_server import start_prefect_api

    api = start_prefect_api(server_log())
    if api.reused is not None:
        echo(f"Using the local Prefect server at {api.reused.address} (started by `{api.reused.started_by}`).")
    return api


def _wait_for_prefect(api: PrefectApi) -> None:
    """Wait for a temporary server; say what is awaited when it takes more than a moment."""
    api.wait_ready(
        on_wait=lambda: echo(
            "Waiting for Prefect's temporary local server to start (a first start creates its database); "
            "`newswatch server start` keeps one running, so that runs start at once …"
        )
    )


def _check_channel_urls(settings: Settings) -> None:
    """The notification URLs of the configuration, the environment and ``--notify``, checked
    before Prefect loads: a malformed one is one line, not a started server."""
    from newswatch.app.channels import configured_channels

    configured_channels(settings)


def _checked_channels(settings: Settings) -> None:
    """Build the notification channels once before a run, those of a Prefect Secret block
    included (which needs Prefect's API): a malformed URL is an error before the run starts."""
    from newswatch.flows.secrets import run_channels

    run_channels(settings)


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
    from newswatch.environment import ENV_FEED_CREDENTIALS
    from newswatch.urls import masked_url

    credentialed = [url for url in feeds if masked_url(url) != url]
    if credentialed:
        os.environ[ENV_FEED_CREDENTIALS] = " ".join([os.environ.get(ENV_FEED_CREDENTIALS, ""), *credentialed]).strip()
    return [masked_url(url) for url in feeds]


def _print_outcome(report: RunReport) -> None:
    """The contacts a run saw and the alerts it sent."""
    new_ids = {e.id for e in report.new_events}
    muted = {s.event_id for s in report.stored if s.muted}
    echo(f"Contacts in these articles: {len(report.events)} ({len(new_ids)} new)")
    for event in report.events:
        state = "new  " if event.id in new_ids else "known"
        echo(f"  {state} {event_line(event)}{'  (muted: not alerted)' if event.id in muted else ''}")
    delivered = [d for d in report.deliveries if d.delivered]
    failed = [d for d in report.deliveries if not d.delivered]
    echo(f"Alerts: {len(delivered)} sent, {len(failed)} failed (channels: {', '.join(report.channels)})")
    for delivery in delivered:
        echo(f"  sent   {_delivery_subject(delivery.event_id)} → {delivery.channel}: {delivery.title}")
    for delivery in failed:
        echo(f"  {delivery.status} {_delivery_subject(delivery.event_id)} → {undelivered(delivery)}", err=True)


def _delivery_subject(event_id: int | None) -> str:
    return f"#{event_id}" if event_id is not None else "digest"


def _print_page_failures(failures: dict[str, str]) -> None:
    """One line per page that could not be had, up to a few; then how many more, by reason (a
    feed of dead links must not flood the terminal)."""
    for ref, reason in list(failures.items())[:PAGE_FAILURES_SHOWN]:
        echo(f"page not fetched, summary used: {ref}: {reason}", err=True)
    rest = list(failures.values())[PAGE_FAILURES_SHOWN:]
    if rest:
        reasons = Counter(rest).most_common(3)
        listed = "; ".join(f"{count:,} × {reason}" for reason, count in reasons)
        others = len(rest) - sum(count for _, count in reasons)
        echo(
            f"page not fetched, summary used: {len(rest):,} more ({listed}{f'; {others:,} other' if others else ''}); "
            "`newswatch articles` shows each article's text source",
            err=True,
        )


@app.command()
def replay(ctx: typer.Context, paths: PathsArgument, notify: NotifyOption = None) -> None:
    """Replay seed-format article files through the pipeline: classify, store, alert.

    Runs the Prefect flow "newswatch-replay" (on Prefect's temporary local server when no
    PREFECT_API_URL is set). Articles already stored are skipped; only new contacts alert.

    Example: newswatch replay seeds/
    """
    from newswatch.seeds import check_seed_files
    from newswatch.settings import load_settings

    options = global_options(ctx)
    # Every mistake is told before Prefect starts, in one line: the config, the database URL, the paths.
    settings = load_settings(options.config)
    options.check_database()
    readable, failures = check_seed_files(paths)
    if not readable:
        unreadable(failures, read=0)
    export_secrets(options.db, notify)
    _check_channel_urls(settings)
    prefect_api = _start_prefect_api()
    _checked_channels(settings)
    from newswatch.flows.replay import replay as replay_flow
    from newswatch.progress import showing_progress

    echo(f"Replaying {', '.join(str(p) for p in paths)} …")
    _wait_for_prefect(prefect_api)
    with showing_progress():
        report = replay_flow([str(p) for p in paths], options.config_dir)
    for failure in report.failures:
        echo(f"skipped {failure.path}: {failure.reason}", err=True)
    already = sum(1 for s in report.stored if not s.new)
    echo(
        f"Read {report.read} files: {report.new_articles} new articles, {already} already stored, "
        f"{len(report.failures)} unreadable."
    )
    _print_outcome(report)
    if report.failures or any(not d.delivered for d in report.deliveries):
        raise typer.Exit(ExitStatus.PARTIAL)


@app.command()
def run(
    ctx: typer.Context,
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
    notify: NotifyOption = None,
) -> None:
    """One monitoring cycle: poll the feeds, fetch new articles, classify, store, alert.

    Polls the enabled feeds of feeds.yaml that are due by their interval_minutes (or only the
    --feed URLs, or all with --all) with conditional GET, fetches
    each new item's page and extracts the article (the feed's summary when that fails), then
    alerts on new contacts. A failing feed is reported and the others complete.

    Example: newswatch run --feed https://news.usni.org/feed
    """
    from newswatch.settings import load_settings

    options = global_options(ctx)
    settings = load_settings(options.config)  # (the config and the database URL checked before Prefect starts)
    options.check_database()
    export_secrets(options.db, notify)
    if not feed and not any(f.enabled for f in settings.feeds):
        raise NewswatchError("no feeds to poll: enable some in feeds.yaml or give --feed URL")
    _check_channel_urls(settings)
    prefect_api = _start_prefect_api()
    _checked_channels(settings)
    from newswatch.flows.monitor import monitor
    from newswatch.progress import showing_progress

    _wait_for_prefect(prefect_api)
    with showing_progress():
        report = monitor(_feed_parameters(feed), options.config_dir, ignore_intervals=poll_all)
    for poll in report.failed:
        echo(f"feed failed: {poll.feed.label}: {poll.error}", err=True)
    for poll in report.polls:
        if poll.error is None and poll.warning:
            echo(f"feed warning: {poll.feed.label}: {poll.warning}", err=True)
    _print_page_failures(report.page_failures)
    run = report.run
    for failure in run.failures:
        echo(f"article skipped: {failure.path}: {failure.reason}", err=True)
    duplicates = sum(1 for s in run.stored if s.duplicate_of is not None)
    echo(
        f"Feeds: {len(report.polls)} polled"
        f"{f' ({report.taken_elsewhere} more by another worker)' if report.taken_elsewhere else ''}, "
        f"{len(report.not_modified)} not modified, {len(report.failed)} failed. "
        f"New articles: {run.new_articles} ({duplicates} near-duplicates)."
    )
    _print_outcome(run)
    for notice in report.notices:
        echo(f"  operator notice {'sent' if notice.delivered else 'NOT sent'}: {notice.title}")
    if report.failed or run.failures or any(not d.delivered for d in run.deliveries):
        raise typer.Exit(ExitStatus.PARTIAL)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM (service managers, `kill`) stops `serve` as Ctrl-C does."""
    raise KeyboardInterrupt


@app.command()
def serve(
    ctx: typer.Context,
    notify: NotifyOption = None,
    port: PortOption = None,
    dashboard: Annotated[
        bool, typer.Option("--dashboard/--no-dashboard", help="Serve Prefect's dashboard from the local server.")
    ] = True,
) -> None:
    """Run the flows on their schedules until stopped: monitor at start and every
    schedule.monitor_every_minutes, deliver pending alerts every schedule.deliver_every_minutes,
    and send the digest on its schedule when digest.enabled is true. Prints a line per monitor run.

    Uses the Prefect server at PREFECT_API_URL; without one, starts a local Prefect server
    (SQLite, in PREFECT_HOME) on 127.0.0.1:--port with Prefect's dashboard, and stops it on exit.
    Stops cleanly on Ctrl-C or SIGTERM.

    Example: newswatch serve --port 4200
    """
    import signal

    from newswatch.settings import load_settings

    options = global_options(ctx)
    settings = load_settings(options.config)  # (the config and the database URL checked before Prefect loads)
    options.check_database()
    export_secrets(options.db, notify)
    _check_channel_urls(settings)
    from newswatch.flows.serve import describe_digest_schedule, serve_flows

    _checked_channels(settings)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    schedule = settings.core.schedule
    digest = settings.core.digest
    with _served_prefect_api(server_log(), port, dashboard) as api_url:
        echo(
            f"Serving on {api_url}: monitor now and every {schedule.monitor_every_minutes:g} min, "
            f"deliver alerts every {schedule.deliver_every_minutes:g} min"
            f"{', digest ' + describe_digest_schedule(digest) if digest.enabled else ''}. Ctrl-C stops."
        )
        if not options.debug:
            # Prefect's runner stops on SIGTERM by raising SystemExit inside its event loop, which
            # logs cancelled-task tracebacks and an un-awaited coroutine: noise, not errors.
            logging.getLogger("asyncio").setLevel(logging.CRITICAL)
            warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"prefect\.runner")
        try:
            serve_flows(schedule.monitor_every_minutes, schedule.deliver_every_minutes, options.config_dir, digest)
        except (KeyboardInterrupt, SystemExit):
            # Nothing in flight is lost: a run cut short leaves work the next run finishes.
            echo("Stopped.")


@contextmanager
def _served_prefect_api(log_path: Path, port: int | None, dashboard: bool) -> Iterator[str]:
    """`serve`'s Prefect API (see flows.serve.prefect_api), its dashboard's address printed: on
    --port, else on Prefect's usual port, or a free one (said) when that is taken."""
    from newswatch.flows.serve import dashboard_url, prefect_api
    from newswatch.prefect_server import configured_api_url, running_server, use_server

    local = configured_api_url() is None
    recorded = running_server(log_path) if local else None
    if recorded is not None:  # `newswatch server start`'s, which has the scheduler serve needs
        use_server(recorded)
        echo(f"Using the local Prefect server at {recorded.address} (started by `{recorded.started_by}`).")
        if recorded.dashboard:
            echo(f"Prefect dashboard: {recorded.address}")
        yield recorded.api_url
        return
    with ExitStack() as stack:
        api_url = on_usual_port(
            lambda chosen: stack.enter_context(prefect_api(log_path, port=chosen, dashboard=dashboard)), port
        )
        if dashboard or not local:
            echo(f"Prefect dashboard: {dashboard_url(api_url)}")
        yield api_url
