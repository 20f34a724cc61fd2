"""A feed URL with credentials (``http://user:pass@host/feed``) reaches the fetcher and nothing else:
the password is in no database, no Prefect flow-run parameter or log, no notice and no output,
even with ``--debug`` (issue 16, row 10)."""

from __future__ import annotations

import base64
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from newswatch.config_schema import FeedConfig, FeedsFile
from newswatch.environment import feed_credentials
from newswatch.storage import feeds
from newswatch.storage.database import open_database
from newswatch.urls import mask_credentials, masked_url, without_credentials
from tests.conftest import SEEDS, config_folder
from tests.feed_site import FeedSite
from tests.notifier_servers import JsonReceiver

PASSWORD = "s3cr3t-Pa55"
USER = "reader"


def _with_credentials(url: str, password: str = PASSWORD) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{USER}:{password}@{rest}"


def _basic(password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{USER}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("http://user:pass@host/feed", "http://user:***@host/feed"),
        ("https://user:p%40ss@host:8443/f?x=1", "https://user:***@host:8443/f?x=1"),
        ("https://u:p@ss@host/f", "https://u:***@host/f"),  # an unencoded @ in the password
        ("https://TOKEN123@host/feed", "https://***@host/feed"),  # a user name alone is often a token
        ("https://host/feed", "https://host/feed"),
        ("https://host/a@b", "https://host/a@b"),  # an @ in the path is not userinfo
    ],
)
def test_masked_url(url: str, masked: str) -> None:
    assert masked_url(url) == masked


def test_without_credentials() -> None:
    assert without_credentials("http://u:p@ss@host:81/a?b=1") == "http://host:81/a?b=1"
    assert without_credentials("http://host/a@b") == "http://host/a@b" and without_credentials("") == ""


def test_mask_credentials_in_free_text() -> None:
    text = 'HTTP Request: GET http://a:pw1@h/x "200"; then https://b:pw2@k:1/y, mail@example.com'
    assert (
        mask_credentials(text) == 'HTTP Request: GET http://a:***@h/x "200"; then https://b:***@k:1/y, mail@example.com'
    )


def test_a_feed_config_keeps_the_real_url_in_memory_only() -> None:
    real = "https://reader:" + PASSWORD + "@news.example.com/feed"
    (feed,) = FeedsFile.model_validate({"feeds": [{"url": real, "name": "Members"}]}).feeds
    assert feed.url == "https://reader:***@news.example.com/feed" and feed.fetch_url == real
    for shown in (repr(feed), str(feed), feed.model_dump_json(), str(feed.model_dump()), feed.label):
        assert PASSWORD not in shown
    assert pickle.loads(pickle.dumps(feed)).fetch_url == real  # a process task runner gets it in memory
    assert FeedConfig(url="https://news.example.com/feed").fetch_url == "https://news.example.com/feed"


def test_the_cli_hands_credentials_to_the_flow_outside_its_parameters() -> None:
    real = f"http://{USER}:{PASSWORD}@127.0.0.1:9/feed"
    environ = {"NEWSWATCH_FEED_CREDENTIALS": f"{real} https://plain.example.com/feed"}
    assert feed_credentials(environ) == {masked_url(real): real}


def _database_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def _prefect_records(api_url: str) -> str:
    """Everything Prefect's server holds about monitor flow runs: parameters, runs, task runs, logs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["newswatch-monitor"])))
        assert runs, "no monitor flow run recorded"
        ids = [run.id for run in runs]
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)))
    return "\n".join(
        [r.model_dump_json() for r in runs] + [t.model_dump_json() for t in tasks] + [g.model_dump_json() for g in logs]
    )


def test_run_feed_with_credentials_stores_and_shows_no_password(
    prefect_server: str, feed_site: FeedSite, json_receiver: JsonReceiver, tmp_path: Path
) -> None:
    """`newswatch run --feed URL --debug` in a subprocess on the test's Prefect server."""
    from newswatch.seeds import read_seed_file

    article = read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt")
    feed_site.add_article("story", article.title, article.published, article.text.split("\n\n"))
    good = _with_credentials(feed_site.add_feed("members", "rss2", ["story"]))
    failing = _with_credentials(feed_site.url("/feeds/no-such-feed.xml"))
    config = config_folder(tmp_path / "config", monitor={"retries": 0, "failure_alert_after": 1})
    db = tmp_path / "newswatch.db"
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_server,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1",
        "NEWSWATCH_NOTIFY": json_receiver.url,
    }
    env.pop("NEWSWATCH_FEED_CREDENTIALS", None)
    command = [sys.executable, "-m", "newswatch", "run", "--feed", good, "--feed", failing]
    command += ["--db", f"sqlite:///{db}", "--config", str(config), "--debug"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 3, output  # partial: one feed failed

    # The credentials did reach the site: the feed was fetched with them.
    feed_requests = [r for r in feed_site.requests if r.path == "/feeds/members.xml"]
    assert feed_requests and all(r.headers.get("authorization") == _basic() for r in feed_requests)
    # … and nothing else.
    assert PASSWORD not in output
    assert f"{USER}:***@" in output  # the failing feed is named, masked
    assert "HTTP Request: GET" in output  # --debug did show the framework's logs
    assert PASSWORD.encode() not in _database_bytes(db)
    with open_database(f"sqlite:///{db}").transaction() as session:
        assert sorted(f.url for f in feeds.list_feeds(session)) == sorted(map(masked_url, [good, failing]))
    assert PASSWORD not in _prefect_records(prefect_server)
    notices = [m for m in json_receiver.wait_for(2) if m["title"].startswith("newswatch: feed failing")]
    assert len(notices) == 1 and all(PASSWORD not in str(m) for m in json_receiver.messages)


RELATIVE_FEED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Members</title><link>/</link><description>d</description>
<item><title>A relative item</title><link>/articles/relative.html</link>
<description>Summary of a relative item.</description><pubDate>Tue, 16 Apr 2024 10:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_a_feed_with_credentials_in_feeds_yaml_is_fetched_with_them_and_stored_without(
    prefect_server: str, feed_site: FeedSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative links resolve against the feed's URL: its credentials must not ride along into storage."""
    url = _with_credentials(feed_site.add_raw("/feeds/relative.xml", RELATIVE_FEED))
    config = config_folder(tmp_path / "config", monitor={"retries": 0})
    (config / "feeds.yaml").write_text(
        yaml.safe_dump({"replace_shipped": True, "feeds": [{"url": url, "full_text": False}]}), encoding="utf-8"
    )
    db = tmp_path / "newswatch.db"
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("NEWSWATCH_NOTIFY", "")
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    from newswatch.flows.monitor import monitor

    report = monitor(None, str(config), ignore_intervals=True)
    assert [p.error for p in report.polls] == [None]
    assert report.run.new_articles == 1
    assert [r.headers.get("authorization") for r in feed_site.requests if r.path == "/feeds/relative.xml"] == [_basic()]
    assert PASSWORD.encode() not in _database_bytes(db)
    assert all(PASSWORD not in repr(p) for p in report.polls)
