"""Text from strangers (feed titles, error texts, HTTP headers) is inert wherever newswatch shows it:
operator notices pass the same neutralising and escaping as alerts, on Slack, email and the console;
the terminal gets no control sequences (issue 16, rows 3 and 12)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch.app.feed_health import record_feed_health
from newswatch.app.storing import store_classifications
from newswatch.cli import app
from newswatch.config_schema import FeedConfig
from newswatch.fetch import Fetcher, FetchPolicy
from newswatch.messages import neutralise
from newswatch.notify import Channel, build_channels
from newswatch.polling import FeedPoll, poll_feed
from newswatch.seeds import read_seed_file
from newswatch.storage import feeds
from newswatch.storage.database import open_database
from tests.conftest import SEEDS
from tests.feed_site import FeedSite
from tests.notifier_servers import JsonReceiver, SmtpReceiver

INJECTION = "<!channel> <@U123> <img src=x onerror=alert(1)>"
# Window-title injection, clear screen, a C1 CSI, a bidi override, a carriage return.
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\rX"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\r")


def _hostile_poll(site: FeedSite) -> FeedPoll:
    """A real poll of a feed whose Content-Type header carries Slack and HTML markup."""
    url = site.add_raw("/hostile.xml", b"<html><body>x</body></html>", content_type=INJECTION)
    with Fetcher(FetchPolicy(allow_private_networks=True, retries=0)) as fetcher:
        poll = poll_feed(fetcher, FeedConfig(url=url, name="Hostile feed"), (None, None), 1_000_000)
    assert poll.error is not None and INJECTION in poll.error  # the attack reaches the error text
    return poll


def test_a_failing_feed_notice_is_inert_on_slack_email_and_json(
    feed_site: FeedSite, json_receiver: JsonReceiver, smtp_receiver: SmtpReceiver, sqlite_url: str
) -> None:
    plain, email = build_channels([json_receiver.url, smtp_receiver.url])
    # A Slack-style channel: the notice rendered in mrkdwn, posted to the real local receiver.
    slack = Channel("slack-style", "slack-style", url=json_receiver.url + "&format=markdown", style="slack")
    assert email.style == "html"
    notices = record_feed_health(
        open_database(sqlite_url), [_hostile_poll(feed_site)], {}, [plain, slack, email], failure_alert_after=1
    )
    assert [(n.kind, n.delivered) for n in notices] == [("failing", True)]
    for message in json_receiver.wait_for(2):
        for text in (message["title"], message["message"]):
            assert "<!channel>" not in text and "<@U123>" not in text and "<img" not in text, text
        assert "not an XML media type" in message["message"]  # the error is still told, made inert
    (mail,) = smtp_receiver.wait_for(1)
    assert mail.html is not None and "<img" not in mail.html and "<!channel>" not in mail.html
    assert "not an XML media type" in mail.html
    assert "Hostile feed" in mail.subject


def test_a_notice_on_the_console_is_inert_too(feed_site: FeedSite, sqlite_url: str) -> None:
    printed: list[str] = []
    poll = _hostile_poll(feed_site)
    poll = replace(poll, feed=FeedConfig(url=poll.feed.url, name="Title" + ESCAPES))
    console = [Channel("console", "console")]  # no URL: printed
    record_feed_health(open_database(sqlite_url), [poll], {}, console, failure_alert_after=1, echo=printed.append)
    (text,) = printed
    assert not any(c in text for c in RAW_CONTROLS), repr(text)
    assert "<!channel>" not in text


def test_neutralise_shows_control_characters_instead_of_obeying_them() -> None:
    assert not any(c in neutralise("a" + ESCAPES) for c in RAW_CONTROLS)
    assert "\\x1b]0;pwned" in neutralise(ESCAPES)
    assert neutralise("line one\n\tline two") == "line one\n\tline two"


@pytest.fixture
def hostile_database(sqlite_url: str, classifier) -> str:
    """A real SQLite database holding an article, a contact and a feed whose texts carry terminal escapes."""
    sessions = open_database(sqlite_url)
    article = read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt")
    article = replace(article, title="Title" + ESCAPES, ref="ref" + ESCAPES + ".txt")
    store_classifications(sessions, [classifier.classify(article)], [])
    with sessions.transaction() as session:
        feeds.record_feed_poll(
            session, "https://feeds.example.com/x", "Feed" + ESCAPES, status=500, error="Error" + ESCAPES
        )
    return sqlite_url


@pytest.mark.parametrize("command", [["articles"], ["contacts"], ["feeds"]], ids=" ".join)
def test_terminal_output_carries_no_control_sequences(command: list[str], hostile_database: str) -> None:
    result = CliRunner().invoke(app, [*command, "--db", hostile_database])
    assert result.exit_code == 0, result.output
    assert not any(c in result.output for c in RAW_CONTROLS), repr(result.output)
    assert "\\x1b]0;pwned\\x07" in result.output  # shown, so the operator sees something was there


@pytest.mark.parametrize("command", [["articles"], ["contacts"], ["feeds"]], ids=" ".join)
def test_json_output_is_valid_and_carries_no_control_sequences(command: list[str], hostile_database: str) -> None:
    result = CliRunner().invoke(app, [*command, "--json", "--db", hostile_database])
    assert result.exit_code == 0, result.output
    assert not any(c in result.output for c in RAW_CONTROLS), repr(result.output)
    assert any(ESCAPES in text for text in _strings(json.loads(result.output)))  # the data itself is intact


def _strings(value: object) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_classify_output_names_a_hostile_file_inertly(tmp_path: Path) -> None:
    seed = (SEEDS / "000_fa17d5cd43c4c00b.txt").read_text(encoding="utf-8")
    (tmp_path / ("x\x1b[2J\u202e.txt")).write_text(seed, encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not any(c in result.output for c in RAW_CONTROLS), repr(result.output)
    assert "\\x1b[2J" in result.output


def test_log_records_show_no_control_sequences_or_credentials() -> None:
    """What --debug prints of any library's log: as inert as newswatch's own output."""
    import logging

    from newswatch.terminal import make_log_records_safe

    make_log_records_safe()
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("tests.hostile")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("title %s from %s", "Title" + ESCAPES, "http://u:hunter2@127.0.0.1/feed")
    finally:
        logger.removeHandler(handler)
    (message,) = seen
    assert not any(c in message for c in RAW_CONTROLS) and "hunter2" not in message
    assert "http://u:***@127.0.0.1/feed" in message
