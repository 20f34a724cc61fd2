"""One monitoring run with a good feed beside every hostile one (issue 16's attacks, from loopback).

The run is the real command (`newswatch run`) in a child process against the local news site, the
session's Prefect server and a Slack-style JSON receiver. Whatever the hostile feeds do, the run
must complete within a bounded time and memory, name each culprit once, store and alert the good
feed's contact once, keep credentials out of its output and database, and print nothing that
drives a terminal. Each hostile feed is the smallest form of an attack that once stopped, hung,
flooded or fooled a run; the unit tests of each mechanism are beside their modules' tests.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from newswatch.seeds import read_seed_file
from tests.conftest import SEEDS, config_folder
from tests.feed_site import FeedSite
from tests.notifier_servers import JsonReceiver

MAX_SECONDS = 120  # the run as a whole, the drip feed's deadline and Prefect's start included
MAX_RSS_MB = 500
INJECTION = "<!channel> <@U123> <img src=x onerror=alert(1)>"
PASSWORD = "s3cret-pass"


def _gzip_bomb(expanded_bytes: int) -> bytes:
    """``expanded_bytes`` of zeros, gzip-compressed twice (a few KB on the wire)."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [inner.compress(block) for _ in range(expanded_bytes >> 20)]
    parts.append(inner.flush())
    return gzip.compress(b"".join(parts), compresslevel=9)


def _rss(items: str, title: str = "Hostile Wire") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://127.0.0.1/</link>{items}</channel></rss>"
    ).encode()


def _item(n: int, link: str, title: str = "Harbour board news") -> str:
    summary = f"Local news, item {n}."  # distinct texts: identical ones are stored once
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>urn:hostile:{n}</guid>"
        f"<pubDate>Tue, 04 Mar 2025 09:00:00 GMT</pubDate><description>{summary}</description></item>"
    )


def _quadratic_blowup() -> bytes:
    """An entity of 10 KB referenced 10,000 times (100 MB once expanded), padded so that the
    expansion stays under expat's amplification limit: slow and huge, never refused by expat."""
    entity = "x" * 10_000
    refs = "&big;" * 10_000
    padding = "<!-- " + " " * 1_200_000 + " -->"
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{entity}">]>{padding}'
        f'<rss version="2.0"><channel><title>Blowup</title>'
        f"<item><title>t</title><link>http://127.0.0.1/blowup</link><description>{refs}</description></item>"
        f"</channel></rss>"
    ).encode()


def _hostile_feeds(site: FeedSite) -> dict[str, str]:
    """name: URL of each hostile feed on the site."""
    port = site.port
    many = "".join(_item(n, f"http://127.0.0.1:{port}/gone/{n}.html") for n in range(20_000))
    site.add_redirect("/hostile/port.xml", "http://127.0.0.1:99999/feed.xml", 302)
    return {
        "bad-port redirect": site.url("/hostile/port.xml"),
        "bad-port item": site.add_raw("/hostile/port-item.xml", _rss(_item(100_001, "http://127.0.0.1:99999/story"))),
        "gzip, gzip bomb": site.add_raw(
            "/hostile/bomb.xml", _gzip_bomb(1 << 30), headers=[("Content-Encoding", "gzip, gzip")]
        ),
        "injected content type": site.add_raw("/hostile/injected.xml", b"not a feed at all", content_type=INJECTION),
        "dripped headers": site.add_raw("/hostile/drip.xml", b"", drip_seconds=0.3),
        "quadratic blowup": site.add_raw("/hostile/blowup.xml", _quadratic_blowup()),
        "20,000 entries": site.add_raw("/hostile/many.xml", _rss(many)),
        "terminal escapes": site.add_raw(
            "/hostile/escapes.xml",
            _rss(
                _item(100_002, f"http://127.0.0.1:{port}/gone/escapes.html", title="Title \x1b]0;pwned\x07\x1b[2J end"),
                title="Wire \x1b[31m red",
            ),
        ),
    }


@pytest.fixture
def env(tmp_path: Path, json_receiver: JsonReceiver, prefect_server: str) -> dict[str, str]:
    return {
        **os.environ,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "NEWSWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'hostile.db'}",
        "NEWSWATCH_NOTIFY": json_receiver.url,
        "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1",
        "PREFECT_API_URL": prefect_server,
        "COLUMNS": "200",
    }


# The child's own peak: VmHWM of its memory map. (getrusage's ru_maxrss would also count the
# pytest process it was forked from: Linux carries the pre-exec image's peak over the exec.)
PEAK_RSS = (
    "import atexit, re, sys\n"
    "peak = lambda: re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
    "atexit.register(lambda: print('peak-rss-kib', peak(), file=sys.stderr))\n"
    "from newswatch.cli import main\n"
    "sys.argv = ['newswatch', *sys.argv[1:]]\n"
    "main()\n"
)


def _newswatch(env: dict[str, str], *arguments: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run the command in a child process: its result, wall seconds and peak RSS in MB."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *arguments], env=env, capture_output=True, text=True, timeout=MAX_SECONDS * 2
    )
    peak = re.search(r"peak-rss-kib (\d+)", result.stderr)
    return result, time.monotonic() - started, int(peak.group(1)) / 1024 if peak else float("inf")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from Linux's /proc")
def test_a_good_feed_beside_every_hostile_one_completes_bounded_and_alerts_once(
    feed_site: FeedSite, env: dict[str, str], json_receiver: JsonReceiver, tmp_path: Path
) -> None:
    contact = read_seed_file(SEEDS / "004_ec52301a8b636dd9.txt")
    feed_site.add_article("contact", contact.title, contact.published, contact.text.split("\n\n"))
    good = feed_site.add_feed("good", "rss2", ["contact"])
    plain = read_seed_file(SEEDS / "000_fa17d5cd43c4c00b.txt")
    feed_site.add_article("second", "Harbour board meets", plain.published, ["The harbour board met on Monday."])
    credentialed = feed_site.add_feed("private", "rss2", ["second"]).replace("://", f"://reader:{PASSWORD}@", 1)
    hostile = _hostile_feeds(feed_site)
    config = config_folder(
        tmp_path / "config",
        monitor={
            "retries": 0,
            "read_timeout": 1,
            "total_timeout": 3,
            "max_feed_bytes": 6_000_000,
            "max_entries_per_feed": 50,
            "failure_alert_after": 1,
        },
    )
    arguments = ["run", "--config", str(config), "--feed", good, "--feed", credentialed]
    for url in hostile.values():
        arguments += ["--feed", url]

    result, seconds, peak_mb = _newswatch(env, *arguments)

    output = result.stdout + result.stderr
    print(f"the run: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB")  # shown with pytest -s
    assert result.returncode == 3, output  # partial: some feeds failed, the rest completed
    assert seconds < MAX_SECONDS and peak_mb < MAX_RSS_MB, (seconds, peak_mb)
    assert "Traceback" not in output and "\x1b" not in output and "\x07" not in output, output
    assert PASSWORD not in output and PASSWORD.encode() not in Path(tmp_path / "hostile.db").read_bytes()
    reasons = {}
    for name in (
        "bad-port redirect",
        "gzip, gzip bomb",
        "injected content type",
        "dripped headers",
        "quadratic blowup",
    ):
        lines = [line for line in output.splitlines() if line.startswith("feed failed: ") and hostile[name] in line]
        assert len(lines) == 1, (name, output)  # named once, with its reason
        reasons[name] = lines[0]
    assert "port" in reasons["bad-port redirect"]
    assert "limit" in reasons["gzip, gzip bomb"]
    assert "timeout" in reasons["dripped headers"] or "longer than" in reasons["dripped headers"]
    assert "entit" in reasons["quadratic blowup"]
    lines = output.splitlines()
    assert any(hostile["20,000 entries"] in line and "50 of 20,000" in line for line in lines), output
    assert any("99999" in line and "port" in line for line in lines if line.startswith("page not fetched")), output

    json_receiver.wait_for(1)
    messages = json_receiver.messages
    texts = [json.dumps(m, ensure_ascii=False) for m in messages]
    contact_alerts = [m for m in messages if "feed failing" not in m.get("title", "")]
    assert len(contact_alerts) == 1, texts
    assert all(INJECTION not in t and "<!channel>" not in t and "<img" not in t for t in texts), texts
    assert any("feed failing" in m.get("title", "") for m in messages), texts

    listed = subprocess.run(
        [sys.executable, "-m", "newswatch", "articles", "--limit", "500"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "\x1b" not in listed.stdout + listed.stderr and "\x07" not in listed.stdout
    stored = re.findall(r"^\S+ (\S+/gone/\S+)", listed.stdout, re.MULTILINE)
    assert len(stored) == 51  # the 50 entries kept of 20,000, and the escapes' item
    assert "Title" in listed.stdout and "pwned" in listed.stdout  # shown, inert

    again, _, _ = _newswatch(env, *arguments)
    assert again.returncode == 3
    assert len([m for m in json_receiver.messages if "feed failing" not in m.get("title", "")]) == 1
