"""The monitor flow: poll feeds → pick new items → fetch and extract pages → classify → store and
resolve events → alert, and record each feed's health."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from newswatch.app import Database, open_database
from newswatch.app.feed_health import FeedNotice, record_feed_health
from newswatch.app.monitoring import claims_shared, feed_claims, feed_validators, last_polls, unstored_items
from newswatch.config_schema import FeedConfig, MonitorSettings
from newswatch.environment import database_url, feed_credentials
from newswatch.fetch import Fetcher
from newswatch.flows.runners import map_task, parallel_runs, task_runner_for
from newswatch.flows.secrets import run_channels
from newswatch.flows.tasks import (
    RunReport,
    classify_each_article,
    flow_settings,
    run_report,
    send_alerts,
    store_results,
)
from newswatch.model import Article
from newswatch.notify import Channel
from newswatch.polling import (
    FeedPoll,
    NewItem,
    collect_article,
    due_feeds,
    feed_limits,
    fetch_policy,
    group_by_host,
    in_parallel,
    poll_feed,
)
from newswatch.progress import GrowingCount, step_counter
from newswatch.routing import Routing, routing_for
from newswatch.settings import Settings
from newswatch.templates import Templates, template_folders, templates_in
from newswatch.terminal import make_log_records_safe
from newswatch.urls import mask_credentials, masked_url, without_credentials

# This flow holds feed URLs with credentials (in memory) and texts from strangers: no log line of
# its process (a worker's, too) shows the credentials or obeys a control sequence.
make_log_records_safe()


@dataclass(frozen=True)
class MonitorReport:
    """What a monitoring cycle did."""

    polls: list[FeedPoll]
    run: RunReport
    notices: list[FeedNotice]
    page_failures: dict[str, str]
    taken_elsewhere: int = 0  # due feeds another worker's cycle was polling (see feed_claims)

    @property
    def failed(self) -> list[FeedPoll]:
        return [p for p in self.polls if p.error is not None]

    @property
    def not_modified(self) -> list[FeedPoll]:
        return [p for p in self.polls if p.not_modified]

    def counts(self) -> dict[str, int]:
        """What the cycle found and sent, by name, for its summary line and artifact."""
        delivered = sum(1 for d in self.run.deliveries if d.delivered)
        return {
            "feeds polled": len(self.polls),
            "feeds failed": len(self.failed),
            "new articles": self.run.new_articles,
            "new contacts": len(self.run.new_events),
            "alerts sent": delivered,
            "alerts failed": len(self.run.deliveries) - delivered,
        }


def summary_line(report: MonitorReport, finished: dt.datetime, next_due: dt.datetime | None) -> str:
    """One line on a served cycle: when it ended, what it found and sent, when the next is due."""
    counts = report.counts()
    found = (
        f"feeds {counts['feeds polled']} polled, {counts['feeds failed']} failed; "
        f"{counts['new articles']} new articles, {counts['new contacts']} new contacts; "
        f"alerts {counts['alerts sent']} sent, {counts['alerts failed']} failed"
    )
    due = f"next run {next_due.astimezone(finished.tzinfo):%H:%M:%S}" if next_due else "no next run scheduled"
    return f"{finished:%Y-%m-%d %H:%M:%S} monitor: {found}; {due}"


def summary_markdown(report: MonitorReport) -> str:
    """The cycle's summary as Markdown, for Prefect's dashboard: the counts and the new contacts."""
    lines = ["| | |", "|---|---:|", *(f"| {name} | {count} |" for name, count in report.counts().items())]
    if report.run.new_events:
        lines += ["", "New contacts:", ""]
        lines += [
            f"- #{event.id} {event.date:%Y-%m-%d}: {' – '.join(p.name for p in event.participants)} ({event.mode})"
            for event in report.run.new_events
        ]
    return "\n".join(lines)


def publish_summary(report: MonitorReport) -> None:
    """Publish the cycle's summary as a Prefect artifact; in a deployment's run (`serve`), print
    its line, too (a served run's output reaches `serve`'s)."""
    from prefect.artifacts import create_markdown_artifact
    from prefect.runtime import deployment

    from newswatch.flows.serve import next_run_due

    create_markdown_artifact(markdown=summary_markdown(report), key="monitor-summary", description="monitor cycle")
    if deployment.id:
        finished = dt.datetime.now().astimezone()
        print(summary_line(report, finished, next_run_due(deployment.id)), flush=True)


def refresh_report(db: Database, settings: Settings) -> None:
    """Rewrite the HTML report at ``report.path``, if set: a report that cannot be written is one
    warning line, never a failed cycle."""
    import logging

    from prefect import get_run_logger

    from newswatch.app.reporting import configured_report_path, write_configured_report
    from newswatch.environment import default_home
    from newswatch.errors import NewswatchError

    if settings.core.report.path is None:
        return
    logging.getLogger("matplotlib").setLevel(logging.ERROR)  # "building the font cache": not the user's concern
    try:
        write_configured_report(db, settings, default_home(), dt.datetime.now(dt.UTC))
    except NewswatchError as exc:
        get_run_logger().warning("%s", exc)
    except Exception as exc:  # whatever fails, the cycle's work is done and stays done
        reason = next(iter(str(exc).splitlines()), "") or type(exc).__name__
        get_run_logger().warning(
            "report not written to %s: %s", configured_report_path(settings, default_home()), reason
        )


# A cycle's claim on feeds: the URLs, of those given, that it now holds (see feed_claims).
Claim = Callable[[list[str]], list[str]]


@task(cache_policy=NO_CACHE)
def poll_feed_group(
    feeds: list[FeedConfig],
    validators: Mapping[str, tuple[str | None, str | None]],
    options: MonitorSettings,
    threads: int,
    on_done: Callable[[FeedConfig], object] | None = None,
    claim: Claim | None = None,
) -> list[FeedPoll]:
    """Poll a group of feeds (one task run; its own fetcher, so it can run in another process);
    with ``claim``, each feed as this cycle claims it, those another worker's cycle holds left out."""

    def polled(feed: FeedConfig) -> FeedPoll | None:
        if claim is not None and not claim([feed.url]):
            return None
        return _polled(feed, fetcher, validators.get(feed.url, (None, None)), options)

    with Fetcher(fetch_policy(options)) as fetcher:
        return [poll for poll in in_parallel(polled, feeds, threads, on_done) if poll is not None]


def _polled(
    feed: FeedConfig, fetcher: Fetcher, validators: tuple[str | None, str | None], options: MonitorSettings
) -> FeedPoll:
    """Poll a feed at its real URL (with its credentials, if it has any); the poll returned names
    the feed by its masked URL, and no text in it (errors, links resolved against the feed's URL
    and GUIDs made of them) carries the credentials on to storage, notices or the terminal: such
    links are fetched without credentials, as absolute links are."""
    max_bytes, limits = options.max_feed_bytes, feed_limits(options)
    if feed.fetch_url == feed.url:
        return poll_feed(fetcher, feed, validators, max_bytes, limits)
    poll = poll_feed(fetcher, feed.model_copy(update={"url": feed.fetch_url}), validators, max_bytes, limits)
    return replace(
        poll,
        feed=feed,
        error=mask_credentials(poll.error) if poll.error else poll.error,
        warning=mask_credentials(poll.warning) if poll.warning else poll.warning,
        entries=tuple(
            replace(entry, guid=mask_credentials(entry.guid), link=without_credentials(entry.link))
            for entry in poll.entries
        ),
    )


@task(cache_policy=NO_CACHE)
def find_new_items(db: Database, polls: list[FeedPoll]) -> list[NewItem]:
    """Entries whose GUID or canonical link is not stored yet."""
    return unstored_items(db, polls)


@task(cache_policy=NO_CACHE)
def collect_article_group(
    items: list[NewItem], options: MonitorSettings, threads: int, on_done: Callable[[NewItem], object] | None = None
) -> tuple[list[Article], dict[str, str]]:
    """Fetch a group of new items' pages and extract each article (the summary if that fails)."""
    with Fetcher(fetch_policy(options)) as fetcher:
        limits = feed_limits(options)
        collected = in_parallel(lambda item: collect_article(fetcher, item, limits), items, threads, on_done)
    articles = [article for article, _ in collected]
    failures = {item.ref: reason for item, (_, reason) in zip(items, collected, strict=True) if reason}
    return articles, failures


def claim_rounds(feeds: list[FeedConfig], options: MonitorSettings) -> list[list[FeedConfig]]:
    """The feeds in rounds, each claimed, polled and its pages collected before the next is
    claimed, so that monitor cycles running at once on other workers share the feeds whenever
    they started: claiming all of them first (their polls take a second of a minute's cycle)
    gave a cycle that started two seconds later almost nothing. Rounds of twice the feeds
    fetched at once, or of a tenth of the feeds when that is more: a round's end waits for
    its slowest page, and ten such waits per cycle at most."""
    size = max(2 * options.concurrency, -(-len(feeds) // 10))
    return [feeds[start : start + size] for start in range(0, len(feeds), size)] or [[]]


def collect_articles(
    db: Database, feeds: list[FeedConfig], options: MonitorSettings, claim: Claim = list, shared: bool = False
) -> tuple[list[FeedPoll], list[NewItem], list[Article], dict[str, str]]:
    """Poll ``feeds`` and collect their new articles, fanned out over the configured task runner.

    Feeds, then new pages, are split into groups by host, one task run per group; fetches within
    a group share a connection pool, a per-host limit and a robots.txt cache. Each feed is polled
    once ``claim`` (``feed_claims``) gives it to this cycle: as its turn comes on the threads of
    this process, or all at once before a process or Dask runner takes the groups. When other
    workers' cycles may be claiming the same feeds (``shared``), the threads take the feeds in
    rounds (``claim_rounds``).
    """
    runs = parallel_runs(options)
    threads = max(1, -(-options.concurrency // runs))  # the fetches in flight stay near monitor.concurrency
    in_process = options.task_runner == "threads"  # progress shows only where the command runs
    if not in_process:  # (a claim holds a connection of this process: it does not travel)
        claimed = set(claim([feed.url for feed in feeds]))
        feeds = [feed for feed in feeds if feed.url in claimed]
    rounds = claim_rounds(feeds, options) if shared and in_process else [feeds]
    validators = feed_validators(db, feeds)
    polled_feeds = step_counter("Polling feeds", len(feeds)) if in_process else None
    fetched_pages = GrowingCount("Fetching pages") if in_process else None
    polls: list[FeedPoll] = []
    items: list[NewItem] = []
    collected: list[tuple[list[Article], dict[str, str]]] = []
    seen: set[str] = set()  # refs and GUIDs collected
    with task_runner_for(options) as runner:
        for round_feeds in rounds:
            polled = map_task(
                runner,
                poll_feed_group,
                {
                    "feeds": group_by_host(round_feeds, lambda feed: feed.url, runs),
                    "validators": unmapped(validators),
                    "options": unmapped(options),
                    "threads": unmapped(threads),
                    "on_done": unmapped(polled_feeds),
                    "claim": unmapped(claim if in_process else None),
                },
            )
            round_polls = [poll for group in polled.result() for poll in group]
            found = find_new_items(db, quote(round_polls))  # type: ignore[call-overload]  # Prefect unwraps quote()
            # each once, even if an earlier round's feed carried it (nothing is stored before the end)
            round_items = [item for item in found if not {item.ref, item.entry.guid} & seen]
            seen.update(key for item in round_items for key in (item.ref, item.entry.guid) if key)
            if fetched_pages is not None:
                fetched_pages.add(len(round_items))
            collected += map_task(
                runner,
                collect_article_group,
                {
                    "items": group_by_host(round_items, lambda item: item.entry.link, runs),
                    "options": unmapped(options),
                    "threads": unmapped(threads),
                    "on_done": unmapped(fetched_pages),
                },
            ).result()
            polls += round_polls
            items += round_items
    by_ref = {article.ref: article for group, _ in collected for article in group}
    articles = [by_ref[item.ref] for item in items]  # in feed order, whatever the grouping
    failures = {ref: reason for _, group_failures in collected for ref, reason in group_failures.items()}
    return polls, items, articles, failures


@task(cache_policy=NO_CACHE)
def update_feed_health(
    db: Database,
    polls: list[FeedPoll],
    items: list[NewItem],
    channels: list[Channel],
    monitor: MonitorSettings,
    routing: Routing,
    templates: Templates | None = None,
) -> list[FeedNotice]:
    """Record each feed's poll; one operator notice when a feed keeps failing, one when it recovers."""
    new_items: dict[str, int] = {}
    for item in items:
        new_items[item.feed.url] = new_items.get(item.feed.url, 0) + 1
    return record_feed_health(
        db, polls, new_items, channels, monitor.failure_alert_after, routing=routing, templates=templates
    )


@flow(name="newswatch-monitor", log_prints=False, validate_parameters=True)
def monitor(
    feed_urls: list[str] | None = None, config_dir: str | None = None, ignore_intervals: bool = False
) -> MonitorReport:
    """One monitoring cycle over the enabled feeds of feeds.yaml that are due, or over ``feed_urls``.

    Args:
        feed_urls: poll these feeds (now) instead of the configured ones.
        config_dir: a folder of configuration overrides (see newswatch.settings).
        ignore_intervals: poll every enabled feed, even one polled less than its interval ago.
    """
    settings = flow_settings(config_dir)
    options = settings.core.monitor
    channels = run_channels(settings)
    db = open_database(database_url(None))
    configured = {f.url: f for f in settings.feeds}
    if feed_urls:
        # `run --feed` passes URLs masked (Prefect stores parameters); their credentials come by
        # the environment. A URL given here with its credentials is masked from here on.
        credentials = feed_credentials()
        feeds = [configured.get(masked_url(url)) or FeedConfig(url=credentials.get(url, url)) for url in feed_urls]
    else:
        feeds = [f for f in settings.feeds if f.enabled]
    seen_polls = last_polls(db, feeds)
    if not feed_urls and not ignore_intervals:
        feeds = due_feeds(feeds, seen_polls, dt.datetime.now(dt.UTC))
    # Claims on the feeds polled last until their health is recorded, and only on feeds no other
    # cycle has polled since ``seen_polls``: workers sharing the database poll each due feed
    # once between them, whenever their cycles start and end.
    with feed_claims(db, seen_polls) as claim:
        polls, items, articles, page_failures = collect_articles(db, feeds, options, claim, claims_shared(db))
        # quote(): Prefect would otherwise walk every article, entry and setting of these arguments,
        # looking for upstream futures (seconds per thousand articles); none are in them.
        classifications, unclassified = classify_each_article(quote(articles), quote(settings))  # type: ignore[call-overload]  # Prefect unwraps quote()
        stored = store_results(db, quote(classifications), channels, quote(settings))  # type: ignore[call-overload]  # Prefect unwraps quote()
        templates = templates_in(template_folders(settings.config_dir))
        notices = update_feed_health(  # type: ignore[call-overload]  # Prefect unwraps quote()
            db, quote(polls), quote(items), channels, options, routing_for(settings), quote(templates)
        )
    deliveries = send_alerts(db, quote(settings), channels)  # type: ignore[call-overload]  # Prefect unwraps quote()
    run = run_report(db, len(articles), unclassified, stored, deliveries, channels)
    report = MonitorReport(polls, run, notices, page_failures, taken_elsewhere=len(feeds) - len(polls))
    publish_summary(report)
    refresh_report(db, settings)
    return report
