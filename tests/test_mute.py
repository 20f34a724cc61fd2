"""Muting on a real SQLite file and a real PostgreSQL, with a real HTTP endpoint (json://) and a real
SMTP server: a muted topic or event is still stored and classified, but nothing is sent about it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from newswatch.app.alerting import deliver_alerts
from newswatch.app.digests import prepare_digest
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.cli import ExitStatus, app
from newswatch.model import Article, Classification, Contact, Mutes, Participant, TopicScore
from newswatch.notify import build_channels
from newswatch.routing import routing_for
from newswatch.seeds import read_seed_file
from newswatch.settings import Settings
from newswatch.storage import events, mutes
from newswatch.storage.database import Database, open_database
from newswatch.storage.models import AlertRow, ArticleRow, ContactEventRow, TopicMatchRow
from tests.conftest import SEEDS
from tests.notifier_servers import JsonReceiver, SmtpReceiver

BROWN_LIU = SEEDS / "004_ec52301a8b636dd9.txt"
AUSTIN_DONG = SEEDS / "000_fa17d5cd43c4c00b.txt"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _count(sessions: Database, model: type) -> int:
    with sessions.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_muted_topic_is_stored_and_classified_but_sends_nothing(
    database_url: str, json_receiver: JsonReceiver, settings: Settings, classifier: Classifier
) -> None:
    sessions = open_database(database_url)
    channels = build_channels([json_receiver.url])
    item = classifier.classify(read_seed_file(BROWN_LIU))
    with sessions.transaction() as session:
        for topic in item.matched_topics:  # every topic this contact is about
            mutes.set_mute(session, "topic", topic, None)
    (stored,) = store_classifications(sessions, [item], channels, routing=routing_for(settings))
    assert stored.new and stored.new_event and stored.muted
    assert (_count(sessions, ArticleRow), _count(sessions, TopicMatchRow), _count(sessions, ContactEventRow)) == (
        1,
        3,
        1,
    )
    assert _count(sessions, AlertRow) == 0 and deliver_alerts(sessions, channels, settings) == []
    assert prepare_digest(sessions, channels, settings).digest is None  # nothing unmuted is new
    assert json_receiver.messages == []

    with sessions.transaction() as session:
        for topic in item.matched_topics:
            mutes.remove_mute(session, "topic", topic)
    (other,) = store_classifications(
        sessions, [classifier.classify(read_seed_file(AUSTIN_DONG))], channels, routing=routing_for(settings)
    )
    assert not other.muted and [d.delivered for d in deliver_alerts(sessions, channels, settings)] == [True]
    assert json_receiver.wait_for(1)[0]["title"].startswith("US–China military contact: Lloyd Austin – Dong Jun")


def test_a_contact_about_a_muted_topic_and_another_still_alerts_but_not_because_of_the_muted_one(
    database_url: str,
    json_receiver: JsonReceiver,
    smtp_receiver: SmtpReceiver,
    settings: Settings,
    classifier: Classifier,
) -> None:
    """The email channel is named `taiwan`, a topic id: it only receives what is about Taiwan."""
    sessions = open_database(database_url)
    channels = build_channels([json_receiver.url, f"taiwan={smtp_receiver.url}"])
    with sessions.transaction() as session:
        mutes.set_mute(session, "topic", "taiwan", None)
    item = classifier.classify(read_seed_file(AUSTIN_DONG))
    assert "taiwan" in item.matched_topics and len(item.matched_topics) > 1
    (stored,) = store_classifications(sessions, [item], channels, routing=routing_for(settings))
    assert not stored.muted
    assert [d.channel for d in deliver_alerts(sessions, channels, settings)] == [channels[0].label]
    assert len(json_receiver.wait_for(1)) == 1 and smtp_receiver.messages == []

    plan = prepare_digest(sessions, channels, settings)
    assert plan.digest is not None and plan.queued == (channels[0].label,)
    assert [t.topic for t in plan.digest.topics] == ["us-china-military", "south-china-sea"]
    assert set(plan.digest.contacts[0].topics) == {"us-china-military", "south-china-sea"}


def _report(ref: str, day: str, status: str) -> Classification:
    austin = Participant("lloyd-austin", "Lloyd Austin", "us", "Secretary of Defense", "us-secdef")
    dong = Participant("dong-jun", "Dong Jun", "cn", "Minister of National Defense", "cn-defmin")
    published = dt.date.fromisoformat(day)
    article = Article(ref=ref, published=published, text=f"{ref}: Austin and Dong, {status}.", title=ref)
    contact = Contact(dt.date(2024, 5, 31), "meeting", (austin, dong), "Singapore", status=status)  # type: ignore[arg-type]
    return Classification(article, (TopicScore("us-china-military", 10, True),), contact)


@pytest.mark.parametrize("muted", [True, False], ids=["muted", "not muted"])
def test_a_muted_event_s_follow_ups_send_nothing(
    muted: bool, database_url: str, json_receiver: JsonReceiver, settings: Settings
) -> None:
    """An announced meeting, then the report that it was held: that follow-up alerts, unless the
    event is muted. The event is updated either way."""
    sessions = open_database(database_url)
    channels = build_channels([json_receiver.url])
    routing = routing_for(settings)
    (announced,) = store_classifications(sessions, [_report("announce.txt", "2024-05-29", "planned")], channels)
    assert announced.event_id is not None and _count(sessions, AlertRow) == 0
    if muted:
        with sessions.transaction() as session:
            mutes.set_mute(session, "event", str(announced.event_id), None)
    (held,) = store_classifications(sessions, [_report("held.txt", "2024-05-31", "held")], channels, routing=routing)
    assert held.event_id == announced.event_id and held.new_event and held.muted == muted
    with sessions.transaction() as session:
        assert events.get_event(session, announced.event_id).status == "held"
    deliveries = deliver_alerts(sessions, channels, settings)
    assert len(deliveries) == (0 if muted else 1)
    plan = prepare_digest(sessions, channels, settings)
    assert plan.digest is not None and len(plan.digest.contacts) == (0 if muted else 1)


def test_a_mute_ends_at_its_until_and_muting_again_replaces_it(database_url: str) -> None:
    sessions = open_database(database_url)
    with sessions.transaction() as session:
        mutes.set_mute(session, "topic", "taiwan", NOW + dt.timedelta(hours=1))
        mutes.set_mute(session, "event", "5", None)
    with sessions.transaction() as session:
        assert mutes.active_mutes(session, NOW) == Mutes(frozenset({"taiwan"}), frozenset({5}))
        assert mutes.active_mutes(session, NOW + dt.timedelta(hours=2)) == Mutes(events=frozenset({5}))
        mutes.set_mute(session, "topic", "taiwan", None)
    with sessions.transaction() as session:
        assert mutes.active_mutes(session, NOW + dt.timedelta(hours=2)).topics == frozenset({"taiwan"})
        assert [(m.kind, m.target, m.until) for m in mutes.list_mutes(session, NOW)] == [
            ("event", "5", None),
            ("topic", "taiwan", None),
        ]


def test_mute_commands(sqlite_url: str, classifier: Classifier) -> None:
    runner = CliRunner()
    open_database(sqlite_url)  # (`mutes` only reads: it creates no database)
    assert runner.invoke(app, ["mutes", "--db", sqlite_url]).output == "Nothing is muted.\n"
    muted = runner.invoke(app, ["mute", "topic", "taiwan", "--until", "2099-01-01", "--db", sqlite_url])
    assert muted.exit_code == 0, muted.output
    assert muted.output.startswith("Muted topic taiwan until 2099-01-01 00:00 UTC")
    listed = json.loads(runner.invoke(app, ["mutes", "--json", "--db", sqlite_url]).output)
    assert [(m["kind"], m["target"], m["until"], m["active"]) for m in listed] == [
        ("topic", "taiwan", "2099-01-01T00:00:00+00:00", True)
    ]

    unknown = runner.invoke(app, ["mute", "topic", "korea", "--db", sqlite_url])
    assert unknown.exit_code == ExitStatus.ERROR and "no topic 'korea' in topics.yaml" in unknown.output
    missing = runner.invoke(app, ["mute", "event", "1", "--db", sqlite_url])
    assert missing.exit_code == ExitStatus.ERROR and "no event #1" in missing.output
    past = runner.invoke(app, ["mute", "topic", "taiwan", "--until", "2001-01-01", "--db", sqlite_url])
    assert past.exit_code == ExitStatus.USAGE and "is past" in past.output

    (stored,) = store_classifications(open_database(sqlite_url), [classifier.classify(read_seed_file(BROWN_LIU))], [])
    assert runner.invoke(app, ["mute", "event", str(stored.event_id), "--db", sqlite_url]).exit_code == 0
    assert f"event #{stored.event_id}: muted until unmuted" in runner.invoke(app, ["mutes", "--db", sqlite_url]).output

    assert runner.invoke(app, ["unmute", "topic", "taiwan", "--db", sqlite_url]).output == "Unmuted topic taiwan.\n"
    assert (
        runner.invoke(app, ["unmute", "topic", "taiwan", "--db", sqlite_url]).output == "Topic taiwan was not muted.\n"
    )
    assert runner.invoke(app, ["unmute", "event", str(stored.event_id), "--db", sqlite_url]).exit_code == 0
    assert runner.invoke(app, ["mutes", "--db", sqlite_url]).output == "Nothing is muted.\n"
