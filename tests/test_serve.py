"""`newswatch serve`: starts its own Prefect server, runs the monitor on its schedule, alerts,
sends the digest when enabled, and stops cleanly on SIGTERM, taking the server with it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from newswatch.seeds import read_seed_file
from tests.conftest import SEEDS, config_folder
from tests.feed_site import FeedSite
from tests.notifier_servers import JsonReceiver


def _serve_one_local_feed(
    feed_site: FeedSite,
    json_receiver: JsonReceiver,
    tmp_path: Path,
    schedule: dict[str, float],
    *arguments: str,
    **config: Any,
) -> subprocess.Popen[str]:
    """`newswatch serve` in a child process on one local feed holding the Brown–Liu seed, alerting
    the JSON receiver, with its own homes and database under ``tmp_path``."""
    article = read_seed_file(SEEDS / "004_ec52301a8b636dd9.txt")
    feed_site.add_article("brown-liu", article.title, article.published, article.text.split("\n\n"))
    feed = feed_site.add_feed("world", "rss2", ["brown-liu"])
    folder = config_folder(tmp_path / "config", schedule=schedule, monitor={"allow_private_networks": True}, **config)
    (folder / "feeds.yaml").write_text(
        yaml.safe_dump({"replace_shipped": True, "feeds": [{"url": feed, "name": "local"}]}), encoding="utf-8"
    )
    env = {
        **os.environ,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "NEWSWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "NEWSWATCH_NOTIFY": json_receiver.url,
    }
    env.pop("PREFECT_API_URL", None)
    (tmp_path / "prefect").mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "newswatch", "serve", "--config", str(folder), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_output(server: subprocess.Popen[str]) -> tuple[list[str], list[str], list[threading.Thread]]:
    """Serve's stdout and stderr lines as they come, each read by a thread of its own (reading
    stdout here and in ``communicate`` as well left the last lines to whichever read first)."""
    lines: list[str] = []
    errors: list[str] = []
    readers = [
        threading.Thread(target=lambda: lines.extend(server.stdout or []), daemon=True),
        threading.Thread(target=lambda: errors.extend(server.stderr or []), daemon=True),
    ]
    for reader in readers:
        reader.start()
    return lines, errors, readers


def _stop(server: subprocess.Popen[str], readers: list[threading.Thread], errors: list[str]) -> str:
    """SIGTERM, as a service manager stops serve; its stderr once it has ended."""
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    for reader in readers:
        reader.join(timeout=10)
    return "".join(errors)


def test_serve_runs_the_monitor_deliver_alerts_and_the_digest_on_schedule_and_stops_on_sigterm(
    feed_site: FeedSite, json_receiver: JsonReceiver, tmp_path: Path
) -> None:
    json_receiver.fail_with(503)  # the first cycle's alert fails: deliver-alerts sends it later
    server = _serve_one_local_feed(
        feed_site,
        json_receiver,
        tmp_path,
        {"monitor_every_minutes": 60, "deliver_every_minutes": 0.25},  # the monitor: only its first cycle
        digest={"enabled": True, "every_hours": 0.005},  # every 18 s
        alerts={"retry_base_seconds": 0},
    )
    lines, errors, readers = _read_output(server)
    try:
        deadline = time.monotonic() + 180
        while not json_receiver.requests and time.monotonic() < deadline:
            time.sleep(0.2)
        json_receiver.recover()
        messages = json_receiver.wait_for(2, timeout=240)
        titles = sorted(m["title"] for m in messages)
        assert titles[0].startswith("US–China military contact: Charles Q. Brown Jr. – Liu Zhenli")
        assert titles[1].startswith("newswatch digest ") and titles[1].endswith(": 1 new US–China contact")
        deadline = time.monotonic() + 120  # runs queue behind each other on a busy machine
        while time.monotonic() < deadline and not (
            any(" deliver-alerts: alerts 1 sent" in line for line in lines)
            and any(": nothing new; " in line for line in lines)
        ):
            time.sleep(0.5)
    finally:
        stderr = _stop(server, readers, errors)
    stdout = "".join(lines)
    assert server.returncode == 0, stderr
    assert "Serving on http://127.0.0.1:" in stdout and stdout.rstrip().endswith("Stopped.")
    assert "digest every 0.005 h" in stdout
    assert "Traceback" not in stderr
    _assert_deliver_and_digest_lines(stdout)
    api_url = stdout.split("Serving on ", 1)[1].split(":", 2)
    port = int(api_url[2].split("/", 1)[0])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the local Prefect server outlived serve"


def _assert_deliver_and_digest_lines(stdout: str) -> None:
    """A line per deliver-alerts run that sent or failed something (none for a quiet tick), and
    one per digest run that decided its period, each saying when the next run is due."""
    stamp, due = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r"next run (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d"
    deliver = re.findall(rf"^{stamp} deliver-alerts: alerts (\d+) sent, (\d+) failed; {due}$", stdout, re.M)
    assert len(deliver) == stdout.count(" deliver-alerts: "), stdout
    assert all(sent != "0" or failed != "0" for sent, failed, _ in deliver), stdout
    assert ("1", "0", "") in deliver, "deliver-alerts sent the alert that had failed"
    digest = re.findall(rf"^{stamp} digest: period \S+: (.+); digests (\d+) sent, (\d+) failed; {due}$", stdout, re.M)
    assert len(digest) == stdout.count(" digest: "), stdout
    assert any(found.startswith("1 new contacts, 0 meetings announced, ") for found, *_ in digest), stdout
    assert ("nothing new", "0", "0", "") in digest, "a quiet period prints its line too"


def test_serve_polls_at_start_prints_a_line_per_run_and_its_dashboard(
    feed_site: FeedSite, json_receiver: JsonReceiver, tmp_path: Path
) -> None:
    server = _serve_one_local_feed(
        feed_site,
        json_receiver,
        tmp_path,
        {"monitor_every_minutes": 60, "deliver_every_minutes": 60},  # only the first cycle falls in the test
        "--port",
        "0",
    )
    lines, errors, readers = _read_output(server)
    try:
        messages = json_receiver.wait_for(1, timeout=180)  # the interval is an hour: this is the first cycle
        assert messages[0]["title"].startswith("US–China military contact: Charles Q. Brown Jr. – Liu Zhenli")
        dashboard = next(line for line in lines if line.startswith("Prefect dashboard: ")).split(": ", 1)[1].strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", dashboard)
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with no_proxy.open(dashboard, timeout=30) as page:
            assert page.status == 200 and "<html" in page.read().decode("utf-8", "replace").lower()
        deadline = time.monotonic() + 60
        while not any(" monitor: " in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.5)
        artifacts = _monitor_summaries(no_proxy, dashboard)
        assert len(artifacts) == 1 and "| new contacts | 1 |" in artifacts[0]["data"], artifacts
        assert "Charles Q. Brown Jr. – Liu Zhenli" in artifacts[0]["data"]
    finally:
        stderr = _stop(server, readers, errors)
    assert server.returncode == 0, stderr
    run_lines = [line for line in lines if " monitor: " in line]
    assert len(run_lines) == 1, lines
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d monitor: feeds 1 polled, 0 failed; 1 new articles, 1 new contacts; "
        r"alerts 1 sent, 0 failed; next run \d\d:\d\d:\d\d\n",
        run_lines[0],
    ), run_lines[0]
    finished, due = (dt.datetime.strptime(t, "%H:%M:%S") for t in re.findall(r"\d\d:\d\d:\d\d", run_lines[0]))
    assert (due - finished) % dt.timedelta(days=1) > dt.timedelta(minutes=55), (
        "the next run is the schedule's, an hour on"
    )
    assert "Traceback" not in stderr


def _monitor_summaries(opener: urllib.request.OpenerDirector, server: str) -> list[dict[str, Any]]:
    """The monitor runs' summary artifacts, as the Prefect API at ``server`` lists them."""
    query = json.dumps({"artifacts": {"key": {"any_": ["monitor-summary"]}}}).encode()
    request = urllib.request.Request(
        f"{server}/api/artifacts/filter", data=query, headers={"Content-Type": "application/json"}
    )
    with opener.open(request, timeout=30) as response:
        return list(json.load(response))


def test_serve_on_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "newswatch", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"newswatch: error: port {port} on 127.0.0.1 is in use (Address already in use); choose another"
    ]


def test_a_run_line_dates_a_next_run_on_another_day_and_says_what_a_digest_run_did() -> None:
    from newswatch.app.alerting import Delivery
    from newswatch.app.digests import DigestPlan
    from newswatch.digest import Digest, TopicVolume
    from newswatch.flows import deliver, digest
    from newswatch.flows.serve import run_line

    finished = dt.datetime(2026, 12, 7, 8, 0, 5, tzinfo=dt.UTC)
    sent = Delivery(1, None, "json://127.0.0.1", True, "digest", "")
    failed = Delivery(2, 1, "json://127.0.0.1", False, "alert", "", error="HTTP 503", status="failed")
    assert run_line(
        "deliver-alerts", finished, deliver.summary([sent, failed]), finished.replace(minute=5, second=0)
    ) == ("2026-12-07 08:00:05 deliver-alerts: alerts 1 sent, 1 failed; next run 08:05:00")
    period = dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)
    news = Digest(period, period, finished, topics=(TopicVolume("taiwan", "Taiwan", 3), TopicVolume("scs", "SCS", 0)))
    decided = digest.DigestRun(DigestPlan("2026-12-07T08:00Z", period, news, queued=("json",)), [sent])
    assert run_line("digest", finished, digest.summary(decided), period + dt.timedelta(days=1)) == (
        "2026-12-07 08:00:05 digest: period 2026-12-07T08:00Z: 0 new contacts, 0 meetings announced, "
        "articles in 1 topics; digests 1 sent, 0 failed; next run 2026-12-08 08:00:00"
    )
    quiet = digest.DigestRun(DigestPlan("2026-12-07T08:00Z", period, None), [])
    assert quiet.eventful and digest.summary(quiet) == "period 2026-12-07T08:00Z: nothing new; digests 0 sent, 0 failed"
    decided_before = digest.DigestRun(DigestPlan("2026-12-07T08:00Z", period, None, existed=True), [])
    assert not decided_before.eventful, "a later tick in a decided period prints nothing"
    assert run_line("digest", finished, "x", None).endswith("; no next run scheduled")


def test_the_next_time_of_an_interval_schedule_is_the_first_after_now() -> None:
    from newswatch.flows.serve import next_interval_time

    anchor, every = dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC), dt.timedelta(minutes=15)
    assert next_interval_time(anchor, every, anchor - dt.timedelta(hours=1)) == anchor
    assert next_interval_time(anchor, every, anchor) == anchor + every
    assert next_interval_time(anchor, every, anchor + dt.timedelta(minutes=31)) == anchor + 3 * every


def test_the_next_time_is_computed_from_the_anchor_prefect_gives() -> None:
    """A deployment's interval schedule, as Prefect's client returns it, anchors on pendulum's
    DateTime, whose differences cannot be divided by a timedelta: every deployment run whose
    server had no scheduled run failed at its last line (a benchmark found it)."""
    from prefect.client.schemas.schedules import IntervalSchedule

    from newswatch.flows.serve import next_interval_time

    every = dt.timedelta(minutes=15)
    schedule = IntervalSchedule(interval=every, anchor_date=dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC))
    anchor = schedule.anchor_date
    assert type(anchor) is not dt.datetime, "Prefect's anchor is its own datetime type"
    now = dt.datetime(2026, 12, 7, 7, 31, tzinfo=dt.UTC)
    assert next_interval_time(anchor, every, now) == dt.datetime(2026, 12, 7, 7, 45, tzinfo=dt.UTC)
