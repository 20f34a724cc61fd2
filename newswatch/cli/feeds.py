"""``newswatch feeds``: the feeds as a feed reader shows them (configured and polled together),
``check`` (fetch each once and say what came back), ``forget`` (drop a feed's health),
``import`` and ``export`` (OPML). None of them starts Prefect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from newswatch.cli.core import app
from newswatch.cli.options import JsonOption, global_options
from newswatch.cli.output import Columns, echo, row_json, show_list, when
from newswatch.cli.status import ExitStatus
from newswatch.errors import NewswatchError

if TYPE_CHECKING:
    from newswatch.app.feed_check import FeedCheck
    from newswatch.app.feeds import FeedOverview
    from newswatch.config_schema import FeedConfig
    from newswatch.settings import Settings

feeds_app = typer.Typer(invoke_without_command=True)
app.add_typer(feeds_app, name="feeds")

HEALTH_KEYS = (
    "url",
    "name",
    "last_poll",
    "last_success",
    "status",
    "entries_seen",
    "new_items",
    "consecutive_failures",
    "last_error",
    "last_warning",
)


def _settings(ctx: typer.Context) -> Settings:
    from newswatch.settings import load_settings

    return load_settings(global_options(ctx).config)


def _feed_state(feed: FeedOverview) -> str:
    health = feed.health
    state = (
        "never polled"
        if health is None
        else f"failing ×{health.consecutive_failures}"
        if health.consecutive_failures
        else "ok"
    )
    if not feed.configured:
        return f"{state}; not in feeds.yaml"
    return state if feed.enabled else f"{state}; disabled"


_OVERVIEW_COLUMNS: Columns[FeedOverview] = (
    ("feed", lambda feed: f"{feed.name}\n{feed.url}"),
    ("state", _feed_state),
    ("last poll", lambda feed: when(feed.health.last_poll) if feed.health else "never"),
    ("HTTP", lambda feed: feed.health.status if feed.health and feed.health.status is not None else "–"),
    ("entries", lambda feed: feed.health.entries_seen if feed.health else "–"),
    ("new", lambda feed: feed.health.new_items if feed.health else "–"),
    ("last error", lambda feed: (feed.health.last_error or "") if feed.health else ""),
)


def _overview_line(feed: FeedOverview) -> str:
    health = feed.health
    if health is None:
        state = "never polled"
    else:
        failing = f"failing ×{health.consecutive_failures}: {health.last_error}"
        state = (
            f"{failing if health.consecutive_failures else 'ok'}; last poll {when(health.last_poll)}, "
            f"HTTP {health.status}, {health.entries_seen} entries, {health.new_items} new"
        )
    if not feed.configured:
        note = " (not in feeds.yaml: `newswatch feeds forget URL` drops it)"
    else:
        note = "" if feed.enabled else " (disabled in feeds.yaml)"
    return f"{feed.name}: {state}{note}\n    {feed.url}"


def _overview_json(feed: FeedOverview) -> dict[str, Any]:
    health = row_json(feed.health) if feed.health else dict.fromkeys(HEALTH_KEYS)
    if feed.health is None:
        health |= {"url": feed.url, "name": feed.name, "entries_seen": 0, "new_items": 0, "consecutive_failures": 0}
    return health | {"configured": feed.configured, "enabled": feed.enabled}


@feeds_app.callback()
def feeds(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the feeds of feeds.yaml and the feeds polled, together: each one's health (last poll,
    HTTP status, entries, new items, failures, last error), "never polled", or, for a feed polled
    once with `run --feed`, that it is not in feeds.yaml.

    Example: newswatch feeds --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from newswatch.app.feeds import overview_feeds
    from newswatch.app.maintenance import DatabaseMissing

    configured = _settings(ctx).feeds
    try:
        db = global_options(ctx).open_database()
    except DatabaseMissing:  # nothing polled yet: the configured feeds, each never polled
        db = None
    show_list(
        overview_feeds(db, configured),
        as_json=as_json,
        json_of=_overview_json,
        text_of=_overview_line,
        columns=_OVERVIEW_COLUMNS,
        empty="No feeds configured or polled. Try: newswatch feeds import subscriptions.opml",
    )


def _check_line(check: FeedCheck) -> str:
    found = f" (found on {check.found_on})" if check.found_on else ""
    if check.error is not None:
        status = f"HTTP {check.status}: " if check.status and not check.error.startswith("HTTP") else ""
        return f"FAIL {check.name}{found}: {status}{check.error}\n    {check.url}"
    latest = f", newest {when(check.last_item)}" if check.last_item else ", entries undated"
    warning = f"; warning: {check.warning}" if check.warning else ""
    return (
        f"ok   {check.name}{found}: HTTP {check.status}, {check.format}, {check.entries} entries{latest}{warning}"
        f"\n    {check.url}"
    )


def _check_json(check: FeedCheck) -> dict[str, Any]:
    return {
        "url": check.url,
        "name": check.name,
        "ok": check.ok,
        "status": check.status,
        "format": check.format,
        "title": check.title,
        "entries": check.entries,
        "last_item": check.last_item.isoformat() if check.last_item else None,
        "error": check.error,
        "warning": check.warning,
        "found_on": check.found_on,
    }


def _feeds_to_check(settings: Settings, urls: list[str]) -> list[FeedConfig]:
    """The feeds named on the command line (a configured one keeps its name and credentials), else
    every enabled configured feed."""
    from pydantic import ValidationError

    from newswatch.config_schema import FeedConfig
    from newswatch.urls import masked_url

    if not urls:
        return [feed for feed in settings.feeds if feed.enabled]
    configured = {feed.url: feed for feed in settings.feeds}
    chosen = []
    for url in urls:
        try:
            chosen.append(configured.get(masked_url(url)) or FeedConfig(url=url))
        except ValidationError:
            raise typer.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL") from None
    return chosen


@feeds_app.command("check")
def check(
    ctx: typer.Context,
    urls: Annotated[
        list[str] | None,
        typer.Argument(metavar="[URL]...", help="Feeds or sites' pages to check [default: every enabled feed]."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch each feed once, as a monitor cycle would (the same address guard, size caps and
    timeouts), and report its HTTP status, format (RSS 2.0, Atom 1.0…), entries and newest
    entry's date, or the error. A site's page named here stands for the feeds it links to
    (<link rel="alternate">), which are checked instead; a configured feed that answers with a
    page fails, naming the feeds the page links to. Nothing is stored.

    Exit code 0 if every feed answered with entries, 3 if some did not.

    Example: newswatch feeds check https://www.example.com/
    """
    from newswatch.app.feed_check import check_feeds

    settings = _settings(ctx)
    chosen = _feeds_to_check(settings, urls or [])
    if not chosen:
        raise NewswatchError("no enabled feed in feeds.yaml to check; name one: newswatch feeds check URL")
    # A site's page given by hand stands for its feeds; a configured feed that is a page is a mistake.
    checks = check_feeds(chosen, settings.core.monitor, discover=bool(urls))
    show_list(checks, as_json=as_json, json_of=_check_json, text_of=_check_line)
    failed = sum(not c.ok for c in checks)
    if not as_json:
        echo(f"Feeds: {len(checks)} checked, {len(checks) - failed} ok, {failed} failed.")
    if failed:
        raise typer.Exit(ExitStatus.PARTIAL)


@feeds_app.command("forget")
def forget(ctx: typer.Context, url: Annotated[str, typer.Argument(metavar="URL", help="The feed's URL.")]) -> None:
    """Drop a feed's stored health (last poll, failures, last error), and with it its place
    among the digest's failing feeds: for a feed polled once with `run --feed`, or removed from
    feeds.yaml. A feed still in feeds.yaml is polled again on the next run.

    Example: newswatch feeds forget https://www.example.com/feed.xml
    """
    from newswatch.app.feeds import forget_feed

    name = forget_feed(global_options(ctx).open_database(), url)
    still = " (it is still in feeds.yaml: the next run polls it again)" if _is_configured(ctx, url) else ""
    echo(f"Forgot {name}: {url}{still}")


def _is_configured(ctx: typer.Context, url: str) -> bool:
    from newswatch.urls import masked_url

    return any(feed.url == masked_url(url) for feed in _settings(ctx).feeds)


@feeds_app.command("import")
def import_feeds(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(metavar="FILE", help="An OPML subscription list.")]
) -> None:
    """Add the feeds of an OPML file (a feed reader's export) to feeds.yaml in your config folder
    (--config or NEWSWATCH_CONFIG_DIR), creating it if need be; its feeds add to the shipped
    ones. What the file holds is kept, comments included; feeds already configured are skipped.

    Example: newswatch --config my-config feeds import subscriptions.opml
    """
    from newswatch.app.feeds import import_opml

    config_dir = global_options(ctx).config
    if config_dir is None:
        raise NewswatchError("feeds import writes to your config folder's feeds.yaml: give --config DIR")
    done = import_opml(file, config_dir, _settings(ctx).feeds)
    for feed in done.added:
        echo(f"added {feed.title or feed.url}: {feed.url}")
    for url in done.duplicates:
        echo(f"skipped (already in feeds.yaml): {url}")
    for outline in done.unusable:
        echo(f"skipped (not an http(s) feed URL): {outline}")
    made = "created" if done.created else "updated" if done.added else "unchanged"
    echo(f"{done.path}: {made}; {len(done.added)} feed(s) added, {len(done.duplicates)} already there.")


@feeds_app.command("export")
def export(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(metavar="[FILE]", help="Where to write [default: stdout].")] = None,
) -> None:
    """Write the enabled feeds of feeds.yaml as OPML 2.0, for a feed reader. A feed's user and
    password are left out of the file.

    Example: newswatch feeds export feeds.opml
    """
    from newswatch.app.feeds import export_opml

    document, stripped = export_opml(_settings(ctx).feeds, dt.datetime.now(dt.UTC))
    if stripped:
        echo(f"newswatch: {stripped} feed(s) listed without their credentials", err=True)
    if file is None:
        echo(document.decode("utf-8"), nl=False)
        return
    try:
        file.write_bytes(document)
    except OSError as exc:
        raise NewswatchError(f"cannot write {file}: {exc.strerror or exc}") from None
    echo(f"{file}: {document.count(b'<outline ')} feed(s) written.")
