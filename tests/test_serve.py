"""`newswatch serve`: starts its own Prefect server, runs the monitor on its schedule, alerts,
sends the digest when enabled, and stops cleanly on SIGTERM, taking the server with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from newswatch.seeds import read_seed_file
from tests.conftest import SEEDS, config_folder
from tests.feed_site import FeedSite
from tests.notifier_servers import JsonReceiver


def test_serve_runs_the_monitor_and_the_digest_on_schedule_and_stops_on_sigterm(
    feed_site: FeedSite, json_receiver: JsonReceiver, tmp_path: Path
) -> None:
    article = read_seed_file(SEEDS / "004_ec52301a8b636dd9.txt")
    feed_site.add_article("brown-liu", article.title, article.published, article.text.split("\n\n"))
    feed = feed_site.add_feed("world", "rss2", ["brown-liu"])
    config = config_folder(
        tmp_path / "config",
        schedule={"monitor_every_minutes": 0.25, "deliver_every_minutes": 0.25},
        monitor={"allow_private_networks": True},
        digest={"enabled": True, "every_hours": 0.005},  # every 18 s
    )
    (config / "feeds.yaml").write_text(
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
    server = subprocess.Popen(
        [sys.executable, "-m", "newswatch", "serve", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        messages = json_receiver.wait_for(2, timeout=240)
        titles = sorted(m["title"] for m in messages)
        assert titles[0].startswith("US–China military contact: Charles Q. Brown Jr. – Liu Zhenli")
        assert titles[1].startswith("newswatch digest ") and titles[1].endswith(": 1 new US–China contact")
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=60)
    assert server.returncode == 0, stderr
    assert "Serving on http://127.0.0.1:" in stdout and stdout.rstrip().endswith("Stopped.")
    assert "digest every 0.005 h" in stdout
    assert "Traceback" not in stderr
    api_url = stdout.split("Serving on ", 1)[1].split(":", 2)
    port = int(api_url[2].split("/", 1)[0])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the local Prefect server outlived serve"
