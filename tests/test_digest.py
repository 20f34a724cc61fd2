"""Digests on a real SQLite file and a real PostgreSQL, delivered to a real SMTP server (apprise
mailto://) and a real HTTP endpoint (apprise json://): what they say, once per period and channel,
skipped when nothing is new, retried when they fail; their periods and schedules."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from newswatch.app.alerting import deliver_alerts
from newswatch.app.digests import prepare_digest
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.cli import app
from newswatch.config_schema import DigestSettings
from newswatch.digest import EPOCH, period_key, period_start
from newswatch.notify import build_channels
from newswatch.seeds import read_seed_files
from newswatch.settings import Settings
from newswatch.storage import feeds
from newswatch.storage.database import Database, open_database
from newswatch.storage.models import AlertRow, DigestRow
from tests.conftest import SEEDS, config_folder, with_alert_settings
from tests.notifier_servers import JsonReceiver, SmtpReceiver

OWN_CORPUS = Path(__file__).parent / "corpus"
TOMORROW = dt.timedelta(days=1)


def _store(sessions: Database, classifier: Classifier, paths: list[Path]) -> None:
    """Store articles without queuing contact alerts (no channels): only digests are sent here."""
    articles, _ = read_seed_files(paths)
    store_classifications(sessions, [classifier.classify(a) for a in articles], [])


def _count(sessions: Database, model: type) -> int:
    with sessions.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("now", "every_hours", "daily_at", "zone", "expected"),
    [
        ("2026-11-22 07:59", None, "08:00", "UTC", "2026-11-21T08:00Z"),
        ("2026-11-22 08:00", None, "08:00", "UTC", "2026-11-22T08:00Z"),
        ("2026-11-22 01:00", None, "08:00", "Asia/Shanghai", "2026-11-22T00:00Z"),
        ("2026-03-29 07:00", None, "08:00", "Europe/Paris", "2026-03-29T06:00Z"),  # summer time began that night
        ("2026-03-29 05:59", None, "08:00", "Europe/Paris", "2026-03-28T07:00Z"),
        ("2026-11-22 13:05", 6, "08:00", "UTC", "2026-11-22T12:00Z"),
        ("2026-11-22 11:59", 6, "08:00", "UTC", "2026-11-22T06:00Z"),
    ],
)
def test_the_period_a_moment_is_in(
    now: str, every_hours: float | None, daily_at: str, zone: str, expected: str
) -> None:
    assert period_key(period_start(_utc(now), every_hours, daily_at, zone)) == expected


@pytest.mark.parametrize(
    ("digest", "expected"),
    [
        ({"timezone": "Mars/Olympus"}, "digest.timezone: Value error, unknown time zone 'Mars/Olympus'"),
        ({"daily_at": "25:00"}, "digest.daily_at: String should match pattern"),
        ({"daily_at": 750}, 'digest.daily_at: Value error, write the time in quotes, e.g. "12:30"'),
        ({"every_hours": 0}, "digest.every_hours: Input should be greater than 0"),
    ],
)
def test_digest_settings_errors_name_file_and_field(tmp_path: Path, digest: dict, expected: str) -> None:
    from newswatch.errors import ConfigError
    from newswatch.settings import load_settings

    with pytest.raises(ConfigError) as info:
        load_settings(config_folder(tmp_path, digest=digest))
    assert f"{tmp_path / 'newswatch.yaml'}: {expected}" in str(info.value)


def test_the_digest_reaches_email_with_contacts_topics_and_failing_feeds(
    database_url: str, smtp_receiver: SmtpReceiver, settings: Settings, classifier: Classifier
) -> None:
    sessions = open_database(database_url)
    channels = build_channels([smtp_receiver.url])
    _store(sessions, classifier, [SEEDS, OWN_CORPUS / "nw_016.txt"])  # two contacts and an announced meeting
    with sessions.transaction() as session:
        feeds.record_feed_poll(session, "https://feeds.example.com/rss", "Example feed", status=503, error="HTTP 503")
    plan = prepare_digest(sessions, channels, settings)
    assert plan.digest is not None and plan.queued == (channels[0].label,) and not plan.existed
    (delivery,) = deliver_alerts(sessions, channels, settings, kinds=["digest"])
    assert delivery.delivered and delivery.kind == "digest" and delivery.event_id is None
    (mail,) = smtp_receiver.wait_for(1)
    assert mail.subject.startswith(f"newswatch digest {plan.period[:10]} 08:00 UTC: 2 new US–China contacts")
    assert mail.subject.endswith("1 meeting announced")
    html = mail.html or ""
    assert "<h3>New contacts (2)</h3>" in html and "Charles Q. Brown Jr. – Liu Zhenli" in html
    assert "<h3>Planned meetings (1)</h3>" in html and "(newly announced)" in html
    assert "<li>US–China military relations: 3</li>" in html and "<li>Taiwan: 2</li>" in html
    assert "<li>Example feed: failed 1 time in a row (HTTP 503)</li>" in html
    assert mail.text is not None and "Lloyd Austin – Dong Jun" in mail.text  # the plain alternative


def test_a_digest_is_sent_once_per_period_and_channel(
    database_url: str,
    json_receiver: JsonReceiver,
    smtp_receiver: SmtpReceiver,
    settings: Settings,
    classifier: Classifier,
) -> None:
    sessions = open_database(database_url)
    channels = build_channels([json_receiver.url])
    _store(sessions, classifier, [SEEDS])
    prepare_digest(sessions, channels, settings)
    assert [d.delivered for d in deliver_alerts(sessions, channels, settings)] == [True]
    again = prepare_digest(sessions, channels, settings)
    assert again.existed and again.queued == () and deliver_alerts(sessions, channels, settings) == []
    assert len(json_receiver.messages) == 1

    # A channel added later in the period receives that period's digest; the first, nothing more.
    both = build_channels([json_receiver.url, smtp_receiver.url])
    joined = prepare_digest(sessions, both, settings)
    assert joined.existed and joined.queued == (both[1].label,)
    assert [d.channel for d in deliver_alerts(sessions, both, settings)] == [both[1].label]
    assert len(smtp_receiver.wait_for(1)) == 1 and len(json_receiver.messages) == 1
    assert smtp_receiver.messages[0].subject == json_receiver.messages[0]["title"]
    assert _count(sessions, DigestRow) == 1


def test_no_digest_when_nothing_is_new_and_the_next_one_starts_where_the_last_ended(
    database_url: str, json_receiver: JsonReceiver, settings: Settings, classifier: Classifier
) -> None:
    sessions = open_database(database_url)
    channels = build_channels([json_receiver.url])
    empty = prepare_digest(sessions, channels, settings)
    assert empty.digest is None and _count(sessions, DigestRow) == 0

    _store(sessions, classifier, [SEEDS])
    first = prepare_digest(sessions, channels, settings)
    deliver_alerts(sessions, channels, settings)
    assert first.digest is not None and len(first.digest.contacts) == 2

    quiet = prepare_digest(sessions, channels, settings, now=dt.datetime.now(dt.UTC) + TOMORROW)
    assert quiet.digest is None and deliver_alerts(sessions, channels, settings) == []
    assert len(json_receiver.messages) == 1 and _count(sessions, DigestRow) == 1

    _store(sessions, classifier, [OWN_CORPUS / "nw_001.txt"])
    later = prepare_digest(sessions, channels, settings, now=dt.datetime.now(dt.UTC) + TOMORROW)
    assert later.digest is not None and later.since == first.digest.until
    assert [c.participants[0][0] for c in later.digest.contacts] == ["Jake Sullivan"]
    assert [(t.topic, t.articles) for t in later.digest.topics if t.articles] == [("us-china-military", 1)]
    deliver_alerts(sessions, channels, settings)
    (_, second) = json_receiver.wait_for(2)
    assert "New contacts (1):" in second["message"] and "Charles Q. Brown" not in second["message"]


def test_a_failed_digest_is_retried_by_the_next_run_and_sent_once(
    database_url: str, json_receiver: JsonReceiver, settings: Settings, classifier: Classifier
) -> None:
    now_settings = with_alert_settings(settings, retry_base_seconds=0)
    sessions = open_database(database_url)
    channels = build_channels([json_receiver.url])
    _store(sessions, classifier, [SEEDS])
    json_receiver.fail_with(503)
    prepare_digest(sessions, channels, now_settings)
    (failed,) = deliver_alerts(sessions, channels, now_settings)
    assert not failed.delivered and failed.status == "failed" and json_receiver.messages == []

    json_receiver.recover()
    retry = prepare_digest(sessions, channels, now_settings)
    assert retry.existed and retry.queued == ()
    (delivered,) = deliver_alerts(sessions, channels, now_settings)
    assert delivered.delivered and delivered.alert_id == failed.alert_id
    assert deliver_alerts(sessions, channels, now_settings) == []
    assert len(json_receiver.wait_for(1)) == 1


def test_workers_preparing_the_same_digest_at_once_make_one(
    database_url: str, settings: Settings, classifier: Classifier, json_receiver: JsonReceiver
) -> None:
    sessions = open_database(database_url)
    channels = build_channels([json_receiver.url])
    _store(sessions, classifier, [SEEDS])
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            prepare_digest(sessions, channels, settings)  # one engine; a connection per transaction
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _count(sessions, DigestRow) == 1 and _count(sessions, AlertRow) == 1


def test_digest_command_dry_run_stores_nothing_and_a_run_sends(
    sqlite_url: str, json_receiver: JsonReceiver, classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSWATCH_NOTIFY", raising=False)
    runner = CliRunner()
    open_database(sqlite_url)  # (a dry run creates no database)
    empty = runner.invoke(app, ["digest", "--dry-run", "--db", sqlite_url])
    assert empty.exit_code == 0 and "no digest would be sent" in empty.output

    _store(open_database(sqlite_url), classifier, [SEEDS])
    dry = runner.invoke(app, ["digest", "--dry-run", "--db", sqlite_url, "--notify", json_receiver.url])
    assert dry.exit_code == 0, dry.output
    assert "New contacts (2):" in dry.output and "Would go to: json://127.0.0.1" in dry.output
    assert _count(open_database(sqlite_url), DigestRow) == 0 and json_receiver.messages == []

    sent = runner.invoke(app, ["digest", "--db", sqlite_url, "--notify", json_receiver.url])
    assert sent.exit_code == 0, sent.output
    assert "2 new contacts" in sent.output and "Digests: 1 sent, 0 failed" in sent.output
    assert len(json_receiver.wait_for(1)) == 1
    again = runner.invoke(app, ["digest", "--db", sqlite_url, "--notify", json_receiver.url])
    assert "composed before" in again.output and "Digests: 0 sent, 0 failed" in again.output


def test_serve_schedules_the_digest_daily_in_its_time_zone_or_every_n_hours() -> None:
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
    from prefect.deployments.runner import RunnerDeployment

    from newswatch.flows.digest import digest
    from newswatch.flows.serve import digest_schedule

    daily = digest.to_deployment(
        name="digest", schedule=digest_schedule(DigestSettings(daily_at="07:30", timezone="Europe/Paris"))
    )
    assert isinstance(daily, RunnerDeployment) and daily.schedules is not None
    (scheduled,) = daily.schedules
    assert isinstance(scheduled.schedule, CronSchedule)
    assert (scheduled.schedule.cron, scheduled.schedule.timezone) == ("30 7 * * *", "Europe/Paris")
    hourly = digest.to_deployment(name="digest", schedule=digest_schedule(DigestSettings(every_hours=6)))
    assert isinstance(hourly, RunnerDeployment) and hourly.schedules is not None
    (scheduled,) = hourly.schedules
    assert isinstance(scheduled.schedule, IntervalSchedule)
    assert scheduled.schedule.interval == dt.timedelta(hours=6)
    assert scheduled.schedule.anchor_date.timestamp() == EPOCH.timestamp()  # runs at the periods' starts


def test_the_digest_flow_does_nothing_until_digests_are_enabled(
    prefect_server: str,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_url: str,
    json_receiver: JsonReceiver,
    classifier: Classifier,
    tmp_path: Path,
) -> None:
    from newswatch.flows.digest import digest

    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSWATCH_NOTIFY", json_receiver.url)
    _store(open_database(sqlite_url), classifier, [SEEDS])
    disabled = digest()
    assert disabled.plan is None and disabled.deliveries == []
    enabled = digest(str(config_folder(tmp_path / "config", digest={"enabled": True})))
    assert enabled.plan is not None and [d.delivered for d in enabled.deliveries] == [True]
    (message,) = json_receiver.wait_for(1)
    assert message["title"].startswith("newswatch digest ") and "New contacts (2):" in message["message"]


def test_a_scheduled_run_decides_its_period_once_and_the_next_period_catches_up(
    database_url: str, json_receiver: JsonReceiver, settings: Settings, classifier: Classifier
) -> None:
    """The digest deployment ticks every few minutes: the first tick in a period decides it, so
    news arriving later in the period waits for the next period's digest, not a late one."""
    sessions = open_database(database_url)
    channels = build_channels([json_receiver.url])
    quiet = prepare_digest(sessions, channels, settings, decide_once=True)
    assert quiet.digest is None and not quiet.existed and _count(sessions, DigestRow) == 1

    _store(sessions, classifier, [SEEDS])
    later = prepare_digest(sessions, channels, settings, decide_once=True)  # a later tick, same period
    assert later.period == quiet.period, "the test ran across a period's start: run it again"
    assert later.digest is None and later.existed and later.queued == ()
    assert deliver_alerts(sessions, channels, settings) == [] and _count(sessions, DigestRow) == 1

    # The first tick of the next period (or the first after ticks were missed) sends the news.
    caught_up = prepare_digest(sessions, channels, settings, now=dt.datetime.now(dt.UTC) + TOMORROW, decide_once=True)
    assert caught_up.digest is not None and caught_up.queued == (channels[0].label,)
    assert len(caught_up.digest.contacts) == 2 and caught_up.since < caught_up.digest.until
    assert [d.delivered for d in deliver_alerts(sessions, channels, settings)] == [True]


def test_prefect_yaml_leaves_the_digest_time_to_the_configuration() -> None:
    """One source of truth: the digest deployment ticks on an interval no longer than the shortest
    sensible period; no cron in prefect.yaml repeats digest.daily_at."""
    import yaml

    config = yaml.safe_load((Path(__file__).parents[1] / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = [d for d in config["deployments"] if d["name"] == "digest"]
    (schedule,) = deployment["schedules"]
    assert set(schedule) == {"interval"} and schedule["interval"] <= 15 * 60
