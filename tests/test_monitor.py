"""Feed monitoring end to end through the Prefect flow, against a real local news site:
every feed format, conditional GET, new entries between cycles, misbehaving feeds, the address
guard, deduplication, fallbacks, and feed-health notices."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newswatch.seeds import read_seed_file
from newswatch.storage import articles
from newswatch.storage.articles import ArticleListing
from newswatch.storage.database import open_database
from tests.conftest import SEEDS, config_folder
from tests.feed_site import (
    DEAD_LINK_FEED,
    EMPTY_FEED,
    ERROR_FEED,
    LAUGHS_FEED,
    LOOP_A,
    MALFORMED_FEED,
    NOT_FOUND_FEED,
    OVERSIZED_FEED,
    SLOW_FEED,
    WRONG_TYPE_FEED,
    FeedSite,
)
from tests.notifier_servers import JsonReceiver

OWN_CORPUS = Path(__file__).parent / "corpus"
CONTACT_ARTICLES = [SEEDS / "000_fa17d5cd43c4c00b.txt", SEEDS / "004_ec52301a8b636dd9.txt"] + [
    OWN_CORPUS / name for name in ("nw_001.txt", "nw_002.txt", "nw_003.txt", "nw_004.txt", "nw_012.txt")
]


@pytest.fixture(autouse=True)
def _prefect(prefect_server: None) -> None:
    """Every test here runs flows on the session's temporary Prefect server."""


def _config(tmp_path: Path, **monitor: object) -> Path:
    """A config folder whose newswatch.yaml is the shipped one with these monitor settings."""
    return config_folder(tmp_path / "config", monitor={"retries": 0, "backoff_seconds": 0.01, **monitor})


def _publish(site: FeedSite, path: Path, style: str = "wire", slug: str | None = None) -> str:
    article = read_seed_file(path)
    slug = slug or path.stem
    site.add_article(slug, article.title, article.published, article.text.split("\n\n"), style=style)
    return slug


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, json_receiver: JsonReceiver) -> JsonReceiver:
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSWATCH_NOTIFY", json_receiver.url)
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    return json_receiver


def _monitor(feeds: list[str], config: Path):
    from newswatch.flows.monitor import monitor

    return monitor(feeds, str(config))


def _stored_articles() -> dict[str, ArticleListing]:
    with open_database(os.environ["NEWSWATCH_DATABASE_URL"]).transaction() as session:
        return {a.ref: a for a in articles.list_articles(session, 100)}


def _event_keys(events) -> set[tuple]:
    return {(e.date, e.mode, e.location, tuple(sorted(p.name for p in e.participants))) for e in events}


def test_every_feed_format_gives_the_events_and_alerts_of_a_replay(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slugs = [
        _publish(feed_site, path, style)
        for path, style in zip(CONTACT_ARTICLES, ["wire", "ministry", "regional"] * 3, strict=False)
    ]
    feeds = [
        feed_site.add_feed("rss2", "rss2", slugs[0:2]),
        feed_site.add_feed("rss1", "rss1", slugs[2:3]),
        feed_site.add_feed("atom", "atom", slugs[3:4]),
        feed_site.add_feed("latin1", "rss2-latin1", slugs[4:5]),
        feed_site.add_feed("cp1252", "rss2-cp1252", slugs[5:7]),
    ]
    report = _monitor(feeds, _config(tmp_path))
    assert [p.error for p in report.polls] == [None] * 5
    assert report.run.new_articles == len(CONTACT_ARTICLES)
    stored = _stored_articles()
    assert all(a.text_source == "page" and a.ref.startswith(feed_site.base_url) for a in stored.values())
    monitored = _event_keys(report.run.events)
    assert len(monitored) == len(CONTACT_ARTICLES)
    assert len(env.wait_for(len(CONTACT_ARTICLES))) == len(CONTACT_ARTICLES)

    # The same articles replayed as seed files give the same events.
    from newswatch.flows.replay import replay

    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'replay.db'}")
    monkeypatch.setenv("NEWSWATCH_NOTIFY", "")
    replayed = replay([str(p) for p in CONTACT_ARTICLES])
    assert _event_keys(replayed.events) == monitored


@pytest.mark.parametrize("task_runner", ["processes", "dask"])
def test_the_monitor_fans_out_over_processes_or_dask_with_the_same_results(
    task_runner: str, feed_site: FeedSite, env: JsonReceiver, tmp_path: Path
) -> None:
    slugs = [_publish(feed_site, path) for path in CONTACT_ARTICLES[:3]]
    feeds = [feed_site.add_feed(f"f{i}", "rss2", [slug]) for i, slug in enumerate(slugs)]
    report = _monitor(feeds, _config(tmp_path, task_runner=task_runner, workers=2))
    assert [p.error for p in report.polls] == [None] * 3
    assert report.run.new_articles == 3 and len(_event_keys(report.run.events)) == 3
    assert all(a.text_source == "page" for a in _stored_articles().values())
    assert len(env.wait_for(3)) == 3


def test_second_cycle_makes_only_conditional_requests_and_sends_nothing(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path
) -> None:
    slug = _publish(feed_site, SEEDS / "000_fa17d5cd43c4c00b.txt")
    feed = feed_site.add_feed("world", "rss2", [slug])
    config = _config(tmp_path)
    first = _monitor([feed], config)
    assert first.run.new_articles == 1 and len(env.wait_for(1)) == 1
    feed_site.clear_requests()
    second = _monitor([feed], config)
    assert [p.status for p in second.polls] == [304]
    assert second.run.new_articles == 0 and second.run.deliveries == []
    requests = feed_site.requests
    assert [r.path for r in requests] == ["/feeds/world.xml"]
    assert requests[0].headers.get("if-none-match") and requests[0].headers.get("if-modified-since")
    assert len(env.messages) == 1


def test_a_new_entry_between_cycles_gives_exactly_one_new_alert(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path
) -> None:
    first_slug = _publish(feed_site, SEEDS / "000_fa17d5cd43c4c00b.txt")
    feed = feed_site.add_feed("world", "atom", [first_slug])
    config = _config(tmp_path)
    _monitor([feed], config)
    assert len(env.wait_for(1)) == 1
    second_slug = _publish(feed_site, OWN_CORPUS / "nw_002.txt", style="ministry")
    feed_site.add_entry("world", second_slug)
    report = _monitor([feed], config)
    assert report.run.new_articles == 1
    assert [e.date.isoformat() for e in report.run.new_events] == ["2025-09-09"]
    assert len(env.wait_for(2)) == 2
    assert _monitor([feed], config).run.deliveries == []
    assert len(env.messages) == 2


def test_misbehaving_feeds_are_reported_one_by_one_and_the_run_completes(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path
) -> None:
    feed_site.slow_seconds = 3
    good = feed_site.add_feed("good", "rss2", [_publish(feed_site, SEEDS / "004_ec52301a8b636dd9.txt")])
    bad = {
        "malformed": feed_site.url(MALFORMED_FEED),
        "empty": feed_site.url(EMPTY_FEED),
        "oversized": feed_site.url(OVERSIZED_FEED),
        "slow": feed_site.url(SLOW_FEED),
        "error": feed_site.url(ERROR_FEED),
        "missing": feed_site.url(NOT_FOUND_FEED),
        "loop": feed_site.url(LOOP_A),
        "wrong-type": feed_site.url(WRONG_TYPE_FEED),
        "laughs": feed_site.url(LAUGHS_FEED),
    }
    config = _config(tmp_path, read_timeout=1, total_timeout=2, max_feed_bytes=2_000_000, max_redirects=3)
    report = _monitor([good, *bad.values()], config)
    polls = {p.feed.url: p for p in report.polls}
    assert polls[good].error is None and report.run.new_articles >= 1
    assert len(env.wait_for(1)) == 1  # the good feed's contact was alerted
    errors = {name: polls[url].error for name, url in bad.items()}
    assert "malformed feed" in (polls[bad["malformed"]].warning or "") and errors["malformed"] is None
    assert errors["empty"] == "empty response"
    assert "byte limit" in errors["oversized"]
    assert "timeout" in errors["slow"] or "longer than" in errors["slow"]
    assert errors["error"] == "HTTP 500"
    assert errors["missing"] == "HTTP 404"
    assert "redirects" in errors["loop"]
    assert "not a feed" in errors["wrong-type"]
    assert errors["laughs"] == "declares XML entities (refused: entity expansion can blow up memory and time)"


def test_links_to_private_addresses_are_refused_unless_allowed(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS")
    feed = feed_site.add_feed("world", "rss2", [_publish(feed_site, SEEDS / "000_fa17d5cd43c4c00b.txt")])
    report = _monitor([feed], _config(tmp_path))
    (poll,) = report.polls
    assert poll.error is not None and "refused" in poll.error and "127.0.0.1" in poll.error
    assert feed_site.requests == []


def test_the_same_story_under_two_urls_and_a_syndicated_copy_make_one_event(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path
) -> None:
    original = read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt")
    paragraphs = original.text.split("\n\n")
    feed_site.add_article("story", original.title, original.published, paragraphs)
    feed_site.add_article("story-copy", original.title, original.published, paragraphs, style="regional")
    edited = [paragraphs[0].replace("China has said", "Beijing said"), *paragraphs[1:], "(Reporting by the wire desk.)"]
    feed_site.add_article(
        "syndicated", "Beijing urges trust with Washington", original.published, edited, style="ministry"
    )
    first = feed_site.add_feed("first", "rss2", ["story"])
    second = feed_site.add_feed("second", "atom", ["story-copy", "syndicated"])
    report = _monitor([first, second], _config(tmp_path))
    stored = {s.ref.rsplit("/", 1)[-1]: s for s in report.run.stored}
    assert stored["story.html"].new and not stored["story-copy.html"].new  # identical text: stored once
    assert stored["syndicated.html"].new and stored["syndicated.html"].duplicate_of is not None
    assert len(report.run.events) == 1
    assert len(env.wait_for(1)) == 1


def test_unreachable_or_empty_pages_fall_back_to_the_feed_summary(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path
) -> None:
    report = _monitor([feed_site.url(DEAD_LINK_FEED)], _config(tmp_path))
    (poll,) = report.polls
    assert poll.error is None
    assert any("HTTP 404" in reason for reason in report.page_failures.values())
    withdrawn = next(a for ref, a in _stored_articles().items() if ref.endswith("withdrawn-story.html"))
    assert withdrawn.text_source == "summary"


def test_a_feed_failing_three_times_alerts_once_and_once_when_it_recovers(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path
) -> None:
    good = feed_site.add_feed("good", "rss2", [_publish(feed_site, SEEDS / "000_fa17d5cd43c4c00b.txt")])
    feed_site.add_redirect("/feeds/flaky.xml", ERROR_FEED)
    flaky = feed_site.url("/feeds/flaky.xml")
    config = _config(tmp_path, failure_alert_after=3)
    notices = [_monitor([flaky], config).notices for _ in range(4)]
    assert [len(n) for n in notices] == [0, 0, 1, 0]
    assert notices[2][0].kind == "failing" and notices[2][0].delivered
    feed_site.add_redirect("/feeds/flaky.xml", good)
    recovered = _monitor([flaky], config).notices
    assert [n.kind for n in recovered] == ["recovered"]
    titles = [m["title"] for m in env.wait_for(3) if m["title"].startswith("newswatch:")]
    assert titles == ["newswatch: feed failing: " + flaky, "newswatch: feed recovered: " + flaky]


def test_run_command_prints_a_summary_and_exits_3_when_a_feed_fails(
    feed_site: FeedSite, env: JsonReceiver, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from newswatch.cli import ExitStatus, app

    good = feed_site.add_feed("world", "rss2", [_publish(feed_site, SEEDS / "004_ec52301a8b636dd9.txt")])
    config = _config(tmp_path)
    arguments = ["run", "--feed", good, "--feed", feed_site.url(ERROR_FEED), "--config", str(config)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == ExitStatus.PARTIAL, result.output
    assert "Feeds: 2 polled, 0 not modified, 1 failed. New articles: 1 (0 near-duplicates)." in result.output
    assert f"feed failed: {feed_site.url(ERROR_FEED)}: HTTP 500" in result.output
    assert "Alerts: 1 sent, 0 failed" in result.output
    listed = CliRunner().invoke(app, ["feeds", "--json"])
    health = {row["url"]: row for row in json.loads(listed.output)}
    assert health[good]["status"] == 200 and health[good]["entries_seen"] == 1 and health[good]["new_items"] == 1
    assert health[feed_site.url(ERROR_FEED)]["consecutive_failures"] == 1
