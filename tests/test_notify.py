"""Alert rendering, channels built from URLs (secrets masked) and delivery to real local servers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newswatch.errors import ConfigError, NotificationError
from newswatch.messages import render_alert
from newswatch.model import Participant, StoredEvent
from newswatch.notify import build_channels, send
from newswatch.routing import Routing
from newswatch.settings import Settings
from tests.conftest import with_alert_settings
from tests.notifier_servers import JsonReceiver, SmtpReceiver
from tests.samples import SAMPLE_EVENT

EVENT = StoredEvent(
    id=7,
    date=dt.date(2024, 4, 16),
    mode="video_call",
    location=None,
    participants=(
        Participant("lloyd-austin", "Lloyd Austin", "us", "Secretary of Defense", "us-secdef"),
        Participant("dong-jun", "Dong Jun", "cn", "Minister of National Defense", "cn-defmin"),
    ),
    topics=("taiwan", "us-china-military"),
    evidence=("Dong Jun told US counterpart Lloyd Austin on Tuesday, according to a Beijing readout.",),
    articles=(("000_fa17d5cd43c4c00b.txt", "China has said its defence minister…", dt.date(2024, 4, 17)),),
)


def test_alert_title_and_body(settings: Settings) -> None:
    title, body = render_alert(EVENT, settings.core.countries, settings.core.tracked_pair)
    assert title == "US–China military contact: Lloyd Austin – Dong Jun (video call, 2024-04-16)"
    for expected in (
        "Lloyd Austin, Secretary of Defense (United States)",
        "Dong Jun, Minister of National Defense (China)",
        "Mode:       video call",
        "Date:       2024-04-16",
        "Location:   not stated",
        "Topics:     taiwan, us-china-military",  # no names given: the ids
        "Confidence: 1.00, high (stated in the lead, with names and date); independent sources: 1",
        "Dong Jun told US counterpart Lloyd Austin",
        "  - China has said its defence minister… (2024-04-17)\n    000_fa17d5cd43c4c00b.txt",
        "To mute: `newswatch mute event 7` (its follow-ups), `newswatch mute topic taiwan` (taiwan)",
    ):
        assert expected in body
    assert "detected" not in body  # an event not stored yet has no detection time


def test_channels_mask_secrets_and_keep_tags(tmp_path: Path) -> None:
    config = tmp_path / "apprise.yml"
    config.write_text("urls:\n  - json://127.0.0.1:9/hook:\n      tag: taiwan\n", encoding="utf-8")
    channels = build_channels(["mailto://user:hunter2@127.0.0.1:25?from=nw@example.com&to=a@example.com"], config)
    assert len(channels) == 2
    assert "hunter2" not in channels[0].label and "127.0.0.1" in channels[0].label
    assert channels[1].tags == frozenset({"taiwan"})
    # With no routes configured, a tag that is a topic id restricts the channel to that topic.
    routing = Routing(topic_ids=frozenset({"taiwan", "us-china-military", "south-china-sea"}))
    assert routing.receives(channels[1], "contacts", ["taiwan", "us-china-military"])
    assert not routing.receives(channels[1], "contacts", ["south-china-sea"])
    assert routing.receives(channels[0], "contacts", ["anything"])


def test_a_url_apprise_does_not_know_is_a_config_error_without_the_secret() -> None:
    with pytest.raises(ConfigError) as info:
        build_channels(["nosuchscheme://token-s3cret@example.com"])
    assert "s3cret" not in str(info.value)
    assert "nosuchscheme" in str(info.value)


def test_send_reaches_a_local_http_endpoint_and_smtp_server(
    json_receiver: JsonReceiver, smtp_receiver: SmtpReceiver
) -> None:
    for channel in build_channels([json_receiver.url, smtp_receiver.url]):
        send(channel, "a title", "line one\nline two")
    assert json_receiver.wait_for(1) and smtp_receiver.wait_for(1)
    assert json_receiver.messages[0]["title"] == "a title"
    assert json_receiver.messages[0]["message"] == "line one\nline two"
    assert smtp_receiver.messages[0].subject == "a title"
    assert smtp_receiver.messages[0].text is not None and "line two" in smtp_receiver.messages[0].text


def test_a_failing_endpoint_raises_naming_the_masked_url(json_receiver: JsonReceiver) -> None:
    json_receiver.fail_with(500)
    (channel,) = build_channels([json_receiver.url])
    with pytest.raises(NotificationError) as info:
        send(channel, "t", "b")
    assert str(info.value).startswith(channel.label)
    assert "delivery failed" in str(info.value)


def test_article_text_cannot_inject_markup_or_mass_mentions(settings: Settings) -> None:
    from dataclasses import replace

    from newswatch.messages import neutralise

    hostile = replace(EVENT, evidence=("Austin met Dong <!channel> <@U024BE7LH> @here <script>x</script> & co.",))
    _, body = render_alert(hostile, settings.core.countries, settings.core.tracked_pair)
    assert "<" not in body and ">" not in body
    assert "@here" not in body and "@\u200bhere" in body
    assert neutralise("a < b & c > d") == "a ‹ b & c › d"


def test_long_bodies_are_cut_to_the_channel_limit_with_a_link() -> None:
    from newswatch.notify import fit

    body = "Participants:\n" + "\n".join(f"  - line {i} with some words" for i in range(200))
    cut = fit(body, 300, "https://news.example.com/story")
    assert len(cut) <= 300
    assert cut.endswith("… (truncated; full text: https://news.example.com/story)")
    assert fit("short", 300, None) == "short"


def test_html_email_receives_escaped_article_text(smtp_receiver: SmtpReceiver, settings: Settings) -> None:
    from dataclasses import replace

    (channel,) = build_channels([smtp_receiver.url])
    assert channel.style == "html"
    hostile = replace(EVENT, evidence=("Austin met Dong: a <b>bold</b> claim & co.",))
    title, body = render_alert(hostile, settings.core.countries, settings.core.tracked_pair, channel.style)
    send(channel, title, body)
    (message,) = smtp_receiver.wait_for(1)
    assert (
        message.html is not None
        and "<strong>Lloyd Austin</strong>, Secretary of Defense (United States)</td>" in message.html
    )
    assert "<b>bold</b>" not in message.html and "‹b›bold‹/b›" in message.html
    assert "claim &amp; co." in message.html
    assert message.text is not None and "Lloyd Austin, Secretary of Defense (United States)" in message.text


def test_an_html_email_is_a_styled_document_with_our_own_text_part(
    smtp_receiver: SmtpReceiver, settings: Settings
) -> None:
    """apprise would derive the text part from the HTML; the plain-text rendering is sent instead."""
    (channel,) = build_channels([smtp_receiver.url])
    names = {t.id: t.name for t in settings.topics}
    title, html = render_alert(SAMPLE_EVENT, settings.core.countries, ("us", "cn"), "html", topic_names=names)
    _, text = render_alert(SAMPLE_EVENT, settings.core.countries, ("us", "cn"), "text", topic_names=names)
    send(channel, title, html, text=text)
    (message,) = smtp_receiver.wait_for(1)
    assert message.message.get_content_type() == "multipart/alternative"
    assert message.text is not None and message.text.strip() == text.strip()
    assert message.html is not None and message.html.lstrip().startswith("<!DOCTYPE html>")
    assert message.html.rstrip().endswith("</html>") and 'style="' in message.html
    for external in ("src=", "<link", "url(", "@import", "<script"):
        assert external not in message.html  # self-contained: nothing to fetch
    assert '<a href="https://news.example.com/a" style="color:#0969da;">Austin and Dong talk</a>' in message.html
    assert "detected 2024-04-17 09:12 UTC" in message.html and "newswatch mute event 1" in message.html
    # Without a text of ours, apprise derives one as before.
    send(channel, title, html)
    derived = smtp_receiver.wait_for(2)[1].text
    assert derived is not None and derived.strip() != text.strip() and "Lloyd Austin" in derived


def test_slack_gets_sources_as_titled_links_escaped_once(
    json_receiver: JsonReceiver, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through apprise's real Slack plugin, pointed at the local receiver instead of hooks.slack.com."""
    from dataclasses import replace

    from apprise.plugins.slack import NotifySlack

    monkeypatch.setattr(NotifySlack, "webhook_url", f"http://{json_receiver.host}:{json_receiver.port}/services")
    article = ("https://news.example.com/a?x=1&y=2", "Austin & Dong talk <again>", dt.date(2024, 4, 17))
    event = replace(SAMPLE_EVENT, articles=(article,), quotes=())
    (channel,) = build_channels(["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general"])
    title, body = render_alert(event, settings.core.countries, ("us", "cn"), channel.style)
    assert "• <https://news.example.com/a?x=1&amp;y=2|Austin &amp; Dong talk ‹again›>" in body
    with pytest.raises(NotificationError):  # the receiver answers "{}" where Slack answers "ok"
        send(channel, title, body)
    (request,) = json_receiver.requests
    assert request.path == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
    sent = request.body["attachments"][0]["text"]
    assert "<https://news.example.com/a?x=1&y=2|Austin &amp; Dong talk ‹again›> (news.example.com, 2024-04-17)" in sent
    assert "&amp;amp;" not in sent and "&lt;http" not in sent


def test_slack_links_keep_their_delimiters_out_of_urls_and_text() -> None:
    from newswatch.templates import slack_link

    assert (
        slack_link("https://a.example/x|y z>", "a | b > c & d")
        == "<https://a.example/x%7Cy%20z%3E|a | b &gt; c &amp; d>"
    )
    assert slack_link(None, "seed.txt & co") == "seed.txt &amp; co"


def test_a_named_channel_whose_url_changed_gets_its_pending_alerts(
    json_receiver: JsonReceiver, sqlite_url: str, settings: Settings, classifier
) -> None:
    """Alerts are queued per channel; naming it (`ops=URL`) keeps them when the URL changes, as
    when a token is rotated after deliveries failed."""
    from newswatch.app.alerting import deliver_alerts
    from newswatch.app.storing import store_classifications
    from newswatch.seeds import read_seed_files
    from newswatch.storage.database import open_database
    from tests.conftest import SEEDS

    now_settings = with_alert_settings(settings, retry_base_seconds=0)
    sessions = open_database(sqlite_url)
    articles, _ = read_seed_files([SEEDS])
    old = build_channels(["ops=json://127.0.0.1:9/retired?cto=1"])
    store_classifications(sessions, [classifier.classify(a) for a in articles], old)
    assert [d.delivered for d in deliver_alerts(sessions, old, now_settings)] == [False, False]
    rotated = build_channels([f"ops={json_receiver.url}"])
    assert rotated[0].fingerprint == old[0].fingerprint == "name:ops"
    assert [d.delivered for d in deliver_alerts(sessions, rotated, now_settings)] == [True, True]
    assert len(json_receiver.wait_for(2)) == 2


def test_an_smtp_server_that_drops_the_connection_is_retried_and_delivered_once(
    smtp_receiver: SmtpReceiver, sqlite_url: str, settings: Settings, classifier
) -> None:
    from newswatch.app.alerting import deliver_alerts
    from newswatch.app.storing import store_classifications
    from newswatch.seeds import read_seed_file
    from newswatch.storage.database import open_database
    from tests.conftest import SEEDS

    now_settings = with_alert_settings(settings, retry_base_seconds=0)
    sessions = open_database(sqlite_url)
    channels = build_channels([smtp_receiver.url])
    store_classifications(sessions, [classifier.classify(read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt"))], channels)
    smtp_receiver.drop_connections = True
    (failed,) = deliver_alerts(sessions, channels, now_settings)
    assert not failed.delivered and failed.status == "failed" and smtp_receiver.messages == []
    smtp_receiver.drop_connections = False
    (delivered,) = deliver_alerts(sessions, channels, now_settings)
    assert delivered.delivered
    assert len(smtp_receiver.wait_for(1)) == 1
    assert deliver_alerts(sessions, channels, now_settings) == []


def test_an_alert_quotes_the_contact_with_its_source_and_supporting_sentences(settings: Settings) -> None:
    from dataclasses import replace

    from newswatch.messages import alert_context
    from newswatch.model import Quote

    quotes = (
        Quote(
            "Austin and Dong held a video call on Tuesday.",
            "https://a.example.com/1",
            "Chiefs talk",
            dt.date(2024, 4, 17),
        ),
        Quote("The two ministers spoke by video.", "https://b.example.com/2", "Video call", dt.date(2024, 4, 17)),
        Quote("Dong told Austin the PLA would not stand by.", "seeds/c.txt", "Readout", dt.date(2024, 4, 18)),
    )
    event = replace(EVENT, quotes=quotes)
    context = alert_context(event, settings.core.countries, settings.core.tracked_pair)["event"]
    assert context["evidence"] == quotes[0].text
    assert context["evidence_source"]["url"] == "https://a.example.com/1"
    assert [q["text"] for q in context["supporting"]] == [quotes[1].text, quotes[2].text]
    assert context["supporting"][1]["url"] is None  # a file, not a link
    for style in ("text", "slack", "html"):
        _, body = render_alert(event, settings.core.countries, settings.core.tracked_pair, style)
        assert "Also reported" in body and "Video call" in body and "Readout" in body, style
        assert "Chiefs talk" in body
