"""``newswatch feeds``: configured and polled feeds together, ``check`` against the local news site,
``forget``, and OPML ``import``/``export`` through the user's config folder."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import listparser
import pytest
import yaml
from typer.testing import CliRunner

from newswatch.app import open_database
from newswatch.cli import ExitStatus, app
from newswatch.settings import load_settings
from newswatch.storage import feeds
from tests.feed_site import ERROR_FEED, FIXTURE_FEED, MALFORMED_FEED, NOT_FOUND_FEED, WRONG_TYPE_FEED, FeedSite

runner = CliRunner()
ONE_OFF = "https://one-off.example/feed.xml"
SHIPPED_FEEDS = yaml.safe_load((resources.files("newswatch.config") / "feeds.yaml").read_text(encoding="utf-8"))


def _config(folder: Path, feed_list: list[dict[str, object]], header: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    document = {"replace_shipped": True, "feeds": feed_list}  # these feeds only
    (folder / "feeds.yaml").write_text(header + yaml.safe_dump(document), encoding="utf-8")
    return folder


def _opml(path: Path, *outlines: str) -> Path:
    body = "".join(outlines)
    path.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>{body}</body></opml>',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def polled(tmp_path: Path, sqlite_url: str) -> tuple[Path, str]:
    """A config of two feeds, one of them polled, and a one-off feed polled and failing."""
    config = _config(
        tmp_path / "config",
        [{"url": "https://a.example/rss", "name": "Alpha"}, {"url": "https://b.example/rss", "name": "Beta"}],
    )
    with open_database(sqlite_url).transaction() as session:
        feeds.record_feed_poll(session, "https://a.example/rss", "Alpha", status=200, error=None, entries_seen=7)
        feeds.record_feed_poll(session, ONE_OFF, ONE_OFF, status=500, error="HTTP 500")
    return config, sqlite_url


@pytest.mark.parametrize("command", [["feeds", name] for name in ("check", "forget", "import", "export")], ids=" ".join)
def test_every_feeds_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Example: newswatch" in result.output, result.output


def test_feeds_lists_configured_and_polled_feeds_together(polled: tuple[Path, str]) -> None:
    config, db = polled
    result = runner.invoke(app, ["feeds", "--config", str(config), "--db", db])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Alpha: ok; last poll ") and "HTTP 200, 7 entries" in lines[0]
    assert lines[2] == "Beta: never polled"
    one_off = next(line for line in lines if line.startswith(ONE_OFF))
    assert "failing ×1: HTTP 500" in one_off and "not in feeds.yaml" in one_off and "feeds forget" in one_off


def test_feeds_json_keeps_the_health_keys_and_says_what_is_configured(polled: tuple[Path, str]) -> None:
    config, db = polled
    result = runner.invoke(app, ["feeds", "--json", "--config", str(config), "--db", db])
    rows = {row["url"]: row for row in json.loads(result.output)}
    health_keys = {"url", "name", "last_poll", "last_success", "status", "entries_seen", "new_items"}
    assert all(
        health_keys | {"consecutive_failures", "last_error", "configured", "enabled"} <= set(r) for r in rows.values()
    )
    assert rows["https://a.example/rss"]["configured"] and rows["https://a.example/rss"]["entries_seen"] == 7
    assert rows["https://b.example/rss"]["configured"] and rows["https://b.example/rss"]["last_poll"] is None
    assert not rows[ONE_OFF]["configured"] and rows[ONE_OFF]["consecutive_failures"] == 1


def test_feeds_without_a_database_lists_the_configured_feeds_and_creates_nothing(tmp_path: Path) -> None:
    config = _config(tmp_path / "config", [{"url": "https://a.example/rss", "name": "Alpha"}])
    missing = tmp_path / "nowhere" / "nw.db"
    result = runner.invoke(app, ["feeds", "--config", str(config), "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 0 and result.output.startswith("Alpha: never polled"), result.output
    assert not missing.parent.exists()


@pytest.fixture
def allow_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "1")  # the local site is on 127.0.0.1


def test_check_reports_each_feed_and_a_broken_or_missing_one(
    feed_site: FeedSite, tmp_path: Path, allow_local: None
) -> None:
    feed_site.add_article("talks", "Talks resume", dt.date(2025, 3, 4), ["First.", "Second."])
    atom = feed_site.add_feed("world-atom", "atom", ["talks"])
    urls = [feed_site.url(p) for p in (FIXTURE_FEED, ERROR_FEED, NOT_FOUND_FEED, MALFORMED_FEED)]
    config = _config(tmp_path / "config", [{"url": url} for url in [*urls, atom]])
    db = tmp_path / "nw.db"
    result = runner.invoke(app, ["feeds", "check", "--json", "--config", str(config), "--db", f"sqlite:///{db}"])
    assert result.exit_code == ExitStatus.PARTIAL, result.output
    checks = {c["url"]: c for c in json.loads(result.output)}
    fixture, error, missing, malformed = (checks[url] for url in urls)
    assert fixture["ok"] and fixture["status"] == 200 and fixture["format"] == "RSS 2.0" and fixture["entries"] == 3
    assert fixture["last_item"] is not None
    assert not error["ok"] and error["status"] == 500 and "HTTP 500" in error["error"]
    assert not missing["ok"] and missing["status"] == 404
    assert malformed["ok"] and malformed["entries"] == 1 and "malformed feed" in malformed["warning"]
    assert checks[atom]["format"] == "Atom 1.0" and checks[atom]["last_item"].startswith("2025-03-04T")
    assert not db.exists()  # nothing stored


def test_check_in_text_and_all_fine_exits_0(feed_site: FeedSite, tmp_path: Path, allow_local: None) -> None:
    result = runner.invoke(app, ["feeds", "check", feed_site.url(FIXTURE_FEED)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok   ") and "HTTP 200, RSS 2.0, 3 entries, newest 20" in result.output
    assert result.output.splitlines()[-1] == "Feeds: 1 checked, 1 ok, 0 failed."


def test_check_of_a_site_finds_its_feed_on_the_home_page(feed_site: FeedSite, allow_local: None) -> None:
    result = runner.invoke(app, ["feeds", "check", "--json", feed_site.base_url + "/"])
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.output)
    assert found["url"] == feed_site.url(FIXTURE_FEED) and found["found_on"] == feed_site.base_url + "/"
    assert found["ok"] and found["entries"] == 3


def test_check_of_a_page_linking_to_no_feed_fails_naming_it(feed_site: FeedSite, allow_local: None) -> None:
    page = feed_site.add_raw(
        "/about.html", b"<!DOCTYPE html><html><body><p>About us</p></body></html>", content_type=None
    )
    result = runner.invoke(app, ["feeds", "check", page, feed_site.url(ERROR_FEED)])
    assert result.exit_code == ExitStatus.PARTIAL
    lines = result.output.splitlines()
    assert lines[0] == f"FAIL {page}: HTTP 200: a web page, not a feed; it links to no feed"
    assert lines[2] == f"FAIL {feed_site.url(ERROR_FEED)}: HTTP 500", result.output
    assert lines[-1] == "Feeds: 2 checked, 0 ok, 2 failed."


def test_check_of_a_feed_url_serving_a_page_names_the_feeds_it_links_to(
    feed_site: FeedSite, tmp_path: Path, allow_local: None
) -> None:
    config = _config(tmp_path / "config", [{"url": feed_site.url(WRONG_TYPE_FEED), "name": "Wrong"}])
    result = runner.invoke(app, ["feeds", "check", "--config", str(config)])
    assert result.exit_code == ExitStatus.PARTIAL
    assert (
        result.output.splitlines()[0]
        == f"FAIL Wrong: HTTP 200: a web page, not a feed; it links to {feed_site.url(FIXTURE_FEED)}"
    )


def test_check_goes_through_the_address_guard(feed_site: FeedSite) -> None:
    result = runner.invoke(app, ["feeds", "check", "--json", feed_site.url(FIXTURE_FEED)])
    assert result.exit_code == ExitStatus.PARTIAL
    (refused,) = json.loads(result.output)
    assert not refused["ok"] and refused["status"] is None and "127.0.0.1" in refused["error"], refused


def test_check_refuses_a_url_that_is_not_one() -> None:
    result = runner.invoke(app, ["feeds", "check", "notaurl"])
    assert result.exit_code == ExitStatus.USAGE and "'notaurl' is not an http(s) URL" in result.output


def test_forget_drops_the_health_and_the_digests_failing_feed(polled: tuple[Path, str]) -> None:
    config, db = polled
    result = runner.invoke(app, ["feeds", "forget", ONE_OFF, "--config", str(config), "--db", db])
    assert result.exit_code == 0 and result.output == f"Forgot {ONE_OFF}: {ONE_OFF}\n", result.output
    with open_database(db).transaction() as session:
        assert feeds.failing_feeds(session) == []
        assert [f.url for f in feeds.list_feeds(session)] == ["https://a.example/rss"]
    again = runner.invoke(app, ["feeds", "forget", ONE_OFF, "--config", str(config), "--db", db])
    assert again.exit_code == ExitStatus.ERROR
    assert again.output == f"newswatch: error: no feed {ONE_OFF} in feed health (`newswatch feeds` lists them)\n"


def test_forget_of_a_configured_feed_says_it_will_be_polled_again(polled: tuple[Path, str]) -> None:
    config, db = polled
    result = runner.invoke(app, ["feeds", "forget", "https://a.example/rss", "--config", str(config), "--db", db])
    assert result.exit_code == 0 and "still in feeds.yaml" in result.output


def test_import_adds_new_feeds_keeps_the_file_and_skips_duplicates(tmp_path: Path) -> None:
    config = _config(tmp_path / "config", [{"url": "https://a.example/rss", "name": "Alpha"}], header="# my feeds\n")
    opml = _opml(
        tmp_path / "subs.opml",
        '<outline text="Alpha again" xmlUrl="https://A.example/rss#x"/>',
        '<outline text="Tech"><outline text="Gamma &amp; Co" type="rss" xmlUrl="https://g.example/feed?a=1&amp;b=2"/>'
        "</outline>",
        '<outline text="Delta" xmlUrl="https://d.example/atom"/>',
        '<outline text="Mail" xmlUrl="mailto:someone@example.com"/>',
    )
    result = runner.invoke(app, ["feeds", "import", str(opml), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "added Gamma & Co: https://g.example/feed?a=1&b=2" in result.output
    assert "added Delta: https://d.example/atom" in result.output
    assert "skipped (already in feeds.yaml): https://A.example/rss#x" in result.output
    assert "skipped (not an http(s) feed URL): mailto:someone@example.com" in result.output
    text = (config / "feeds.yaml").read_text(encoding="utf-8")
    assert text.startswith("# my feeds\n")
    names = [(f.name, f.url) for f in load_settings(config).feeds]
    assert names == [
        ("Alpha", "https://a.example/rss"),
        ("Gamma & Co", "https://g.example/feed?a=1&b=2"),
        ("Delta", "https://d.example/atom"),
    ]
    again = runner.invoke(app, ["feeds", "import", str(opml), "--config", str(config)])
    assert again.exit_code == 0 and "unchanged; 0 feed(s) added, 3 already there." in again.output
    assert (config / "feeds.yaml").read_text(encoding="utf-8") == text


def test_import_into_a_folder_without_feeds_yaml_adds_to_the_shipped_list(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    opml = _opml(tmp_path / "subs.opml", '<outline text="Delta" xmlUrl="https://d.example/atom"/>')
    result = runner.invoke(app, ["feeds", "import", str(opml), "--config", str(config)])
    assert result.exit_code == 0 and "feeds.yaml: created; 1 feed(s) added" in result.output, result.output
    urls = [f.url for f in load_settings(config).feeds]
    assert urls == [f["url"] for f in SHIPPED_FEEDS["feeds"]] + ["https://d.example/atom"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not xml at all", "not an OPML file"),
        ('<opml version="2.0"><body><outline text="folder"/></body></opml>', "no feed"),
    ],
)
def test_import_of_a_file_that_is_no_subscription_list_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "bad.opml").write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["feeds", "import", str(tmp_path / "bad.opml"), "--config", str(tmp_path)])
    assert result.exit_code == ExitStatus.ERROR and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"newswatch: error: {tmp_path / 'bad.opml'}: ") and message in result.output
    assert not (tmp_path / "feeds.yaml").exists()


def test_import_needs_a_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWATCH_CONFIG_DIR", raising=False)
    opml = _opml(tmp_path / "subs.opml", '<outline text="Delta" xmlUrl="https://d.example/atom"/>')
    result = runner.invoke(app, ["feeds", "import", str(opml)])
    assert result.exit_code == ExitStatus.ERROR and "give --config DIR" in result.output


def test_export_writes_the_enabled_feeds_as_opml_without_credentials(tmp_path: Path) -> None:
    config = _config(
        tmp_path / "config",
        [
            {"url": "https://a.example/rss?x=1&y=2", "name": "Alpha <&>"},
            {"url": "https://user:secret@members.example/feed", "name": "Members"},
            {"url": "https://off.example/rss", "enabled": False},
        ],
    )
    out = tmp_path / "feeds.opml"
    result = runner.invoke(app, ["feeds", "export", str(out), "--config", str(config)])
    assert result.exit_code == 0 and "2 feed(s) written" in result.output, result.output
    assert "1 feed(s) listed without their credentials" in result.output
    document = out.read_bytes()
    assert b"secret" not in document
    parsed = listparser.parse(document)
    assert parsed.version == "opml2"
    assert [(f.url, f.title) for f in parsed.feeds] == [
        ("https://a.example/rss?x=1&y=2", "Alpha <&>"),
        ("https://members.example/feed", "Members"),
    ]
    # and back: an import of the export adds the same feeds to an empty folder's list
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "feeds.yaml").write_text("replace_shipped: true\nfeeds: []\n", encoding="utf-8")
    runner.invoke(app, ["feeds", "import", str(out), "--config", str(tmp_path / "other")])
    assert [f.url for f in load_settings(tmp_path / "other").feeds] == [f.url for f in parsed.feeds]


def test_export_to_stdout(tmp_path: Path) -> None:
    config = _config(tmp_path / "config", [{"url": "https://a.example/rss", "name": "Alpha"}])
    result = runner.invoke(app, ["feeds", "export", "--config", str(config)])
    assert result.exit_code == 0 and result.output.startswith("<?xml version='1.0' encoding='utf-8'?>\n<opml")
    assert '<outline type="rss" text="Alpha" title="Alpha" xmlUrl="https://a.example/rss" />' in result.output
