"""A notifier that takes the message and answers late (issue 16, row 8): its outcome is unknown,
not a failure to resend at once; apprise gets timeouts that fit the channel."""

from __future__ import annotations

import time

from newswatch.app.alerting import deliver_alerts
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.notify import DEFAULT_TIMEOUTS, EMAIL_TIMEOUTS, build_channels, notifier_for, send
from newswatch.seeds import read_seed_file
from newswatch.settings import Settings
from newswatch.storage import outbox
from newswatch.storage.database import Database, open_database
from tests.conftest import SEEDS, with_alert_settings
from tests.notifier_servers import JsonReceiver, SmtpReceiver


def _one_queued_alert(url: str, channels_urls: list[str], classifier: Classifier) -> Database:
    sessions = open_database(url)
    channels = build_channels(channels_urls)
    store_classifications(sessions, [classifier.classify(read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt"))], channels)
    return sessions


def _statuses(sessions: Database) -> list[str]:
    with sessions.transaction() as session:
        return [row.status for row in outbox.alert_summary(session)]


def test_a_notifier_that_answers_after_the_read_timeout_gets_the_alert_once_marked_unknown(
    database_url: str, settings: Settings, classifier: Classifier
) -> None:
    """Refused first (not sent: retried), then taken but answered late (sent, no answer: not
    resent at once): across three delivery runs the receiver gets the alert once."""
    receiver = JsonReceiver(timeout=1.0)  # cto=1, rto=1 in its URL: the operator's timeouts are kept
    receiver.start()
    receiver.stop()  # the port is closed: connections are refused
    try:
        now_settings = with_alert_settings(settings, retry_base_seconds=0)  # a failure is due again at once
        channels = build_channels([receiver.url])
        sessions = _one_queued_alert(database_url, [receiver.url], classifier)

        (refused,) = deliver_alerts(sessions, channels, now_settings)
        assert not refused.delivered and refused.status == "failed" and receiver.requests == []

        receiver.start()
        receiver.delay_seconds = 2.0  # records the message, then answers after the read timeout
        started = time.monotonic()
        (late,) = deliver_alerts(sessions, channels, now_settings)
        assert time.monotonic() - started < 1.9  # the read timeout (1 s) ended the wait, not the answer
        assert not late.delivered and late.status == "unknown"
        assert "no answer within 1 s" in (late.error or "") and "may have been delivered" in (late.error or "")
        assert len(receiver.requests) == 1

        assert deliver_alerts(sessions, channels, now_settings) == []  # not resent blindly
        assert len(receiver.requests) == 1
        assert _statuses(sessions) == ["unknown"]
    finally:
        receiver.stop()


def test_an_unknown_outcome_is_retried_once_after_the_longest_backoff_then_left_alone(
    sqlite_url: str, settings: Settings, classifier: Classifier
) -> None:
    """The one resend of an unknown outcome comes after ``alerts.retry_max_seconds`` (here 0: at
    once); a second unknown outcome is final (``newswatch alerts retry`` resends it)."""
    with JsonReceiver(timeout=1.0) as receiver:
        receiver.delay_seconds = 1.5
        now_settings = with_alert_settings(settings, retry_base_seconds=0, retry_max_seconds=0)
        channels = build_channels([receiver.url])
        sessions = _one_queued_alert(sqlite_url, [receiver.url], classifier)
        (first,) = deliver_alerts(sessions, channels, now_settings)
        (second,) = deliver_alerts(sessions, channels, now_settings)
        assert (first.status, second.status) == ("unknown", "unknown")
        assert "not resent" in (second.error or "")
        assert deliver_alerts(sessions, channels, now_settings) == []
        assert len(receiver.requests) == 2
        with sessions.transaction() as session:
            assert outbox.requeue_alerts(session) == 1  # the operator can still resend it
        receiver.delay_seconds = 0
        (resent,) = deliver_alerts(sessions, channels, now_settings)
        assert resent.delivered and resent.status == "sent"


def test_a_notifier_slower_than_apprises_default_timeout_is_waited_for(json_receiver: JsonReceiver) -> None:
    """apprise waits 4 s for an answer by default; a webhook gets 30 s unless its URL says."""
    url = f"json://{json_receiver.host}:{json_receiver.port}{json_receiver.path}"  # no cto/rto of its own
    json_receiver.delay_seconds = 4.5
    (channel,) = build_channels([url])
    send(channel, "a title", "a body")
    assert len(json_receiver.messages) == 1


def test_timeouts_fit_the_channel_unless_its_url_sets_them(smtp_receiver: SmtpReceiver) -> None:
    (webhook, own, email) = build_channels(
        ["json://127.0.0.1:9/hook", "json://127.0.0.1:9/other?rto=2.5&cto=1.5", smtp_receiver.url]
    )
    plugin = notifier_for(webhook)[0]
    assert (plugin.socket_connect_timeout, plugin.socket_read_timeout) == (
        DEFAULT_TIMEOUTS.connect,
        DEFAULT_TIMEOUTS.read,
    )
    assert DEFAULT_TIMEOUTS.read >= 30
    plugin = notifier_for(own)[0]
    assert (plugin.socket_connect_timeout, plugin.socket_read_timeout) == (1.5, 2.5)
    plugin = notifier_for(email)[0]  # smtp_receiver's URL sets its own (short) timeouts
    assert plugin.socket_connect_timeout == 2.0
    bare_email = build_channels(["mailto://user:secret@example.com?to=ops@example.com&smtp=127.0.0.1"])[0]
    assert notifier_for(bare_email)[0].socket_connect_timeout == EMAIL_TIMEOUTS.connect
