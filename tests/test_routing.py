"""Routes: contacts, digests (per topic) and feed notices to the channels whose tags a route names,
checked as rules and end to end with a real HTTP endpoint (json://) and a real SMTP server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newswatch.app.alerting import deliver_alerts
from newswatch.app.digests import prepare_digest
from newswatch.app.feed_health import record_feed_health
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.config_schema import FeedConfig
from newswatch.errors import ConfigError
from newswatch.notify import CONSOLE, Channel, build_channels
from newswatch.polling import FeedPoll
from newswatch.routing import Routing, routing_for
from newswatch.seeds import read_seed_file, read_seed_files
from newswatch.settings import load_settings
from newswatch.storage.database import open_database
from tests.conftest import SEEDS, config_folder
from tests.notifier_servers import JsonReceiver, SmtpReceiver

OWN_CORPUS = Path(__file__).parent / "corpus"
TOPICS = ("us-china-military", "taiwan", "south-china-sea")


def _channel(name: str, *tags: str) -> Channel:
    return Channel(f"name:{name}", name, frozenset({name, *tags}), f"json://127.0.0.1/{name}")


SLACK, EMAIL, OPS = _channel("slack"), _channel("email"), _channel("ops")
ALL = [SLACK, EMAIL, OPS]


def test_routes_send_each_kind_and_topic_to_the_channels_they_name() -> None:
    routing = Routing.from_config(
        {"contacts": ["slack", "email"], "digest.taiwan": ["email"], "feeds": ["ops"], "digest.south-china-sea": []},
        TOPICS,
    )
    assert routing.recipients(ALL, "contacts", ["us-china-military"]) == [SLACK, EMAIL]
    assert routing.recipients(ALL, "contacts", []) == [SLACK, EMAIL]
    assert routing.recipients(ALL, "digest", ["taiwan"]) == [EMAIL]
    assert routing.recipients(ALL, "digest", ["us-china-military"]) == ALL  # no route: every channel
    assert routing.recipients(ALL, "digest", ["taiwan", "us-china-military"]) == ALL  # any of its topics routes
    assert routing.recipients(ALL, "digest", ["south-china-sea"]) == []  # an empty route: nobody
    assert routing.recipients(ALL, "feeds") == [OPS]
    assert routing.recipients([CONSOLE], "feeds") == [CONSOLE]  # no channel configured: the console shows all


def test_without_routes_a_tag_that_is_a_topic_id_restricts_a_channel_to_that_topic() -> None:
    desk = _channel("desk", "taiwan")
    routing = Routing.from_config({}, TOPICS)
    assert routing.recipients([SLACK, desk], "contacts", ["taiwan", "us-china-military"]) == [SLACK, desk]
    assert routing.recipients([SLACK, desk], "contacts", ["south-china-sea"]) == [SLACK]
    assert routing.recipients([SLACK, desk], "contacts", []) == [SLACK]
    assert routing.recipients([SLACK, desk], "feeds") == [SLACK, desk]  # feed notices are about no topic


def test_a_named_channel_is_tagged_with_its_name() -> None:
    (named, bare) = build_channels(["email=json://127.0.0.1:9/a", "json://127.0.0.1:9/b"])
    assert named.tags == frozenset({"email"}) and bare.tags == frozenset()


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ({"digests": ["email"]}, "'digests' is not a route"),
        ({"feeds.taiwan": ["email"]}, "'feeds.taiwan' is not a route"),
        ({"digest.korea": ["email"]}, "notifications.routes: digest.korea: no topic 'korea' in topics.yaml"),
    ],
)
def test_a_bad_route_is_a_config_error_naming_the_file(tmp_path: Path, routes: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(config_folder(tmp_path, notifications={"routes": routes}))
    assert "newswatch.yaml" in str(info.value) and expected in str(info.value)


def test_routed_messages_reach_only_their_channels(
    database_url: str, json_receiver: JsonReceiver, smtp_receiver: SmtpReceiver, tmp_path: Path, classifier: Classifier
) -> None:
    """Contacts to Slack and email, the Taiwan topic's digest and feed notices to email only
    (the JSON endpoint stands in for Slack)."""
    settings = load_settings(
        config_folder(
            tmp_path / "config",
            notifications={"routes": {"contacts": ["slack", "email"], "digest.taiwan": ["email"], "feeds": ["email"]}},
        )
    )
    routing = routing_for(settings)
    channels = build_channels([f"slack={json_receiver.url}", f"email={smtp_receiver.url}"])
    sessions = open_database(database_url)

    # Only a Taiwan article is new: its digest goes to email, and the JSON endpoint gets nothing.
    taiwan = classifier.classify(read_seed_file(OWN_CORPUS / "nw_017.txt"))
    assert taiwan.matched_topics == ("taiwan",) and taiwan.contact is None
    store_classifications(sessions, [taiwan], channels, routing=routing)
    plan = prepare_digest(sessions, channels, settings)
    assert plan.queued == (channels[1].label,)
    assert [d.channel for d in deliver_alerts(sessions, channels, settings)] == [channels[1].label]
    (digest,) = smtp_receiver.wait_for(1)
    assert digest.subject.startswith("newswatch digest") and "<li>Taiwan: 1</li>" in (digest.html or "")
    assert json_receiver.messages == []

    # Feed notices: email only.
    failing = FeedPoll(FeedConfig(url="https://feeds.example.com/rss", name="Example"), 503, error="HTTP 503")
    (notice,) = record_feed_health(sessions, [failing], {}, channels, 1, routing=routing)
    assert notice.delivered and smtp_receiver.wait_for(2)[1].subject == "newswatch: feed failing: Example"
    assert json_receiver.messages == []

    # Contacts: both.
    articles, _ = read_seed_files([SEEDS])
    store_classifications(sessions, [classifier.classify(a) for a in articles], channels, routing=routing)
    deliveries = deliver_alerts(sessions, channels, settings)
    assert len(deliveries) == 4 and all(d.delivered and d.kind == "contact" for d in deliveries)
    assert len(json_receiver.wait_for(2)) == 2 and len(smtp_receiver.wait_for(4)) == 4

    # The next digest goes to both; the JSON endpoint's copy leaves out the Taiwan section.
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert prepare_digest(sessions, channels, settings, now=tomorrow).queued == tuple(c.label for c in channels)
    assert len(deliver_alerts(sessions, channels, settings)) == 2
    slack_digest = json_receiver.wait_for(3)[2]["message"]
    email_digest = smtp_receiver.wait_for(5)[4].html or ""
    assert "New contacts (2):" in slack_digest and "<h3>New contacts (2)</h3>" in email_digest
    assert (
        "US–China military relations: 2" in slack_digest and "Taiwan" not in slack_digest.split("Articles per topic")[1]
    )
    assert "<li>Taiwan: 2</li>" in email_digest
