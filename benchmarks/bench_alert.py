"""time-to-alert: from a contact article appearing in a feed to its alert reaching the notifier,
under ``newswatch serve``.

serve runs as a user would start it (its own Prefect server in a fresh PREFECT_HOME, a config
folder with ``schedule.monitor_every_minutes: 1`` and one local feed polled every minute, alerts
to a local JSON notifier). Once its first monitor run has completed, a contact article is added
to the feed at t0; the time until the notifier receives the alert is measured. Adding the article
right after a run is the worst case: nearly a whole interval passes before the next run. Budget:
the interval plus 5 s. Smoke: serve is started with the contact article already in the feed and
the first alert is awaited (that includes the Prefect server's start, so it is not comparable).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import httpx
import yaml

from benchmarks.corpus import GeneratedArticle, generate_corpus
from benchmarks.harness import Result, log
from benchmarks.sites import HostSite
from newswatch.classify import Classifier
from newswatch.settings import load_settings
from tests.notifier_servers import JsonReceiver

INTERVAL_MINUTES = 1
BUDGET_SECONDS = INTERVAL_MINUTES * 60 + 5
FEED = "world"
WAIT_SECONDS = 300
_SERVING = re.compile(r"Serving on (?P<api>http://\S+/api)")


def pick_articles(count: int) -> tuple[list[GeneratedArticle], list[GeneratedArticle]]:
    """Background articles without a contact, and ``count`` contact articles the classifier
    finds, each a different event."""
    settings = load_settings()
    classifier = Classifier(settings)
    background: list[GeneratedArticle] = []
    contacts: list[GeneratedArticle] = []
    events: set[tuple[str, str]] = set()
    for article in generate_corpus(settings, 200, seed=11):
        if article.kind == "unrelated" and len(background) < 3:
            background.append(article)
        if article.contact is not None and len(contacts) < count:
            held = classifier.classify(article.as_article()).reported_contact()
            if held is not None and (held.participant_key, held.date.isoformat()) not in events:
                events.add((held.participant_key, held.date.isoformat()))
                contacts.append(article)
    return background, contacts


def write_config(folder: Path, feed_url: str) -> Path:
    """The shipped newswatch.yaml with a one-minute schedule, and a feeds.yaml with the local feed."""
    core = yaml.safe_load((resources.files("newswatch.config") / "newswatch.yaml").read_text(encoding="utf-8"))
    core["schedule"]["monitor_every_minutes"] = INTERVAL_MINUTES
    core["monitor"]["allow_private_networks"] = True
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "newswatch.yaml").write_text(yaml.safe_dump(core, allow_unicode=True), encoding="utf-8")
    feeds = {"feeds": [{"url": feed_url, "name": "local", "interval_minutes": INTERVAL_MINUTES}]}
    (folder / "feeds.yaml").write_text(yaml.safe_dump(feeds), encoding="utf-8")
    return folder


class Serve:
    """`newswatch serve` in a subprocess: its API URL once it prints it, its peak memory, a clean stop."""

    def __init__(self, config: Path, home: Path, notify_url: str) -> None:
        env = {
            **os.environ,
            "NEWSWATCH_HOME": str(home / "newswatch"),
            "PREFECT_HOME": str(home / "prefect"),
            "NEWSWATCH_DATABASE_URL": f"sqlite:///{home / 'serve.db'}",
            "NEWSWATCH_NOTIFY": notify_url,
            "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1",
        }
        env.pop("PREFECT_API_URL", None)  # serve starts its own server, as on a fresh machine
        (home / "prefect").mkdir(parents=True)
        self._stderr = (home / "serve.stderr").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newswatch", "serve", "--config", str(config)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.api_url: str | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._read_stdout, name="serve-stdout", daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            match = _SERVING.search(line)
            if match:
                self.api_url = match.group("api")
                self._ready.set()

    def wait_until_serving(self, timeout: float) -> str:
        if not self._ready.wait(timeout) or self.api_url is None:
            raise TimeoutError(f"newswatch serve did not start within {timeout:g} s")
        return self.api_url

    def completed_monitor_runs(self) -> int:
        """How many monitor flow runs have completed, from the Prefect API."""
        body = {
            "flows": {"name": {"any_": ["newswatch-monitor"]}},
            "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
        }
        response = httpx.post(f"{self.api_url}/flow_runs/count", json=body, timeout=10)
        response.raise_for_status()
        return int(response.json())

    def wait_for_runs(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.completed_monitor_runs() < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {count} monitor runs completed within {timeout:g} s")
            if self.process.poll() is not None:
                raise RuntimeError(f"newswatch serve exited with status {self.process.returncode}")
            time.sleep(0.5)

    def peak_rss_mb(self) -> float:
        """serve's own peak resident memory so far (Linux), else 0."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0.0
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._stderr.close()


def _publish(site: HostSite, article: GeneratedArticle) -> None:
    site.add_article(article.slug, article.title, article.published, list(article.paragraphs), article.author)
    site.add_entry(FEED, article.slug)


def _timed_alerts(
    serve: Serve, site: HostSite, receiver: JsonReceiver, contacts: list[GeneratedArticle]
) -> Iterator[float]:
    """For each contact article: wait for a completed run, publish it, time until its alert."""
    for number, article in enumerate(contacts, start=1):
        serve.wait_for_runs(number, WAIT_SECONDS)
        started = time.perf_counter()
        _publish(site, article)
        receiver.wait_for(number, timeout=WAIT_SECONDS)
        yield time.perf_counter() - started


def run(smoke: bool, repeat: int) -> list[Result]:
    reps = 1 if smoke else max(1, min(repeat, 2))
    background, contacts = pick_articles(reps)
    samples: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="nw-bench-alert-") as tmp,
        HostSite("127.0.0.2") as site,
        JsonReceiver() as receiver,
    ):
        for article in background + (contacts if smoke else []):
            site.add_article(article.slug, article.title, article.published, list(article.paragraphs), article.author)
        feed_url = site.add_feed(FEED, "rss2", [a.slug for a in background] + ([contacts[0].slug] if smoke else []))
        config = write_config(Path(tmp) / "config", feed_url)
        started = time.perf_counter()
        serve = Serve(config, Path(tmp) / "home", receiver.url)
        try:
            serve.wait_until_serving(WAIT_SECONDS)
            log(f"serve is up after {time.perf_counter() - started:.0f} s")
            if smoke:
                receiver.wait_for(1, timeout=WAIT_SECONDS)
                samples.append(time.perf_counter() - started)
            else:
                for elapsed in _timed_alerts(serve, site, receiver, contacts):
                    log(f"time to alert: {elapsed:.1f} s")
                    samples.append(elapsed)
            serve_peak = serve.peak_rss_mb()
        finally:
            serve.stop()
    median = sorted(samples)[len(samples) // 2]
    what = (
        "serve start to first alert (includes the Prefect server's start)"
        if smoke
        else "feed entry added right after a completed run to alert received"
    )
    return [
        Result(
            name="time-to-alert",
            n=len(samples),
            median_s=median,
            reference_median_s=None,
            ratio=median / BUDGET_SECONDS,
            peak_rss_mb=serve_peak,
            notes=f"{what}; monitor every {INTERVAL_MINUTES} min; ratio = median / {BUDGET_SECONDS} s; peak RSS is serve's own process",
            samples_s=samples,
        )
    ]
