"""Delivering the outbox in batches: claims and outcomes share transactions, and the guarantees
of one alert at a time hold (an outcome committed before a slow send, a lease that does not run
out under a long batch, nothing lost when a batch ends early)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from newswatch.app import alerting
from newswatch.app.alerting import deliver_alerts
from newswatch.app.storing import store_classifications
from newswatch.notify import CONSOLE, Channel, build_channels
from newswatch.seeds import read_seed_files
from newswatch.settings import Settings
from newswatch.storage import outbox
from newswatch.storage.database import Database, open_database
from tests.conftest import SEEDS, with_alert_settings
from tests.notifier_servers import JsonReceiver


def _queued(url: str, channels: list[Channel], classifier) -> Database:
    """A database with the seeds' two events stored and an alert queued for each on each channel."""
    db = open_database(url)
    articles, _ = read_seed_files([SEEDS])
    stored = store_classifications(db, [classifier.classify(a) for a in articles], channels)
    assert sum(1 for s in stored if s.new_event) == 2
    return db


def _commits(db: Database) -> list[int]:
    """A list that grows by one at each commit on the database (a real engine event)."""
    commits: list[int] = []
    engine = db.sessions.kw["bind"]
    event.listen(engine, "commit", lambda _connection: commits.append(1))
    return commits


def _statuses(db: Database) -> list[str]:
    with db.transaction() as session:
        return [row.status for row in outbox.alert_summary(session)]


def test_a_batch_is_claimed_in_one_transaction_and_each_outcome_committed_as_its_send_ends(
    database_url: str, json_receiver: JsonReceiver, settings: Settings, classifier
) -> None:
    channels = build_channels([f"c{i}={json_receiver.url}" for i in range(30)])
    db = _queued(database_url, channels, classifier)
    commits = _commits(db)
    deliveries = deliver_alerts(db, channels, settings)
    assert len(deliveries) == 60 and all(d.delivered for d in deliveries)
    assert len(json_receiver.wait_for(60)) == 60
    # Claims of 50 and 10, an empty one that ends the pass, and an outcome per send (a crash
    # repeats no message but the one in flight): one alert at a time took 120 commits.
    assert len(commits) == 3 + 60
    assert _statuses(db) == ["sent"] * 60


def test_the_consoles_outcomes_are_committed_together(
    database_url: str, settings: Settings, classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerting, "RECORD_WITHIN", dt.timedelta(minutes=5))  # every print "fast"
    db = _queued(database_url, [CONSOLE], classifier)
    commits = _commits(db)
    assert [d.status for d in deliver_alerts(db, [CONSOLE], settings)] == ["sent"] * 2
    assert len(commits) == 2 + 1  # a claim, the empty claim that ends the pass, both outcomes at once
    assert _statuses(db) == ["sent"] * 2


def test_after_a_slow_send_its_outcome_is_committed_before_the_next_send(
    sqlite_url: str, json_receiver: JsonReceiver, settings: Settings, classifier
) -> None:
    json_receiver.delay_seconds = alerting.RECORD_WITHIN.total_seconds() * 1.5
    channels = build_channels([f"c{i}={json_receiver.url}" for i in range(2)])
    db = _queued(sqlite_url, channels, classifier)
    commits = _commits(db)
    assert [d.status for d in deliver_alerts(db, channels, settings)] == ["sent"] * 4
    # Two claims (one empty) and an outcome per send: a crash repeats at most the send in flight.
    assert len(commits) == 2 + 4


def test_a_batch_longer_than_the_lease_keeps_its_claim(
    sqlite_url: str, json_receiver: JsonReceiver, settings: Settings, classifier
) -> None:
    lease = 1.0
    json_receiver.delay_seconds = 0.4  # six sends: 2.4 s, more than twice the lease
    short_lease = with_alert_settings(settings, claim_lease_seconds=lease)
    channels = build_channels([f"c{i}={json_receiver.url}" for i in range(3)])
    db = _queued(sqlite_url, channels, classifier)
    taken: list[list[outbox.ClaimedAlert]] = []

    def another_worker() -> None:
        json_receiver.wait_for(1, timeout=30)
        threading.Event().wait(lease + 0.2)  # the first claim's lease has run out by now
        with db.transaction() as session:
            now = dt.datetime.now(dt.UTC)
            taken.append(outbox.claim_alerts(session, [c.fingerprint for c in channels], now, dt.timedelta(1)))

    worker = threading.Thread(target=another_worker)
    worker.start()
    deliveries = deliver_alerts(db, channels, short_lease)
    worker.join()
    assert taken == [[]], "another worker claimed alerts of a batch still being sent"
    assert [d.status for d in deliveries] == ["sent"] * 6
    titles = [m["title"] for m in json_receiver.wait_for(6)]
    assert len(titles) == 6 and len(set(titles)) == 2  # each of the two alerts once per channel


def test_a_batch_that_ends_early_keeps_the_outcomes_of_its_sends(
    tmp_path: Path, settings: Settings, classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerting, "RECORD_WITHIN", dt.timedelta(minutes=5))  # nothing committed mid-batch
    db = _queued(f"sqlite:///{tmp_path / 'early.db'}", [CONSOLE], classifier)
    printed: list[str] = []

    def echo(text: str) -> None:
        if printed:
            raise RuntimeError("the terminal went away")
        printed.append(text)

    with pytest.raises(RuntimeError, match="terminal went away"):
        deliver_alerts(db, [CONSOLE], settings, echo=echo)
    assert _statuses(db) == ["sent", "pending"]  # the first send's outcome was not lost
    with db.transaction() as session:
        now = dt.datetime.now(dt.UTC)
        lease = dt.timedelta(seconds=settings.core.alerts.claim_lease_seconds)
        assert outbox.claim_alerts(session, [CONSOLE.fingerprint], now, lease) == []  # still claimed
        (retaken,) = outbox.claim_alerts(session, [CONSOLE.fingerprint], now + lease * 2, lease)
    assert retaken.attempts == 0
