"""`newswatch alerts`: each alert with when it went (or was queued, and when it is retried), and
the channel as it was last tried, a named channel's new URL included."""

from __future__ import annotations

import datetime as dt
import json
import re

from typer.testing import CliRunner

from newswatch.app.alerting import deliver_alerts
from newswatch.app.storing import store_classifications
from newswatch.classify import Classifier
from newswatch.cli import app
from newswatch.notify import build_channels
from newswatch.seeds import read_seed_file
from newswatch.settings import Settings
from newswatch.storage.database import open_database
from tests.conftest import SEEDS, with_alert_settings
from tests.notifier_servers import JsonReceiver

runner = CliRunner()
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"


def test_alerts_say_when_and_where_each_went(sqlite_url: str, settings: Settings, classifier: Classifier) -> None:
    receiver = JsonReceiver()
    receiver.start()
    receiver.stop()  # refused: the alert fails and waits for its retry
    try:
        old = f"desk=json://127.0.0.1:{receiver.port}/old-path"
        db = open_database(sqlite_url)
        article = classifier.classify(read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt"))
        store_classifications(db, [article], build_channels([old]))
        settings = with_alert_settings(settings, retry_base_seconds=600)
        (failed,) = deliver_alerts(db, build_channels([old]), settings)
        assert not failed.delivered

        listed = runner.invoke(app, ["alerts", "--db", sqlite_url])
        assert listed.exit_code == 0, listed.output
        line = listed.output.strip()
        assert re.fullmatch(
            rf"alert 1 \(contact\): event #1 → desk \(json://127\.0\.0\.1:{receiver.port}/old-path\): "
            rf"failed after 1 attempt \(.+\), queued {WHEN}, next attempt {WHEN}",
            line,
        ), line
        queued, retry = (dt.datetime.strptime(t, "%Y-%m-%d %H:%M UTC") for t in re.findall(WHEN, line))
        assert dt.timedelta(minutes=7) <= retry - queued <= dt.timedelta(minutes=13)  # 600 s ± 25 %, to the minute

        receiver.start()
        new = f"desk=json://127.0.0.1:{receiver.port}/new-path"  # the named channel, its URL changed
        assert runner.invoke(app, ["alerts", "retry", "1", "--db", sqlite_url]).exit_code == 0
        (sent,) = deliver_alerts(db, build_channels([new]), settings)
        assert sent.delivered and len(receiver.requests) == 1

        after = runner.invoke(app, ["alerts", "--db", sqlite_url]).output.strip()
        assert re.fullmatch(
            rf"alert 1 \(contact\): event #1 → desk \(json://127\.0\.0\.1:{receiver.port}/new-path\): "
            rf"sent {WHEN} after 1 attempt",
            after,
        ), after
        (row,) = json.loads(runner.invoke(app, ["alerts", "--json", "--db", sqlite_url]).output)
        assert row["channel"].endswith("/new-path)") and row["next_attempt_at"] is None
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row["sent_at"])  # to the second
    finally:
        receiver.stop()
